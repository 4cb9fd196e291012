"""Traces: what a run did, in memory, through the API and through ``xiaoqu automation trace``."""
from __future__ import annotations

import asyncio

from xiaoqu.core.auth import Actor
from xiaoqu.core.cli import main
from xiaoqu.core.cli.automation import format_trace
from xiaoqu.core.testing import running_hub

TRACED = """
- id: door_alarm
  alias: Door forced
  trace: {stored_traces: 2}
  triggers:
    - trigger: state
      entity_id: binary_sensor.door
      to: "on"
      id: opened
  conditions:
    - condition: state
      entity_id: alarm.site
      state: armed
  actions:
    - variables: {door: "{{ trigger.entity_id }}"}
    - alias: Pick the response
      choose:
        - conditions: "{{ is_state('sensor.hour_kind', 'night') }}"
          sequence: {action: test.record, data: {level: night}}
      default:
        - action: test.fail
          continue_on_error: true
        - delay: 30
        - action: test.record
          data: {door: "{{ door }}"}
"""


async def test_a_trace_says_what_happened_and_why(hub, clock, automations, traces):
    hub.states.set("alarm.site", "armed")
    hub.states.set("binary_sensor.door", "off")
    engine = await automations(TRACED)
    hub.states.set("binary_sensor.door", "on")
    await hub.block_till_done()
    clock.advance(30)
    await hub.block_till_done()
    trace = traces.last("door_alarm")
    assert trace["trigger"] == "state of binary_sensor.door"
    assert trace["script_execution"] == "finished" and trace["duration"] == 30.0
    assert traces.paths(trace) == [
        "trigger/0", "condition/0", "action/0", "action/1", "action/1/choose/0/conditions/0",
        "action/1/default/0", "action/1/default/1", "action/1/default/2",
    ]
    trigger = traces.element(trace, "trigger/0")
    assert trigger["changed_variables"]["trigger"]["id"] == "opened"
    assert trigger["changed_variables"]["trigger"]["to_state"]["state"] == "on"
    assert traces.element(trace, "condition/0")["result"] == {
        "entity_id": "alarm.site", "state": "armed", "wanted": ["armed"], "result": True,
    }
    assert traces.element(trace, "action/0")["changed_variables"] == {"door": "binary_sensor.door"}
    assert traces.element(trace, "action/1")["result"] == {"alias": "Pick the response", "choice": "default"}
    failed = traces.element(trace, "action/1/default/0")
    assert failed["error"].startswith("ServiceFailed: the device did not answer")
    assert failed["result"]["continued_after_error"] is True
    assert traces.element(trace, "action/1/default/2")["timestamp"] == "2026-03-02T08:00:30+08:00"

    hub.states.set("alarm.site", "disarmed")
    for state in ("off", "on", "off", "on"):
        hub.states.set("binary_sensor.door", state)
    await hub.block_till_done()
    runs = engine.traces("door_alarm")
    assert len(runs) == 2  # stored_traces: 2
    assert [run["script_execution"] for run in runs] == ["failed_conditions", "failed_conditions"]
    why = traces.element(traces.last("door_alarm"), "condition/0")["result"]
    assert why["state"] == "disarmed" and why["result"] is False

    text = format_trace(traces.last("door_alarm"))
    assert "not run: a condition was false" in text
    assert '"state": "disarmed"' in text


async def test_traces_through_the_api_and_the_command_line(tmp_path, clock, capsys):
    (tmp_path / "automations.yaml").write_text(TRACED, encoding="utf-8")
    config = "http:\n  server_port: 0\nautomation: !include automations.yaml\n"
    async with running_hub(tmp_path, config, clock=clock) as hub:
        hub.services.register("test", "record", lambda call: None)
        hub.states.set("alarm.site", "armed")
        hub.states.set("sensor.hour_kind", "night")
        hub.states.set("binary_sensor.door", "on")
        await hub.block_till_done()
        manager = hub.data["auth"].manager
        await manager.add_user("watcher", "guard", None, Actor("hub", "test"))
        _token, secret = await manager.create_token("watcher", Actor("hub", "test"))
        url = f"http://127.0.0.1:{hub.data['http'].port}"
        base = ["--url", url, "--token", secret]

        def run(*argv: str) -> tuple[int, str, str]:
            code = main(["automation", *argv, *base])
            out, err = capsys.readouterr()
            return code, out, err

        code, out, _ = await asyncio.to_thread(run, "list", "-c", str(tmp_path / "config.yaml"))
        assert code == 0
        assert "door_alarm" in out and "finished" in out
        code, out, _ = await asyncio.to_thread(run, "trace", "automation.door_alarm")
        assert code == 0
        assert "triggered by state of binary_sensor.door" in out
        assert "action/1/choose/0/sequence/0" in out and '"level": "night"' in out
        code, out, _ = await asyncio.to_thread(run, "trace", "door_alarm", "--runs", "--json")
        assert code == 0 and '"script_execution": "finished"' in out
        code, _, err = await asyncio.to_thread(run, "trace", "nope")
        assert code == 1 and "No automation nope." in err
        code = await asyncio.to_thread(main, ["automation", "list", "--url", url, "--token", "bad"])
        assert code == 1 and "error: " in capsys.readouterr().err


def test_the_command_line_says_what_to_do_without_a_hub_or_token(tmp_path, capsys):
    (tmp_path / "config.yaml").write_text("http:\n  server_port: 1\n", encoding="utf-8")
    assert main(["automation", "list", "-c", str(tmp_path / "config.yaml"), "--token", "x"]) == 1
    assert "no hub answers at http://127.0.0.1:1" in capsys.readouterr().err
    assert main(["automation", "trace", "a", "-c", str(tmp_path / "config.yaml"), "--token", ""]) == 1
    assert "this needs an API token: create one with `xiaoqu token create NAME" in capsys.readouterr().err
