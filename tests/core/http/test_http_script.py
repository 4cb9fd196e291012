"""Scripts started by a person over the HTTP API act as that person, and only as them; their
traces are read at /api/script."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.hub import Hub

OPEN_GATES = {
    "alias": "Open every gate",
    "fields": {"why": {"description": "What the gates open for", "required": True}},
    "sequence": [
        {"event": "gates_asked", "event_data": {"by": "{{ context.user_id }}", "this": "{{ this.state }}"}},
        {"action": "gate.open_all", "data": {"why": "{{ why }}"}},
    ],
}
CONFIG = {
    "http": {"server_port": 0},
    "auth": {"roles": {"guard": ["script.open_gates"]}},  # a guard may run this one script, not gate.open_all
    "script": {"open_gates": OPEN_GATES},
}


def _gate_service(hub: Hub) -> list[dict[str, Any]]:
    """``gate.open_all``: a service no role but admin is granted; returns the calls it got."""
    opened: list[dict[str, Any]] = []
    hub.services.register("gate", "open_all", lambda call: opened.append(dict(call.data)))
    return opened


async def _audit(api, user: str, act: str) -> list[dict[str, Any]]:
    status, records = await api.request("GET", f"/api/audit?user={user}&act={act}")
    assert status == 200, records
    return records


async def _latest(api, role: str = "admin") -> dict[str, Any]:
    status, trace = await api.request("GET", "/api/script/open_gates/traces/latest", role=role)
    assert status == 200, trace
    return trace


async def test_a_run_a_manager_starts_may_do_only_what_a_manager_may(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, CONFIG) as api:
        opened = _gate_service(api.hub)
        users = api.hub.data["auth"].manager
        start = {"entity_id": "script.open_gates", "variables": {"why": "drill"}}

        status, body = await api.request("POST", "/api/services/script/turn_on", role="manager", json=start)
        assert status == 200, body
        await api.hub.block_till_done()
        trace = await _latest(api, "manager")
        assert opened == []
        assert trace["script_execution"] == "error"
        assert trace["error"] == "sequence/1: user manager (role manager) may not call gate.open_all"
        assert trace["context"]["user_id"] == users.user_by_name("manager").id
        (denied,) = await _audit(api, "manager", "service_denied")
        assert denied["service"] == "gate.open_all" and denied["source"] == "script.open_gates"

        status, body = await api.request("POST", "/api/services/script/turn_on", role="admin", json=start)
        assert status == 200, body
        await api.hub.block_till_done()
        assert opened == [{"why": "drill"}]
        assert (await _latest(api))["script_execution"] == "finished"
        calls = [r for r in await _audit(api, "admin", "service_call") if r["service"] == "gate.open_all"]
        assert [(r["by"], r["source"], r["data"]) for r in calls] == [("admin", "script.open_gates", {"why": "drill"})]


async def test_a_person_who_may_run_the_script_still_may_not_do_its_steps(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, CONFIG) as api:
        opened = _gate_service(api.hub)
        status, body = await api.request("POST", "/api/services/script/open_gates", role="guard",
                                         json={"why": "a car is stuck"})
        assert status == 403
        assert body["message"] == "script.open_gates: sequence/1: user guard (role guard) may not call gate.open_all"
        assert opened == []
        (denied,) = await _audit(api, "guard", "service_denied")
        assert denied["service"] == "gate.open_all" and denied["source"] == "script.open_gates"

        for role, service in (("guard", "turn_on"), ("resident", "open_gates"), ("manager", "open_gates")):
            status, body = await api.request("POST", f"/api/services/script/{service}", role=role,
                                             json={"entity_id": "script.open_gates", "why": "x"})
            assert status == 403, (role, service, body)

        status, body = await api.request("POST", "/api/services/script/open_gates", role="admin", json={})
        assert status == 400 and body["message"] == "script.open_gates: required field 'why' not given"


async def test_the_caller_cannot_pass_this_or_context(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, CONFIG) as api:
        _gate_service(api.hub)
        asked: list[dict[str, Any]] = []
        api.hub.bus.listen("gates_asked", lambda event: asked.append(dict(event.data)))
        forged = {"why": "drill", "context": {"user_id": "someone else"}, "this": {"state": "forged"}}
        status, body = await api.request("POST", "/api/services/script/open_gates", role="admin", json=forged)
        assert status == 200, body
        admin = api.hub.data["auth"].manager.user_by_name("admin").id
        assert asked == [{"by": admin, "this": "off"}]
        assert (await _latest(api))["trace"][0]["result"] == {"ignored_variables": ["context", "this"]}


async def test_scripts_and_their_traces_are_listed(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, CONFIG) as api:
        _gate_service(api.hub)
        status, body = await api.request("POST", "/api/services/script/open_gates?return_response", role="admin",
                                         json={"why": "test"})
        assert status == 200 and body["service_response"] == {}

        status, scripts = await api.request("GET", "/api/script", role="guard")
        assert status == 200
        (listed,) = scripts
        assert listed["id"] == "open_gates" and listed["entity_id"] == "script.open_gates"
        assert listed["state"] == "off" and listed["last_run"] == "finished" and listed["errors"] == []
        assert listed["fields"] == {"why": {"description": "What the gates open for", "required": True,
                                            "advanced": False}}

        status, runs = await api.request("GET", "/api/script/script.open_gates/traces", role="guard")
        assert status == 200 and [run["script_execution"] for run in runs] == ["finished"]
        trace = await _latest(api, "guard")
        assert trace["trigger"] == "script.open_gates service"
        assert [element["path"] for element in trace["trace"]] == ["variables", "sequence/0", "sequence/1"]

        status, body = await api.request("GET", "/api/script/nope/traces")
        assert status == 404 and body["message"] == "No script nope."
        status, body = await api.request("GET", "/api/script/open_gates/traces/999")
        assert status == 404 and body["message"] == "Script open_gates has no run 999 stored."
        status, _ = await api.request("GET", "/api/script", role="resident")
        assert status == 403
