"""Blueprints: filled in with use_blueprint, checked input by input, errors with file and line."""
from __future__ import annotations

from datetime import timedelta

import pytest

from xiaoqu.core.automation.blueprints import SHIPPED_DIR, BlueprintLoader
from xiaoqu.core.automation.config import check_automations, section_automations
from xiaoqu.core.yaml_loader import load_yaml


@pytest.fixture
def checked(hub, tmp_path):
    """Check a YAML list of automations (no arming): returns the CheckedAutomation list."""

    def check(text: str) -> list:
        path = tmp_path / "automations.yaml"
        path.write_text(text, encoding="utf-8")
        _problem, written = section_automations(load_yaml(path, config_dir=tmp_path).data)
        return check_automations(hub, written)

    return check


def write_blueprint(tmp_path, name: str, text: str) -> None:
    folder = tmp_path / "blueprints" / "automation"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


async def test_one_blueprint_used_twice_gives_two_working_automations(hub, clock, automations):
    turned_off = []
    for domain in ("switch", "light"):
        hub.services.register(domain, "turn_off", lambda call: turned_off.append(call.data["entity_id"]))
    hub.states.set("switch.pump", "off")
    hub.states.set("light.corridor", "off")
    engine = await automations("""
        - id: pump_off
          use_blueprint:
            path: turn_off_after.yaml
            input: {entity: switch.pump, minutes: 30}
        - id: corridor_off
          alias: Corridor light off after 2 minutes
          use_blueprint:
            path: turn_off_after.yaml
            input: {entity: light.corridor, minutes: 2}
    """)
    assert [a["blueprint"] for a in engine.describe()] == ["turn_off_after.yaml", "turn_off_after.yaml"]
    hub.states.set("switch.pump", "on")
    hub.states.set("light.corridor", "on")
    clock.advance(timedelta(minutes=2))
    await hub.block_till_done()
    assert turned_off == ["light.corridor"]
    clock.advance(timedelta(minutes=28))
    await hub.block_till_done()
    assert turned_off == ["light.corridor", "switch.pump"]
    assert engine.get("corridor_off").name == "Corridor light off after 2 minutes"


async def test_the_shipped_announce_blueprint(hub, automations):
    notices = []
    hub.bus.listen("automation_notice", lambda event: notices.append(dict(event.data)))
    await automations("""
        - id: forced_doors
          use_blueprint:
            path: notify_on_event.yaml
            input:
              event_type: door_forced
              event_data: {building: 3}
              message: "Door {{ trigger.event.data.door }} was forced"
              level: alarm
    """)
    hub.bus.fire("door_forced", {"building": 4, "door": "door.b4"})
    hub.bus.fire("door_forced", {"building": 3, "door": "door.b3"})
    await hub.block_till_done()
    assert notices == [{
        "title": "Notice", "message": "Door door.b3 was forced", "level": "alarm",
        "event_type": "door_forced", "event_data": {"building": 3, "door": "door.b3"},
    }]


def test_every_shipped_blueprint_loads(tmp_path):
    loader = BlueprintLoader(tmp_path)
    names = sorted(path.name for path in SHIPPED_DIR.glob("*.yaml"))
    assert names
    for name in names:
        blueprint, errors = loader.load(name)
        assert errors == [] and blueprint is not None, (name, errors)
        assert blueprint.name and blueprint.inputs


def test_missing_unknown_and_wrong_inputs_are_errors_where_written(checked):
    results = checked("""\
- id: a
  use_blueprint:
    path: turn_off_after.yaml
    input:
      minutes: 5
- id: b
  use_blueprint:
    path: turn_off_after.yaml
    input:
      entity: lock.gate
      minutes: 5000
      colour: red
- id: c
  use_blueprint:
    path: notify_on_event.yaml
    input: {event_type: x, message: y, level: panic}
- id: d
  use_blueprint:
    path: no_such.yaml
- id: e
  use_blueprint:
    path: ../secrets.yaml
""")
    messages = [[str(error) for error in result.errors] for result in results]
    assert messages[0] == [
        "automations.yaml:4: automation[0].use_blueprint.input: "
        "blueprint 'turn_off_after.yaml' needs input 'entity' (it has no default)"
    ]
    assert messages[1] == [
        "automations.yaml:12: automation[1].use_blueprint.input.colour: "
        "blueprint 'turn_off_after.yaml' has no input 'colour' (its inputs: entity, minutes)",
        "automations.yaml:10: automation[1].use_blueprint.input.entity: "
        "expected an entity of fan or light or switch, got 'lock.gate'",
        "automations.yaml:11: automation[1].use_blueprint.input.minutes: expected a number of at most 1440, got 5000",
    ]
    assert messages[2] == [
        "automations.yaml:16: automation[2].use_blueprint.input.level: expected one of info, warning, alarm, "
        "got 'panic'"
    ]
    assert messages[3][0].startswith("automations.yaml:19: automation[3].use_blueprint.path: "
                                     "blueprint 'no_such.yaml' not found")
    assert messages[4][0].startswith("automations.yaml:22: automation[4].use_blueprint.path: "
                                     "blueprint '../secrets.yaml' not found")
    assert not any(result.ok for result in results)


