"""automation.reload: unchanged automations keep running, changed ones take over per their mode."""
from __future__ import annotations

import textwrap

import pytest

from xiaoqu.core.errors import HubError
from xiaoqu.core.testing import running_hub

BEFORE = """\
- id: kept
  triggers: {trigger: event, event_type: go}
  actions: [{delay: 10}, {action: test.record, data: {who: kept}}]
- id: changed_single
  triggers: {trigger: event, event_type: go}
  actions: [{delay: 10}, {action: test.record, data: {who: old_single}}]
- id: changed_restart
  mode: restart
  triggers: {trigger: event, event_type: go}
  actions: [{delay: 10}, {action: test.record, data: {who: old_restart}}]
- id: removed
  triggers: {trigger: event, event_type: go}
  actions: [{delay: 10}, {action: test.record, data: {who: removed}}]
- id: switched_off
  triggers: {trigger: event, event_type: go}
  actions: {action: test.record, data: {who: switched_off}}
"""

AFTER = """\
- id: kept
  triggers: {trigger: event, event_type: go}
  actions: [{delay: 10}, {action: test.record, data: {who: kept}}]
- id: changed_single
  triggers: {trigger: event, event_type: go}
  actions: [{delay: 10}, {action: test.record, data: {who: new_single}}]
- id: changed_restart
  mode: restart
  triggers: {trigger: event, event_type: go}
  actions: [{delay: 10}, {action: test.record, data: {who: new_restart}}]
- id: switched_off
  triggers: {trigger: event, event_type: go}
  actions: {action: test.record, data: {who: switched_off, changed: true}}
- id: added
  triggers: {trigger: event, event_type: go}
  actions: {action: test.record, data: {who: added}}
"""

CONFIG = "http:\n  server_port: 0\nautomation: !include automations.yaml\n"


async def test_reload_keeps_what_did_not_change_and_hands_runs_over(tmp_path, clock):
    (tmp_path / "automations.yaml").write_text(BEFORE, encoding="utf-8")
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        engine = hub.data["automation"]
        calls: list[str] = []
        hub.services.register("test", "record", lambda call: calls.append(call.data["who"]))
        await hub.services.call("automation", "turn_off", {"entity_id": "automation.switched_off"})
        kept = engine.get("kept")
        hub.bus.fire("go")
        await hub.block_till_done()
        clock.advance(5)

        (tmp_path / "automations.yaml").write_text(AFTER, encoding="utf-8")
        await hub.services.call("automation", "reload")
        await hub.block_till_done()

        assert engine.get("kept") is kept and kept.running == 1
        assert hub.states.get("automation.removed") is None
        assert engine.trace("changed_restart")["script_execution"] == "cancelled"
        assert engine.get("switched_off").enabled is False  # turned off by hand: stays off
        assert engine.get("changed_single").running == 1  # the old run goes on under the new version
        hub.bus.fire("go")  # single: the adopted run is still going, so this one is refused
        await hub.block_till_done()
        assert engine.trace("changed_single")["script_execution"] == "failed_single"
        clock.advance(5)
        await hub.block_till_done()
        assert sorted(calls) == ["added", "kept", "old_single"]
        clock.advance(10)
        await hub.block_till_done()
        assert sorted(calls) == ["added", "kept", "new_restart", "old_single"]
        assert [trace["script_execution"] for trace in engine.traces("changed_single")] == [
            "failed_single", "finished",
        ]


async def test_a_reload_of_a_broken_file_changes_nothing(tmp_path, clock):
    (tmp_path / "automations.yaml").write_text(BEFORE, encoding="utf-8")
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        engine = hub.data["automation"]
        before = dict(engine.automations)
        (tmp_path / "config.yaml").write_text("automation: [\n", encoding="utf-8")
        with pytest.raises(HubError, match=r"nothing changed, the config cannot be read: config.yaml:2: invalid YAML"):
            await hub.services.call("automation", "reload")
        assert engine.automations == before
        (tmp_path / "config.yaml").write_text(CONFIG, encoding="utf-8")
        (tmp_path / "automations.yaml").write_text("- id: kept\n  triggers: [\n", encoding="utf-8")
        unreadable = r"nothing changed, the config cannot be read: automations.yaml:3: automation: invalid YAML"
        with pytest.raises(HubError, match=unreadable):
            await engine.reload()
        assert engine.automations == before
        (tmp_path / "automations.yaml").write_text(textwrap.dedent("""\
            - id: kept
              triggers: {trigger: event, event_type: go}
              actions: {action: no.dot.here}
        """), encoding="utf-8")
        errors = await engine.reload()
        assert [str(e) for e in errors] == [
            "automations.yaml:3: automation[0].actions[0].action: expected a service as domain.service, "
            "such as door.unlock"
        ]
        assert hub.states.get("automation.kept").state == "unavailable"
        assert list(engine.automations) == ["kept"]
