"""Each trigger type with Home Assistant's meaning, on a manual clock."""
from __future__ import annotations

from datetime import timedelta

from xiaoqu.core.automation.platforms import TriggerInfo
from xiaoqu.core.automation.triggers.common import HoldTimers
from xiaoqu.core.automation.validators import period_or_template
from xiaoqu.core.bus import Context


async def test_event_trigger_matches_type_data_and_user(hub, automations, calls):
    await automations("""
        - id: forced
          triggers:
            - trigger: event
              event_type: door_forced
              event_data: {door: door.gate_1, info: {building: 3}}
              context: {user_id: guard_7}
          actions:
            - action: test.record
              data: {door: "{{ trigger.event.data.door }}", by: "{{ trigger.event.context.user_id }}"}
    """)
    hub.bus.fire("door_forced", {"door": "door.gate_2", "info": {"building": 3}}, context=Context("guard_7"))
    hub.bus.fire("door_forced", {"door": "door.gate_1", "info": {"building": 4}}, context=Context("guard_7"))
    hub.bus.fire("door_forced", {"door": "door.gate_1", "info": {"building": 3}}, context=Context("someone"))
    hub.bus.fire("door_opened", {"door": "door.gate_1", "info": {"building": 3}}, context=Context("guard_7"))
    hub.bus.fire("door_forced", {"door": "door.gate_1", "info": {"building": 3, "unit": 2}, "extra": 1},
                 context=Context("guard_7"))
    await hub.block_till_done()
    assert calls.data == [{"door": "door.gate_1", "by": "guard_7"}]


async def test_event_triggers_share_one_listener_per_type(hub, automations):
    before = hub.bus.listeners().get("door_forced", 0)
    await automations("""
        - id: a
          triggers: {trigger: event, event_type: door_forced}
          actions: {action: test.record}
        - id: b
          triggers: {trigger: event, event_type: [door_forced, door_held]}
          actions: {action: test.record}
    """)
    assert hub.bus.listeners()["door_forced"] == before + 1
    assert hub.bus.listeners()["door_held"] == 1


async def test_state_trigger_from_to_and_attribute_changes(hub, automations, calls):
    hub.states.set("lock.gate", "locked", {"battery": 80})
    await automations("""
        - id: unlocked
          triggers:
            - trigger: state
              entity_id: lock.gate
              from: locked
              to: unlocked
          actions:
            - action: test.record
              data: {was: "{{ trigger.from_state.state }}", now: "{{ trigger.to_state.state }}"}
        - id: battery
          triggers:
            - trigger: state
              entity_id: lock.gate
              attribute: battery
          actions:
            - action: test.record
              data: {battery: "{{ trigger.to_state.attributes.battery }}"}
    """)
    hub.states.set("lock.gate", "locked", {"battery": 70})  # attribute only: not a from/to change
    hub.states.set("lock.gate", "jammed", {"battery": 70})
    hub.states.set("lock.gate", "unlocked", {"battery": 70})  # from jammed: no
    hub.states.set("lock.gate", "locked", {"battery": 70})
    hub.states.set("lock.gate", "unlocked", {"battery": 70})
    await hub.block_till_done()
    assert calls.data == [{"battery": 70}, {"was": "locked", "now": "unlocked"}]


async def test_state_trigger_without_from_to_fires_on_any_change_and_to_null_on_state_only(hub, automations, calls):
    hub.states.set("sensor.door", "closed")
    await automations("""
        - id: anything
          mode: parallel
          triggers: {trigger: state, entity_id: sensor.door}
          actions: {action: test.record, data: {which: anything}}
        - id: state_only
          triggers: {trigger: state, entity_id: sensor.door, to: }
          actions: {action: test.record, data: {which: state_only}}
    """)
    hub.states.set("sensor.door", "closed", {"rssi": -60})
    hub.states.set("sensor.door", "open", {"rssi": -60})
    await hub.block_till_done()
    assert [d["which"] for d in calls.data] == ["anything", "anything", "state_only"]


async def test_state_trigger_not_to_and_unquoted_on(hub, automations, calls):
    hub.states.set("switch.pump", "off")
    await automations("""
        - id: pump
          triggers:
            - trigger: state
              entity_id: switch.pump
              to: on
              not_from: unavailable
          actions: {action: test.record}
    """)
    hub.states.set("switch.pump", "unavailable")
    hub.states.set("switch.pump", "on")
    hub.states.set("switch.pump", "off")
    hub.states.set("switch.pump", "on")
    await hub.block_till_done()
    assert len(calls) == 1


