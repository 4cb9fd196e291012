"""The ``script:`` section: ``!include scripts.yaml``, mistakes reported with file and line (one
bad script never keeps the others from loading), check-config, and ``script.reload``."""
from __future__ import annotations

import textwrap

import pytest

from tests.core.script.conftest import call, settle
from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.script import xiaoqu_services

CONFIG = """
notify:
  - name: guard_room
script: !include scripts.yaml
"""

SCRIPTS = """
night_round_notice:
  sequence:
    - action: notify.guard_room
      data: {message: "Night round at {{ gate }}"}
Night-Round:
  sequence: []
reload:
  sequence: []
broken:
  mode: sometimes
  fields:
    this: {description: cannot be set by a caller}
  sequence:
    - actoin: notify.guard_room
no_sequence:
  alias: Forgot the steps
"""


def errors(hub_or_checked) -> list[str]:
    return sorted(str(error) for error in hub_or_checked.errors if error.severity == "error")


async def test_one_bad_script_is_reported_with_its_line_and_the_others_load(start, seen_on, caplog):
    async with start(CONFIG, scripts_yaml=SCRIPTS, expect_problems=True) as hub:
        seen = seen_on(hub)
        seen.listen("notification_sent")
        await hub.services.call("script", "night_round_notice", {"gate": "north"})
        assert seen.messages("guard_room") == ["Night round at north"]

        broken = hub.states.get("script.broken")
        assert broken.state == "unavailable"
        assert broken.attributes["errors"] == [
            "scripts.yaml:11: script.broken.mode: expected one of single, restart, queued, parallel, got 'sometimes'",
            "scripts.yaml:13: script.broken.fields.this: a field cannot be called 'this': the run sets that "
            "variable itself, got {'description': 'cannot be set by a caller'}",
            "scripts.yaml:15: script.broken.sequence[0]: unknown step (did you mean 'action'?): a step has one of "
            "the keys delay, wait_template, condition, and, or, not, event, repeat, choose, wait_for_trigger, "
            "variables, if, action, stop, parallel, sequence, got {'actoin': 'notify.guard_room'}",
        ]
        assert hub.states.get("script.no_sequence").attributes == {
            "friendly_name": "Forgot the steps",
            "errors": ["scripts.yaml:16: script.no_sequence.sequence: required key not provided"]}
        with pytest.raises(ServiceValidationError, match=r"script.broken cannot run: its config has errors "
                                                         r"\(scripts.yaml:11: script.broken.mode"):
            await hub.services.call("script", "broken")
        assert hub.states.get("script.reload") is None and hub.states.get("script.night_round") is None
        assert "Script broken could not be validated and is unavailable (3 error(s)" in caplog.text


def test_check_config_reports_every_script_error_with_file_and_line(tmp_path):
    (tmp_path / "config.yaml").write_text(CONFIG + textwrap.dedent("""
        automation:
          - id: ten_pm
            triggers: {trigger: time, at: "22:00"}
            actions:
              - action: script.night_round_notice
                data: {gate: north}
              - action: script.turn_on
                target: {entity_id: script.night_round_notice}
              - action: script.morning_round_notice
              - action: script.turn_off
                target: {entity_id: script.evening_round_notice}
        """), encoding="utf-8")
    (tmp_path / "scripts.yaml").write_text(textwrap.dedent(SCRIPTS), encoding="utf-8")
    (tmp_path / ".xiaoqu").mkdir()  # a hub has run here: entity ids are checked against its registry
    (tmp_path / ".xiaoqu" / "core_registry.json").write_text('{"tables": {"entities": {}}}', encoding="utf-8")
    checked = check_config(tmp_path / "config.yaml")
    assert [line.split(": ", 2)[:2] for line in errors(checked)] == [
        ["scripts.yaml:11", "script.broken.mode"],
        ["scripts.yaml:13", "script.broken.fields.this"],
        ["scripts.yaml:15", "script.broken.sequence[0]"],
        ["scripts.yaml:16", "script.no_sequence.sequence"],
        ["scripts.yaml:6", "script.Night-Round"],
        ["scripts.yaml:8", "script.reload"],
    ]
    assert "'Night-Round' is not a script id: expected a slug: lowercase letters, digits and underscores " \
           "(try 'night_round')" in errors(checked)[4]
    assert "script.reload is a service of its own (turn_on, turn_off, toggle, reload are taken)" in errors(checked)[5]
    warnings = [str(error) for error in checked.errors if error.severity == "warning"]
    assert warnings == [  # the scripts' own services and entities are known
        "config.yaml:14: automation[0].actions[2].action: unknown service script.morning_round_notice "
        "(no plugin in this config provides it)",
        "config.yaml:16: automation[0].actions[3].target.entity_id: unknown entity script.evening_round_notice "
        "(not in the entity registry) (did you mean 'script.night_round_notice'?)",
    ]


