"""Automations started by a person over the HTTP API act as that person, and only as them."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.hub import Hub

GATE_ALARM = {
    "id": "gate_alarm",
    "alias": "Open every gate on a fire alarm",
    "triggers": [{"trigger": "event", "event_type": "fire_alarm"}],
    "conditions": [{"condition": "template", "value_template": "{{ trigger.event.data.zone == 'b3' }}"}],
    "actions": [{"action": "gate.open_all", "data": {"why": "fire"}}],
}
CONFIG = {"http": {"server_port": 0}, "automation": [GATE_ALARM]}


def _gate_service(hub: Hub) -> list[dict[str, Any]]:
    """``gate.open_all``: a service no role but admin is granted; returns the calls it got."""
    opened: list[dict[str, Any]] = []
    hub.services.register("gate", "open_all", lambda call: opened.append(dict(call.data)))
    return opened


async def _trigger(api, role: str, **data: Any) -> dict[str, Any]:
    """Trigger ``gate_alarm`` as ``role`` and answer its trace (the newest run)."""
    status, body = await api.request("POST", "/api/services/automation/trigger", role=role,
                                     json={"entity_id": "automation.gate_alarm", **data})
    assert status == 200, body
    await api.hub.block_till_done()
    status, trace = await api.request("GET", "/api/automation/gate_alarm/traces/latest", role=role)
    assert status == 200, trace
    return trace


async def _audit(api, user: str, act: str) -> list[dict[str, Any]]:
    status, records = await api.request("GET", f"/api/audit?user={user}&act={act}")
    assert status == 200, records
    return records


async def test_a_run_a_manager_starts_may_do_only_what_a_manager_may(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, CONFIG) as api:
        opened = _gate_service(api.hub)
        users = api.hub.data["auth"].manager

        trace = await _trigger(api, "manager")
        assert opened == []
        assert trace["script_execution"] == "error"
        assert trace["error"] == "action/0: user manager (role manager) may not call gate.open_all"
        assert trace["context"]["user_id"] == users.user_by_name("manager").id
        (denied,) = await _audit(api, "manager", "service_denied")
        assert denied["service"] == "gate.open_all" and denied["source"] == "automation.gate_alarm"

        trace = await _trigger(api, "admin")
        assert opened == [{"why": "fire"}]
        assert trace["script_execution"] == "finished"
        assert trace["context"]["user_id"] == users.user_by_name("admin").id
        calls = [r for r in await _audit(api, "admin", "service_call") if r["service"] == "gate.open_all"]
        assert [(r["by"], r["source"], r["data"]) for r in calls] == [("admin", "automation.gate_alarm",
                                                                        {"why": "fire"})]


async def test_runs_fired_by_events_still_act_for_the_hub(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, CONFIG) as api:
        opened = _gate_service(api.hub)
        api.hub.bus.fire("fire_alarm", {"zone": "b3"})
        await api.hub.block_till_done()
        assert opened == [{"why": "fire"}]
        status, trace = await api.request("GET", "/api/automation/gate_alarm/traces/latest", role="manager")
        assert status == 200 and trace["context"]["user_id"] is None


async def test_variables_cannot_forge_the_trigger_conditions_test(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, CONFIG) as api:
        opened = _gate_service(api.hub)
        forged = {"trigger": {"platform": "event", "event": {"data": {"zone": "b3"}}}, "this": None, "why": "drill"}
        trace = await _trigger(api, "admin", skip_condition=False, variables=forged)
        assert opened == []
        assert trace["script_execution"] == "failed_conditions"
        (step,) = [element for element in trace["trace"] if element["path"] == "trigger/0"]
        assert step["changed_variables"]["trigger"]["platform"] is None
        assert step["changed_variables"]["why"] == "drill"
        assert step["result"]["ignored_variables"] == ["this", "trigger"]


async def test_continue_on_error_does_not_carry_a_refused_run_on(tmp_path, serve_api) -> None:
    drill = {"id": "drill", "triggers": [{"trigger": "event", "event_type": "drill"}],
             "actions": [{"action": "gate.open_all", "continue_on_error": True},
                         {"action": "gate.announce", "data": {"text": "gates open"}}]}
    config = {"http": {"server_port": 0}, "auth": {"roles": {"manager": ["gate.announce"]}}, "automation": [drill]}
    async with serve_api(tmp_path, config) as api:
        _gate_service(api.hub)
        announced: list[dict[str, Any]] = []
        api.hub.services.register("gate", "announce", lambda call: announced.append(dict(call.data)))
        status, _body = await api.request("POST", "/api/services/automation/trigger", role="manager",
                                          json={"entity_id": "automation.drill"})
        assert status == 200
        await api.hub.block_till_done()
        _status, trace = await api.request("GET", "/api/automation/drill/traces/latest", role="manager")
        assert trace["script_execution"] == "error" and "may not call gate.open_all" in trace["error"]
        assert announced == []
