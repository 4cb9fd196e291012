"""``enabled`` on triggers, conditions and actions as Home Assistant treats it: a disabled
trigger is not attached, a disabled condition acts as if it were not there, a disabled action
is skipped and shown so in the trace; ``enabled`` may be a limited template or a blueprint
input. The YAML is that of the "Disabling a trigger" (automation/trigger), "Disabling a
condition" (scripts/conditions) and "Disabling an action" (scripts) sections."""
from __future__ import annotations

from datetime import timedelta

from xiaoqu.core.testing import running_hub

SITE = """\
xiaoqu:
  latitude: 31.23
  longitude: 121.47
http:
  server_port: 0
automation: !include automations.yaml
"""

BLUEPRINT = """\
blueprint:
  name: Enabled by inputs
  domain: automation
  input:
    input_boolean:
      name: Boolean
      selector:
        boolean:
    input_number:
      name: Number
      selector:
        number:
          min: 0
          max: 100

trigger_variables:
  _enable_number: !input input_number

triggers:
  # The documentation writes `event_type:` in this example, a slip for the sun trigger's `event:`.
  - trigger: sun
    event: sunrise
    enabled: !input input_boolean
  - trigger: sun
    event: sunset
    enabled: "{{ _enable_number < 50 }}"
  - trigger: event
    event_type: check

conditions:
  - condition: state
    entity_id: sun.sun
    state: "above_horizon"
    enabled: !input input_boolean
  - condition: state
    entity_id: sun.sun
    state: "below_horizon"
    enabled: "{{ _enable_number < 50 }}"

actions:
  - event: ran
"""


def write_site(tmp_path, automations: str, blueprint: str | None = None) -> str:
    (tmp_path / "config.yaml").write_text(SITE, encoding="utf-8")
    (tmp_path / "automations.yaml").write_text(automations, encoding="utf-8")
    if blueprint is not None:
        folder = tmp_path / "blueprints" / "automation"
        folder.mkdir(parents=True)
        (folder / "enabled.yaml").write_text(blueprint, encoding="utf-8")
    return SITE


def run_triggers(hub, automation_id: str) -> list[str]:
    return [run["trigger"] for run in reversed(hub.data["automation"].traces(automation_id))]


async def test_a_disabled_trigger_is_not_attached_as_documented(tmp_path, clock):
    config = write_site(tmp_path, """\
- id: disabled_trigger
  mode: parallel
  triggers:
    # This trigger will not trigger, as it is disabled.
    # This automation does not run when the sun is set.
    - enabled: false
      trigger: sun
      event: sunset

    # This trigger will fire, as it is not disabled.
    - trigger: time
      at: "15:32:00"
  actions:
    - event: ran
""")
    async with running_hub(tmp_path, config, clock=clock) as hub:
        clock.advance(timedelta(hours=24))  # Monday 08:00 → Tuesday 08:00: one sunset, one 15:32
        await hub.block_till_done()
        assert run_triggers(hub, "disabled_trigger") == ["time 15:32:00"]


async def test_triggers_and_conditions_enabled_by_blueprint_inputs_and_templates(tmp_path, clock):
    config = write_site(tmp_path, """\
- id: mornings
  mode: parallel
  use_blueprint:
    path: enabled.yaml
    input: {input_boolean: true, input_number: 70}
- id: evenings
  mode: parallel
  use_blueprint:
    path: enabled.yaml
    input: {input_boolean: false, input_number: 30}
""", BLUEPRINT)
    async with running_hub(tmp_path, config, clock=clock) as hub:
        engine = hub.data["automation"]
        assert hub.states.get("sun.sun").state == "above_horizon"  # Monday 08:00 in Shanghai
        ran = []
        hub.bus.listen("ran", lambda event: ran.append(event.context.source))
        hub.bus.fire("check")
        await hub.block_till_done()
        # mornings: above_horizon tested, below_horizon disabled; evenings: the other way round.
        assert ran == ["automation.mornings"]
        evenings = engine.trace("evenings")
        assert evenings["script_execution"] == "failed_conditions"
        assert [(e["path"], e["result"]) for e in evenings["trace"] if e["path"].startswith("condition/")] == [
            ("condition/0", {"enabled": False, "result": None}),
            ("condition/1", {"entity_id": "sun.sun", "state": "above_horizon", "wanted": ["below_horizon"],
                             "result": False}),
        ]

        clock.advance(timedelta(hours=24))
        await hub.block_till_done()
        assert run_triggers(hub, "mornings")[1:] == ["sun sunrise"]
        assert run_triggers(hub, "evenings")[1:] == ["sun sunset"]