def test_mistakes_in_a_blueprint_file_name_the_blueprint(tmp_path, checked):
    write_blueprint(tmp_path, "broken.yaml", """\
blueprint:
  name: Broken
  domain: automation
  input:
    door:
      selector: {entity: {domain: lock}}
triggers:
  - trigger: state
    entity_id: !input door
actions:
  - action: lock.lock
    target: {entity_id: !input gate}
""")
    write_blueprint(tmp_path, "nameless.yaml", "blueprint:\n  domain: script\ntriggers: []\nactions: []\n")
    write_blueprint(tmp_path, "bad_body.yaml", """\
blueprint:
  name: Bad body
  domain: automation
  input:
    wait: {selector: {number: {}}}
triggers:
  - trigger: event
    event_type: go
actions:
  - delay: !input wait
  - wait_template: "{{ oops("
""")
    results = checked("""\
- use_blueprint: {path: broken.yaml, input: {door: lock.a}}
- use_blueprint: {path: nameless.yaml}
- use_blueprint: {path: bad_body.yaml, input: {wait: -5}}
""")
    assert [str(e) for e in results[0].errors] == [
        "blueprints/automation/broken.yaml:12: !input gate: the blueprint declares no input 'gate' (declared: door)"
    ]
    assert [str(e) for e in results[1].errors] == [
        "blueprints/automation/nameless.yaml:1: blueprint.name: required key not provided",
        "blueprints/automation/nameless.yaml:2: blueprint.domain: expected automation (the only kind of blueprint "
        "there is), got 'script'",
    ]
    assert [str(e) for e in results[2].errors] == [
        "automations.yaml:3: automation[2].actions[0].delay: expected a duration of 0 or more, got -5",
        "blueprints/automation/bad_body.yaml:11: automation[2].actions[1].wait_template: "
        "invalid template: unexpected 'end of template', got '{{ oops('",
    ]


def test_a_site_blueprint_with_sections_and_overrides(tmp_path, checked):
    write_blueprint(tmp_path, "gate.yaml", """\
blueprint:
  name: Gate
  domain: automation
  input:
    where:
      name: Where
      input:
        gate: {selector: {entity: {filter: [{domain: lock}]}}}
        at: {default: "22:00", selector: {time: {}}}
    enabled: {default: true, selector: {boolean: {}}}
triggers:
  - trigger: time
    at: !input at
actions:
  - action: lock.lock
    target: {entity_id: !input gate}
""")
    results = checked("""\
- id: north_gate
  alias: Lock the north gate
  mode: queued
  use_blueprint:
    path: gate.yaml
    input: {gate: lock.north, at: "23:30"}
- id: bad
  use_blueprint:
    path: gate.yaml
    input: {gate: lock.south, at: "25:00", enabled: maybe}
""")
    good = results[0]
    assert good.ok and good.alias == "Lock the north gate"
    assert good.config["mode"] == "queued"
    assert good.config["actions"][0]["target"] == {"entity_id": "lock.north"}
    assert str(good.config["triggers"][0]["at"][0]) == "23:30:00"
    assert [str(e) for e in results[1].errors] == [
        "automations.yaml:10: automation[1].use_blueprint.input.at: "
        "expected a time of day, 'HH:MM' or 'HH:MM:SS', got '25:00'",
        "automations.yaml:10: automation[1].use_blueprint.input.enabled: "
        "expected a boolean (true/false, yes/no, on/off), got 'maybe'",
    ]


def test_a_warning_in_a_blueprint_file_does_not_stop_its_use(tmp_path, checked):
    write_blueprint(tmp_path, "twice.yaml", """\
blueprint:
  name: Twice
  name: Written twice
  domain: automation
triggers: {trigger: event, event_type: go}
actions: {event: gone}
""")
    (result,) = checked("- use_blueprint: {path: twice.yaml}\n")
    assert result.ok
    assert [(e.severity, str(e)) for e in result.errors] == [
        ("warning", "blueprints/automation/twice.yaml:3: blueprint: duplicate key 'name' (lines 2 and 3); "
                    "the value on line 3 is used"),
    ]