async def test_state_trigger_for_holds_and_cancels(hub, clock, automations, calls):
    hub.states.set("binary_sensor.door", "off")
    await automations("""
        - id: held_open
          triggers:
            - trigger: state
              entity_id: binary_sensor.door
              to: "on"
              for: {minutes: 2}
          actions:
            - action: test.record
              data: {held: "{{ trigger.for.total_seconds() }}"}
    """)
    hub.states.set("binary_sensor.door", "on")
    clock.advance(90)
    hub.states.set("binary_sensor.door", "on", {"note": "attribute change keeps the hold"})
    clock.advance(20)
    hub.states.set("binary_sensor.door", "off")  # closed after 110 s: no alarm
    clock.advance(300)
    await hub.block_till_done()
    assert len(calls) == 0
    hub.states.set("binary_sensor.door", "on")
    clock.advance(119)
    await hub.block_till_done()
    assert len(calls) == 0
    clock.advance(1)
    await hub.block_till_done()
    assert calls.data == [{"held": 120.0}]


async def test_numeric_state_fires_on_crossing_only(hub, clock, automations, calls):
    hub.states.set("sensor.water", "85")  # already above when armed: not a crossing
    hub.states.set("sensor.limit", "80")
    await automations("""
        - id: flood
          mode: queued
          triggers:
            - trigger: numeric_state
              entity_id: sensor.water
              above: sensor.limit
              below: 1000
          actions: {action: test.record, data: {level: "{{ trigger.to_state.state }}"}}
        - id: cold
          triggers:
            - trigger: numeric_state
              entity_id: sensor.temp
              attribute: celsius
              below: 5
              for: 60
          actions: {action: test.record, data: {cold: true}}
        - id: templated
          triggers:
            - trigger: numeric_state
              entity_id: sensor.raw
              value_template: "{{ state.state | float(0) / 10 }}"
              above: 5
          actions: {action: test.record, data: {scaled: true}}
    """)
    for level in ("86", "70", "unknown", "90", "95", "1200", "90"):
        hub.states.set("sensor.water", level)
    await hub.block_till_done()
    hub.states.set("sensor.temp", "x", {"celsius": 10})
    hub.states.set("sensor.temp", "x", {"celsius": 3})
    clock.advance(30)
    hub.states.set("sensor.temp", "x", {"celsius": 2})  # still inside the range: the hold goes on
    clock.advance(30)
    hub.states.set("sensor.raw", "40")
    hub.states.set("sensor.raw", "51")
    await hub.block_till_done()
    assert calls.data == [{"level": 90}, {"level": 90}, {"cold": True}, {"scaled": True}]


async def test_time_trigger_fixed_and_from_an_entity(hub, clock, automations, calls):
    hub.states.set("input_datetime.wake", "08:30:00")
    await automations("""
        - id: morning
          mode: parallel
          triggers:
            - trigger: time
              at: ["07:00", input_datetime.wake]
              weekday: [mon, tue]
          actions: {action: test.record, data: {at: "{{ trigger.now.strftime('%a %H:%M') }}", from: "{{ trigger.entity_id }}"}}
    """)
    clock.advance(timedelta(hours=1))  # Monday 09:00: 07:00 had passed when armed, 08:30 fired
    hub.states.set("input_datetime.wake", "09:15:00")  # moved: today's 09:15 is still ahead
    clock.advance(timedelta(hours=72))  # to Thursday 09:00; Wednesday is not on the list
    await hub.block_till_done()
    assert [d["at"] for d in calls.data] == ["Mon 08:30", "Mon 09:15", "Tue 07:00", "Tue 09:15"]
    assert [d["from"] for d in calls.data] == ["input_datetime.wake", "input_datetime.wake", None,
                                               "input_datetime.wake"]


async def test_time_pattern_every_five_minutes_and_hours_only(hub, clock, automations, calls):
    await automations("""
        - id: every_five
          mode: parallel
          triggers: {trigger: time_pattern, minutes: "/5"}
          actions: {action: test.record, data: {which: five, at: "{{ trigger.now.strftime('%H:%M:%S') }}"}}
        - id: on_the_hour
          triggers: {trigger: time_pattern, hours: "*"}
          actions: {action: test.record, data: {which: hour, at: "{{ trigger.now.strftime('%H:%M:%S') }}"}}
    """)
    clock.advance(timedelta(minutes=12))
    await hub.block_till_done()
    five = [d["at"] for d in calls.data if d["which"] == "five"]
    assert five == ["08:05:00", "08:10:00"]
    clock.advance(timedelta(minutes=50))
    await hub.block_till_done()
    assert [d["at"] for d in calls.data if d["which"] == "hour"] == ["09:00:00"]


