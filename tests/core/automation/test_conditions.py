"""Conditions with Home Assistant's meaning, and the reason each one gives in the trace."""
from __future__ import annotations

from datetime import timedelta


async def test_state_condition_all_any_attribute_and_for(hub, clock, automations, calls, traces):
    hub.states.set("lock.a", "locked", {"battery": 5})
    hub.states.set("lock.b", "unlocked")
    await automations("""
        - id: all_locked
          triggers: {trigger: event, event_type: check}
          conditions: {condition: state, entity_id: [lock.a, lock.b], state: locked}
          actions: {action: test.record, data: {which: all}}
        - id: any_locked
          triggers: {trigger: event, event_type: check}
          conditions: {condition: state, entity_id: [lock.a, lock.b], state: locked, match: any}
          actions: {action: test.record, data: {which: any}}
        - id: low_battery
          triggers: {trigger: event, event_type: check}
          conditions: {condition: state, entity_id: lock.a, attribute: battery, state: [5, 10]}
          actions: {action: test.record, data: {which: battery}}
        - id: locked_a_while
          triggers: {trigger: event, event_type: check}
          conditions: {condition: state, entity_id: lock.a, state: locked, for: "00:10:00"}
          actions: {action: test.record, data: {which: for}}
    """)
    hub.bus.fire("check")
    await hub.block_till_done()
    assert sorted(d["which"] for d in calls.data) == ["any", "battery"]
    why = traces.element(traces.last("all_locked"), "condition/0")["result"]
    assert why["result"] is False
    assert why["entities"][1] == {"entity_id": "lock.b", "state": "unlocked", "wanted": ["locked"], "result": False}
    clock.advance(timedelta(minutes=10))
    hub.bus.fire("check")
    await hub.block_till_done()
    assert sorted(d["which"] for d in calls.data).count("for") == 1


async def test_numeric_state_and_template_conditions(hub, automations, calls, traces):
    hub.states.set("sensor.arrears_days", "95")
    hub.states.set("sensor.broken", "unavailable")
    await automations("""
        - id: arrears
          triggers: {trigger: event, event_type: plate}
          conditions:
            - condition: numeric_state
              entity_id: sensor.arrears_days
              above: 90
            - "{{ trigger.event.data.plate.startswith('沪') }}"
          actions: {action: test.record}
        - id: broken
          triggers: {trigger: event, event_type: plate}
          conditions: {condition: numeric_state, entity_id: sensor.broken, below: 10}
          actions: {action: test.record}
    """)
    hub.bus.fire("plate", {"plate": "京A12345"})
    await hub.block_till_done()
    assert len(calls) == 0
    trace = traces.last("arrears")
    assert trace["script_execution"] == "failed_conditions"
    assert traces.element(trace, "condition/0")["result"]["value"] == 95.0
    assert traces.element(trace, "condition/1")["result"] == {"rendered": "False", "result": False}
    broken = traces.element(traces.last("broken"), "condition/0")
    assert broken["result"]["result"] is False
    assert "sensor.broken is 'unavailable', not a number" in broken["error"]
    hub.bus.fire("plate", {"plate": "沪A12345"})
    await hub.block_till_done()
    assert len(calls) == 1


async def test_time_condition_spans_midnight_and_weekdays(hub, clock, automations, calls):
    await automations("""
        - id: night
          mode: parallel
          triggers: {trigger: event, event_type: check}
          conditions: {condition: time, after: "22:00", before: "06:00"}
          actions: {action: test.record, data: {which: night}}
        - id: weekend
          mode: parallel
          triggers: {trigger: event, event_type: check}
          conditions: {condition: time, weekday: [sat, sun]}
          actions: {action: test.record, data: {which: weekend}}
    """)
    fired = []
    for hours in (0, 15, 3, 4 * 24):  # Mon 08:00, Mon 23:00, Tue 02:00, Sat 02:00
        clock.advance(timedelta(hours=hours))
        hub.bus.fire("check")
        await hub.block_till_done()
        fired.append(sorted(d["which"] for d in calls.data))
        calls.made.clear()
    assert fired == [[], ["night"], ["night"], ["night", "weekend"]]


async def test_and_or_not_trigger_id_and_disabled_conditions(hub, automations, calls):
    hub.states.set("alarm.site", "armed")
    hub.states.set("switch.siren", "off")
    await automations("""
        - id: logic
          mode: parallel
          triggers:
            - {trigger: event, event_type: forced, id: forced}
            - {trigger: event, event_type: held, id: held}
          conditions:
            - or:
                - condition: trigger
                  id: forced
                - and:
                    - condition: trigger
                      id: held
                    - condition: state
                      entity_id: alarm.site
                      state: disarmed
            - not:
                - condition: state
                  entity_id: switch.siren
                  state: "on"
            - condition: state
              entity_id: switch.siren
              state: "nonsense"
              enabled: false
          actions: {action: test.record, data: {by: "{{ trigger.id }}"}}
    """)
    hub.bus.fire("forced")
    hub.bus.fire("held")
    await hub.block_till_done()
    assert calls.data == [{"by": "forced"}]
    hub.states.set("switch.siren", "on")
    hub.bus.fire("forced")
    await hub.block_till_done()
    assert len(calls) == 1
