"""Labelled ``automation <label>:`` blocks merged with ``automation:`` — Home Assistant's config
merging as automation/yaml documents it ("You can add as many labeled automation blocks as you
want"), on a real hub started from config files."""
from __future__ import annotations

from xiaoqu.core.bootstrap import check_config
from xiaoqu.core.testing import running_hub

CONFIG = """\
http:
  server_port: 0

# The configuration required for the UI to work
automation: !include automations.yaml

# Labeled automation block
automation kitchen:
  - id: kitchen_light
    triggers:
      - trigger: event
        event_type: kitchen_motion
    actions:
      - action: test.record
        data: {who: kitchen}

automation old:
  id: old_style
  trigger:
    platform: event
    event_type: old_event
  action:
    service: test.record
    data: {who: old}
"""

AUTOMATIONS = """\
- id: ui_made
  triggers:
    - trigger: event
      event_type: ui_event
  actions:
    - action: test.record
      data: {who: ui}
- alias: No id here
  triggers:
    - trigger: event
      event_type: ui_event
  actions:
    - action: test.record
      data: {who: no_id}
"""


def write_site(tmp_path, config: str = CONFIG, automations: str = AUTOMATIONS) -> None:
    (tmp_path / "config.yaml").write_text(config, encoding="utf-8")
    (tmp_path / "automations.yaml").write_text(automations, encoding="utf-8")


async def test_every_labelled_block_is_merged_with_automation_in_file_order(tmp_path, clock):
    write_site(tmp_path)
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        calls = []
        hub.services.register("test", "record", lambda call: calls.append(call.data["who"]))
        engine = hub.data["automation"]
        assert [item["id"] for item in engine.describe()] == ["ui_made", "no_id_here", "kitchen_light", "old_style"]
        assert [(item["file"], item["line"]) for item in engine.describe()] == [
            ("automations.yaml", 1), ("automations.yaml", 8), ("config.yaml", 9), ("config.yaml", 18)]
        for event_type in ("ui_event", "kitchen_motion", "old_event"):
            hub.bus.fire(event_type)
        await hub.block_till_done()
        assert sorted(calls) == ["kitchen", "no_id", "old", "ui"]
        assert hub.states.get("automation.kitchen_light").state == "on"


def test_errors_name_the_labelled_block_file_and_line(tmp_path):
    config = CONFIG + """
automation broken:
  - id: fine
    triggers: {trigger: event, event_type: go}
    actions: {action: test.record}
  - id: kitchen_light
    triggers:
      - trigger: evnt
    actions: {action: test.record}
automation empty:
automation nonsense: 5
"""
    write_site(tmp_path, config)
    checked = check_config(tmp_path / "config.yaml")
    errors = [str(e) for e in checked.errors if e.severity == "error"]
    assert errors == [
        "config.yaml:35: automation nonsense: expected a list of automations "
        "(for example: automation nonsense: !include automations.yaml)",
        "config.yaml:32: automation broken[1].triggers[0]: Unexpected value for trigger: 'evnt'. Expected event, "
        "state, numeric_state, time, time_pattern, template, hub, homeassistant, webhook, sun (did you mean 'event'?)",
        "config.yaml:30: automation broken[1].id: id 'kitchen_light' is already used by the automation at "
        "config.yaml:9; give each automation its own id",
    ]


async def test_a_reload_reads_the_labelled_blocks_again(tmp_path, clock):
    write_site(tmp_path)
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        (tmp_path / "config.yaml").write_text(CONFIG.replace("automation old:", "automation legacy:")
                                              .replace("id: old_style", "id: legacy_style"), encoding="utf-8")
        await hub.services.call("automation", "reload", blocking=True)
        ids = [item["id"] for item in hub.data["automation"].describe()]
        assert ids == ["ui_made", "no_id_here", "kitchen_light", "legacy_style"]
        assert hub.states.get("automation.old_style") is None


def test_a_labelled_section_of_another_integration_is_an_error(tmp_path):
    write_site(tmp_path, CONFIG + 'logger debug:\n  default: debug\nautomaton kitchen: []\n"automation ": []\n')
    checked = check_config(tmp_path / "config.yaml")
    errors = [str(e) for e in checked.errors if e.severity == "error"]
    assert errors == [
        "config.yaml:25: logger debug: 'logger' takes one section: write these settings under 'logger:' "
        "(labelled sections are merged only for: automation)",
        "config.yaml:27: automaton kitchen: no integration provides this domain (did you mean 'automation'?)",
        "config.yaml:28: ['automation ']: no integration provides this domain (did you mean 'automation'?)",
    ]