async def test_template_trigger_false_to_true_with_for(hub, clock, automations, calls):
    hub.states.set("sensor.water", "10")
    await automations("""
        - id: high
          triggers:
            - trigger: template
              value_template: "{{ states('sensor.water') | float(0) > 80 }}"
              for: 10
          actions: {action: test.record, data: {changed: "{{ trigger.entity_id }}"}}
    """)
    hub.states.set("sensor.unrelated", "1")
    hub.states.set("sensor.water", "90")
    clock.advance(5)
    hub.states.set("sensor.water", "85")  # still true: hold continues
    clock.advance(5)
    await hub.block_till_done()
    assert calls.data == [{"changed": "sensor.water"}]
    hub.states.set("sensor.water", "95")  # true → true: not a new firing
    clock.advance(60)
    await hub.block_till_done()
    assert len(calls) == 1


async def test_trigger_id_and_trigger_variables_reach_the_run(hub, automations, calls):
    await automations("""
        - id: ids
          mode: queued
          trigger_variables: {building: "{{ 3 + 4 }}"}
          variables: {label: "b{{ building }}-{{ trigger.id }}"}
          triggers:
            - trigger: event
              event_type: ping
              id: first
              variables: {extra: "{{ trigger.event.data.n * 2 }}"}
            - trigger: event
              event_type: pong
            - trigger: event
              event_type: ignored
              enabled: false
          actions:
            - action: test.record
              data: {label: "{{ label }}", extra: "{{ extra | default('none') }}", idx: "{{ trigger.idx }}"}
    """)
    hub.bus.fire("ping", {"n": 21})
    hub.bus.fire("pong")
    hub.bus.fire("ignored")
    await hub.block_till_done()
    assert calls.data == [
        {"label": "b7-first", "extra": 42, "idx": 0},
        {"label": "b7-1", "extra": "none", "idx": 1},
    ]


async def test_hub_start_and_shutdown_triggers(tmp_path, clock):
    from xiaoqu.core.testing import running_hub

    config = {
        "http": {"server_port": 0},
        "automation": [
            {"id": "started", "triggers": {"trigger": "hub", "event": "start"},
             "actions": {"event": "seen", "event_data": {"what": "start"}}},
            {"id": "stopping", "triggers": {"trigger": "hub", "event": "shutdown"},
             "actions": {"event": "seen", "event_data": {"what": "shutdown"}}},
        ],
    }
    seen: list[str] = []
    async with running_hub(tmp_path, config, clock=clock) as hub:
        hub.bus.listen("seen", lambda event: seen.append(event.data["what"]))
        engine = hub.data["automation"]
        assert engine.trace("started")["script_execution"] == "finished"
    assert seen == ["shutdown"]  # start ran before this test listened; its trace says so


def test_for_fires_at_once_without_it_and_after_the_hold_with_it(hub, clock, caplog):
    """The one `for:` of the state, numeric_state and template triggers."""
    info = TriggerInfo("pump", "0", 0, {"grace": 2})
    fired = []

    def fire(data, context):
        fired.append(dict(data))

    HoldTimers(hub, {}, info, fire).fire("sensor.a", {"n": 1}, None)
    assert fired == [{"n": 1}]
    holds = HoldTimers(hub, {"for": period_or_template(hub)("{{ grace * trigger.n }}")}, info, fire)
    holds.fire("sensor.a", {"n": 30}, None, held="on")  # rendered with the trigger's data: 60 s
    assert holds.pending("sensor.a") and holds.held("sensor.a") == "on"
    clock.advance(59)
    assert len(fired) == 1
    clock.advance(1)
    assert fired[1] == {"n": 30, "for": timedelta(seconds=60)} and not holds.pending("sensor.a")
    holds.fire("sensor.b", {"n": 1}, None)
    holds.cancel("sensor.b")  # what matched stopped holding
    holds.fire("sensor.c", {"n": "soon"}, None)  # a `for:` that is no duration: logged, never fires
    clock.advance(600)
    assert len(fired) == 2
    assert "Automation pump, trigger 0: 'for' is not a duration" in caplog.text


async def test_numeric_state_and_template_triggers_render_for_with_the_trigger(hub, clock, automations, calls):
    hub.states.set("sensor.water", "10", {"grace": 30})
    await automations("""
        - id: numeric
          triggers:
            - trigger: numeric_state
              entity_id: sensor.water
              above: 80
              for: "{{ state_attr(trigger.entity_id, 'grace') }}"
          actions: {action: test.record, data: {by: numeric, held: "{{ trigger.for.total_seconds() }}"}}
        - id: template
          triggers:
            - trigger: template
              value_template: "{{ states('sensor.water') | float(0) > 80 }}"
              for: "{{ state_attr(trigger.entity_id, 'grace') * 2 }}"
          actions: {action: test.record, data: {by: template, held: "{{ trigger.for.total_seconds() }}"}}
    """)
    hub.states.set("sensor.water", "90", {"grace": 30})
    clock.advance(30)
    await hub.block_till_done()
    assert calls.data == [{"by": "numeric", "held": 30.0}]
    clock.advance(30)
    await hub.block_till_done()
    assert calls.data[1:] == [{"by": "template", "held": 60.0}]
