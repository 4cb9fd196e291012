"""Checking automations: every mistake named with file, line and key path; one bad automation
never stops the others; check-config and the running hub say the same."""
from __future__ import annotations

import textwrap

from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.testing import running_hub

AUTOMATIONS = """\
- id: old_keys
  trigger:
    platform: event
    event_type: go
  condition:
    condition: template
    value_template: "{{ true }}"
  action:
    service: test.record
    data: {spelling: old}
- id: typo_trigger
  triggers:
    - trigger: stat
      entity_id: lock.gate
  actions: []
- id: both
  triggers:
    - platform: event
      trigger: event
      event_type: go
  actions: []
- id: bad_condition
  triggers: {trigger: event, event_type: go}
  conditions:
    - condition: sate
      entity_id: lock.a
  actions: {action: test.record}
- id: bad_step
  triggers: {trigger: event, event_type: go}
  actions:
    - acton: test.record
    - delay: 5
      colour: red
- id: bad_template
  triggers: {trigger: event, event_type: go}
  actions:
    - action: test.record
      data:
        x: "{{ states('a' }}"
- id: old_keys
  triggers: {trigger: event, event_type: go}
  actions: {action: test.record}
- id: missing_secret
  triggers: {trigger: event, event_type: go}
  actions: {action: test.record, data: {pw: !secret nope}}
- just text
- id: new_keys
  mode: queued
  triggers: {trigger: event, event_type: go}
  actions: {action: test.record, data: {spelling: new}}
"""

EXPECTED = [
    "automations.yaml:13: automation[1].triggers[0]: Unexpected value for trigger: 'stat'. "
    "Expected event, state, numeric_state, time, time_pattern, template, hub, homeassistant, webhook, sun "
    "(did you mean 'state'?)",
    "automations.yaml:18: automation[2].triggers[0]: 'platform' is the old name of 'trigger'; write only 'trigger'",
    "automations.yaml:25: automation[3].conditions[0]: Unexpected value for condition: 'sate'. "
    "Expected state, numeric_state, template, time, trigger, workday, sun, and, or, not (did you mean 'state'?)",
    "automations.yaml:31: automation[4].actions[0]: unknown step (did you mean 'action'?): a step has one of the keys delay, "
    "wait_template, condition, and, or, not, event, repeat, choose, wait_for_trigger, variables, if, action, "
    "stop, parallel, sequence, got {'acton': 'test.record'}",
    "automations.yaml:33: automation[4].actions[1]: 'colour' is not a valid option",
    "automations.yaml:39: automation[5].actions[0].data.x: invalid template: unexpected '}', expected ')', "
    "got \"{{ states('a' }}\"",
    "automations.yaml:40: automation[6].id: id 'old_keys' is already used by the automation at "
    "automations.yaml:1; give each automation its own id",
    "automations.yaml:43: automation[7]: not set up: a value in this section failed to load (see above)",
    "automations.yaml:46: automation[8]: expected an automation: a mapping with triggers and actions, "
    "got 'just text'",
]


def site(tmp_path, automations: str = AUTOMATIONS) -> None:
    (tmp_path / "config.yaml").write_text("http:\n  server_port: 0\nautomation: !include automations.yaml\n",
                                          encoding="utf-8")
    (tmp_path / "automations.yaml").write_text(automations, encoding="utf-8")


def automation_errors(errors) -> list[str]:
    return [str(error) for error in errors if error.severity == "error" and error.path[:1] == ("automation",)]


def test_check_config_names_every_mistake_with_file_and_line(tmp_path):
    site(tmp_path)
    checked = check_config(tmp_path / "config.yaml")
    load_error, *errors = automation_errors(checked.errors)
    assert load_error == ("automations.yaml:45: automation[7].actions.data.pw: secret 'nope' cannot be read: "
                          "no secrets.yaml beside automations.yaml or above it")
    assert errors == EXPECTED


async def test_the_running_hub_keeps_the_good_automations(tmp_path, clock):
    site(tmp_path)
    async with running_hub(tmp_path, (tmp_path / "config.yaml").read_text(), clock=clock,
                           expect_problems=True) as hub:
        calls = []
        hub.services.register("test", "record", lambda call: calls.append(dict(call.data)))
        hub.bus.fire("go")
        await hub.block_till_done()
        assert sorted(call["spelling"] for call in calls) == ["new", "old"]
        engine = hub.data["automation"]
        listed = {item["id"]: item for item in engine.describe()}
        assert listed["typo_trigger"]["state"] == "unavailable"
        assert listed["typo_trigger"]["errors"] == [EXPECTED[0]]
        assert hub.states.get("automation.bad_template").state == "unavailable"
        assert hub.states.get("automation.new_keys").state == "on"
        assert hub.states.get("automation.new_keys").attributes["mode"] == "queued"


def test_the_section_must_be_a_list(tmp_path):
    (tmp_path / "config.yaml").write_text("http: {server_port: 0}\nautomation: 5\n", encoding="utf-8")
    checked = check_config(tmp_path / "config.yaml")
    assert automation_errors(checked.errors) == [
        "config.yaml:2: automation: expected a list of automations (for example: automation: !include automations.yaml)"
    ]


async def test_unknown_services_and_entities_are_warnings_once_the_hub_runs(hub, automations, caplog):
    hub.states.set("lock.gate", "locked")
    engine = await automations("""
        - id: refs
          triggers: {trigger: state, entity_id: [lock.gate, lock.gat]}
          actions:
            - action: door.unlok
              target: {entity_id: lock.gate}
            - action: test.record
            - action: "{{ 'not.checked' }}"
            - action: automation.turn_off
              target: {entity_id: automation.later}
        - id: later
          triggers: {trigger: event, event_type: go}
          actions: {action: test.record}
    """)
    warnings = engine.get("refs").warnings
    assert [str(w) for w in warnings] == [
        "automations.yaml:3: automation[0].triggers[0].entity_id: unknown entity lock.gat (no entity has this id yet) "
        "(did you mean 'lock.gate'?)",
        "automations.yaml:5: automation[0].actions[0].action: unknown service door.unlok (no plugin registered it)",
    ]
    assert all(w.severity == "warning" for w in warnings)
    assert "unknown service door.unlok" in caplog.text
    assert engine.get("refs").armed


def test_a_template_that_escapes_the_sandbox_fails_in_the_run_not_the_hub(tmp_path):
    site(tmp_path, textwrap.dedent("""\
        - id: sneaky
          triggers: {trigger: event, event_type: go}
          actions:
            - action: test.record
              data: {x: "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    """))
    checked = check_config(tmp_path / "config.yaml")
    assert automation_errors(checked.errors) == []  # it parses; the sandbox refuses it when rendered


async def test_sandbox_escape_is_refused_in_the_trace(hub, automations, calls, traces):
    await automations("""
        - id: sneaky
          triggers: {trigger: event, event_type: go}
          actions:
            - action: test.record
              data: {x: "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
        - id: honest
          triggers: {trigger: event, event_type: go}
          actions: {action: test.record, data: {x: ok}}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    trace = traces.last("sneaky")
    assert trace["script_execution"] == "error"
    assert "__class__" in traces.element(trace, "action/0")["error"]
    assert calls.data == [{"x": "ok"}]