def test_the_services_declared_for_check_config():
    assert sorted(xiaoqu_services({"night_round_notice": {}, "Bad": {}, "turn_on": {}})) == [
        "script.night_round_notice", "script.reload", "script.toggle", "script.turn_off", "script.turn_on"]
    assert sorted(xiaoqu_services(None)) == ["script.reload", "script.toggle", "script.turn_off", "script.turn_on"]


@pytest.mark.parametrize(("section", "message"), [
    ("script:\n  - alias: a list, as automations are written\n",
     "config.yaml:3: script: expected a mapping of script id: script (for example: script: !include scripts.yaml)"),
    ("script: !include missing.yaml\n",
     "config.yaml:2: script: no script is loaded: the section failed to load (see the error above)"),
])
async def test_a_section_that_is_no_mapping_loads_no_script_and_the_hub_runs(start, section, message, caplog):
    async with start("notify:\n" + section, expect_problems=True) as hub:
        assert hub.data["script"].scripts == {}
        assert message in caplog.text
        await hub.services.call("script", "turn_off", {"entity_id": "all"})


# --- reload ---------------------------------------------------------------------------------

BEFORE = """
kept:
  sequence:
    - delay: 60
    - event: kept_done
changed:
  sequence:
    - delay: 60
    - event: changed_done
removed:
  sequence: []
"""

AFTER = """
kept:
  sequence:
    - delay: 60
    - event: kept_done
changed:
  alias: Changed
  sequence:
    - event: changed_done
added:
  sequence: []
"""


async def test_reload_keeps_unchanged_scripts_and_starts_changed_ones_afresh(start, seen_on, clock, tmp_path):
    async with start("script: !include scripts.yaml\n", scripts_yaml=BEFORE) as hub:
        seen = seen_on(hub)
        seen.listen("kept_done", "changed_done")
        waiting = {name: call(hub, f"script.{name}") for name in ("kept", "changed")}
        await settle(hub)
        (tmp_path / "scripts.yaml").write_text(textwrap.dedent(AFTER), encoding="utf-8")

        await hub.services.call("script", "reload")
        await hub.block_till_done()
        assert await waiting["changed"] is None  # its run was cancelled: the caller goes on
        assert sorted(hub.data["script"].scripts) == ["added", "changed", "kept"]
        assert hub.states.get("script.removed") is None and not hub.services.has("script", "removed")
        assert hub.services.has("script", "added")
        assert hub.states.get("script.changed").attributes["friendly_name"] == "Changed"
        assert hub.states.get("script.kept").state == "on"

        clock.advance(60)
        await hub.block_till_done()
        assert await waiting["kept"] is None
        assert [e.event_type for e in seen.events] == ["kept_done"]
        await hub.services.call("script", "changed")
        assert [e.event_type for e in seen.events] == ["kept_done", "changed_done"]


async def test_reload_of_a_file_that_cannot_be_read_changes_nothing(start, tmp_path):
    async with start("script: !include scripts.yaml\n", scripts_yaml=BEFORE) as hub:
        (tmp_path / "scripts.yaml").write_text("kept: [unclosed\n", encoding="utf-8")
        with pytest.raises(HubError, match="script.reload: nothing changed, the config cannot be read: scripts.yaml"):
            await hub.services.call("script", "reload")
        assert sorted(hub.data["script"].scripts) == ["changed", "kept", "removed"]