async def test_a_disabled_action_is_skipped_and_shown_in_the_trace(hub, automations, traces):
    sent = []
    hub.services.register("notify", "notify", lambda call: sent.append(call.data["message"]))
    await automations("""
        - id: disabled_action
          triggers: {trigger: event, event_type: go}
          actions:
            # This action will not run, as it is disabled.
            # The message will not be sent.
            - enabled: false
              action: notify.notify
              data:
                message: "This message will not be sent"
            # This action will run, as it is not disabled
            - action: notify.notify
              data:
                message: "This message will be sent"
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    assert sent == ["This message will be sent"]
    trace = traces.last("disabled_action")
    assert traces.element(trace, "action/0")["result"] == {"enabled": False}
    assert trace["script_execution"] == "finished"


async def test_an_action_disabled_by_a_blueprint_input(tmp_path, clock):
    blueprint = """\
blueprint:
  name: Optional pause
  domain: automation
  input:
    input_boolean:
      name: Boolean
      selector:
        boolean:

triggers:
  - trigger: event
    event_type: go
actions:
  - delay: 0:35
    enabled: !input input_boolean
  - event: ran
"""
    config = write_site(tmp_path, """\
- id: pausing
  use_blueprint: {path: enabled.yaml, input: {input_boolean: true}}
- id: straight_on
  use_blueprint: {path: enabled.yaml, input: {input_boolean: false}}
""", blueprint)
    async with running_hub(tmp_path, config, clock=clock) as hub:
        ran = []
        hub.bus.listen("ran", lambda event: ran.append(event.context.source))
        hub.bus.fire("go")
        await hub.block_till_done()
        assert ran == ["automation.straight_on"]
        clock.advance(timedelta(minutes=35))
        await hub.block_till_done()
        assert ran == ["automation.straight_on", "automation.pausing"]


async def test_disabled_conditions_act_as_if_they_were_not_there(hub, automations, calls, traces):
    hub.states.set("sun.sun", "below_horizon")
    await automations("""
        - id: only_disabled_in_or
          triggers: {trigger: event, event_type: go}
          conditions:
            - or:
                - condition: state
                  entity_id: sun.sun
                  state: "above_horizon"
                  enabled: false
          actions: {action: test.record, data: {by: only_disabled_in_or}}
        - id: disabled_and_false_in_or
          triggers: {trigger: event, event_type: go}
          conditions:
            - or:
                - condition: state
                  entity_id: sun.sun
                  state: "below_horizon"
                  enabled: false
                - condition: state
                  entity_id: sun.sun
                  state: "above_horizon"
          actions: {action: test.record, data: {by: disabled_and_false_in_or}}
        - id: disabled_in_not
          triggers: {trigger: event, event_type: go}
          conditions:
            - not:
                - condition: state
                  entity_id: sun.sun
                  state: "below_horizon"
                  enabled: false
          actions: {action: test.record, data: {by: disabled_in_not}}
        - id: disabled_in_and_and_steps
          triggers: {trigger: event, event_type: go}
          conditions:
            # This condition will always pass, as it is disabled.
            - enabled: false
              condition: state
              entity_id: sun.sun
              state: "above_horizon"
          actions:
            - condition: state
              entity_id: sun.sun
              state: "above_horizon"
              enabled: false
            - if:
                - condition: state
                  entity_id: sun.sun
                  state: "above_horizon"
                  enabled: false
              then:
                - action: test.record
                  data: {by: disabled_in_and_and_steps}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    assert sorted(call["by"] for call in calls.data) == ["disabled_in_and_and_steps", "disabled_in_not"]
    trace = traces.last("disabled_in_and_and_steps")
    assert traces.element(trace, "action/0")["result"] == {"enabled": False, "result": None}
    assert traces.element(trace, "action/1/if/0")["result"] == {"enabled": False, "result": None}
    assert traces.last("only_disabled_in_or")["script_execution"] == "failed_conditions"


async def test_enabled_templates_that_fail_are_named(hub, automations, calls):
    hub.states.set("sensor.mode", "on")
    engine = await automations("""
        - id: trigger_reads_a_state
          triggers:
            - trigger: event
              event_type: go
              enabled: "{{ is_state('sensor.mode', 'on') }}"
            - trigger: event
              event_type: go_anyway
          actions: {action: test.record}
        - id: step_reads_a_state
          triggers: {trigger: event, event_type: go}
          actions:
            - action: test.record
              enabled: "{{ states('sensor.mode') == 'on' }}"
    """)
    [warning] = [str(w) for w in engine.get("trigger_reads_a_state").warnings]
    assert warning.startswith("automations.yaml:2: automation[0]: trigger 0 (event) is not attached: enabled: ")
    assert "limited template" in warning
    [error] = [str(e) for e in engine.get("step_reads_a_state").errors]
    assert error == ("automations.yaml:14: automation[1].actions[0].enabled: the template failed: states() "
                     "cannot be used here: a limited template sees only its variables, "
                     "got \"{{ states('sensor.mode') == 'on' }}\"")
    hub.bus.fire("go")
    hub.bus.fire("go_anyway")
    await hub.block_till_done()
    assert len(calls) == 1
