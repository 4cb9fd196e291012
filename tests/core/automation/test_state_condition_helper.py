"""A state condition whose ``state`` is a helper entity (``input_*``) compares with that
helper's current state — Home Assistant's "State condition" section (scripts/conditions)."""
from __future__ import annotations

DOC_EXAMPLE = """
    - id: guest_mode
      triggers: {trigger: event, event_type: check}
      conditions:
        - condition: state
          entity_id: alarm_control_panel.home
          state: input_select.guest_mode
      actions:
        - action: test.record
"""


async def test_state_names_a_helper_whose_state_is_compared(hub, automations, calls, traces):
    hub.states.set("input_select.guest_mode", "armed_home")
    hub.states.set("alarm_control_panel.home", "armed_home")
    await automations(DOC_EXAMPLE)
    hub.bus.fire("check")
    await hub.block_till_done()
    assert len(calls) == 1

    hub.states.set("input_select.guest_mode", "armed_away")  # the helper changes: so does the wanted state
    hub.bus.fire("check")
    await hub.block_till_done()
    assert len(calls) == 1
    why = traces.element(traces.last("guest_mode"), "condition/0")["result"]
    assert why == {"entity_id": "alarm_control_panel.home", "state": "armed_home", "wanted": ["armed_away"],
                   "result": False}

    hub.states.set("alarm_control_panel.home", "armed_away")
    hub.bus.fire("check")
    await hub.block_till_done()
    assert len(calls) == 2


async def test_a_missing_helper_makes_the_condition_false_and_says_so(hub, automations, calls, traces):
    hub.states.set("alarm_control_panel.home", "armed_home")
    await automations(DOC_EXAMPLE)
    hub.bus.fire("check")
    await hub.block_till_done()
    assert len(calls) == 0
    trace = traces.last("guest_mode")
    assert trace["script_execution"] == "failed_conditions"
    element = traces.element(trace, "condition/0")
    assert element["error"] == "the 'state' entity input_select.guest_mode is unavailable"
    assert element["result"] == {"result": False}


async def test_helpers_and_plain_states_mix_and_other_dotted_states_stay_text(hub, automations, calls):
    hub.states.set("input_text.away_word", "away")
    hub.states.set("sensor.firmware", "sensor.v2")
    await automations("""
        - id: mixed
          triggers: {trigger: event, event_type: check}
          conditions:
            - condition: state
              entity_id: sensor.mode
              state: [home, input_text.away_word]
            - condition: state
              entity_id: sensor.firmware
              state: sensor.v2            # not a helper domain: the text itself
          actions:
            - action: test.record
              data: {mode: "{{ states('sensor.mode') }}"}
    """)
    for mode in ("home", "away", "input_text.away_word", "night"):
        hub.states.set("sensor.mode", mode)
        hub.bus.fire("check")
        await hub.block_till_done()
    assert calls.data == [{"mode": "home"}, {"mode": "away"}]


async def test_a_helper_that_does_not_exist_is_a_warning_with_its_line(hub, automations):
    hub.states.set("alarm_control_panel.home", "armed_home")
    hub.states.set("input_select.guest_mode", "armed_home")
    engine = await automations("""
        - id: typo
          triggers: {trigger: event, event_type: check}
          conditions:
            - condition: state
              entity_id: alarm_control_panel.home
              state: input_select.guest_mod
          actions:
            - action: test.record
    """)
    assert [str(w) for w in engine.get("typo").warnings] == [
        "automations.yaml:7: automation[0].conditions[0].state[0]: unknown entity input_select.guest_mod "
        "(no entity has this id yet) (did you mean 'input_select.guest_mode'?)"
    ]
