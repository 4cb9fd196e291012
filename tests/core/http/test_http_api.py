"""The REST API over a real socket: answers, errors and role checks, endpoint by endpoint."""
from __future__ import annotations

from xiaoqu.core.auth import Actor
from xiaoqu.core.bus import ORIGIN_REMOTE
from xiaoqu.core.entity import Entity
from xiaoqu.core.services import SupportsResponse
from xiaoqu.core.validation import vol


def _register_gate_services(hub) -> None:
    def open_gate(call) -> None:
        hub.states.set(f"gate.{call.data['gate']}", "open", context=call.context)

    def gate_status(call) -> dict:
        return {"open": sorted(s.entity_id for s in hub.states.all("gate") if s.state == "open")}

    def broken(call) -> None:
        raise RuntimeError("secret internals")

    hub.services.register("gate", "open", open_gate, vol.Schema({vol.Required("gate"): str}), description="Open a gate")
    hub.services.register("gate", "status", gate_status, supports_response=SupportsResponse.ONLY)
    hub.services.register("gate", "broken", broken)


async def test_api_running_needs_a_token(api) -> None:
    assert await api.request("GET", "/api/") == (200, {"message": "API running."})
    status, body = await api.request("GET", "/api/", role=None)
    assert status == 401 and "Authorization: Bearer" in body["message"]
    status, body = await api.request("GET", "/api/", role=None, headers={"Authorization": "Bearer xq_not-a-token"})
    assert (status, body) == (401, {"message": "Invalid bearer token."})
    status, _ = await api.request("GET", "/api/", role=None, headers={"Authorization": f"Basic {api.tokens['admin']}"})
    assert status == 401


async def test_unknown_paths_do_not_reveal_themselves_without_a_token(api) -> None:
    assert (await api.request("GET", "/api/nothing/here", role=None))[0] == 401
    assert await api.request("GET", "/api/nothing/here") == (404, {"message": "Not Found"})


async def test_health_is_public_but_says_little_without_a_token(api) -> None:
    assert await api.request("GET", "/api/health", role=None) == (200, {"status": "ok"})
    status, body = await api.request("GET", "/api/health", role="guard")
    assert status == 200
    assert body["status"] == "ok" and body["site"] == "demo"
    assert set(body["plugins"]["running"]) >= {"auth", "http"} and body["plugins"]["failed"] == []
    assert "version" in body and body["uptime"] >= 0
    # a resident's token does not unlock the details either
    assert await api.request("GET", "/api/health", role="resident") == (200, {"status": "ok"})


async def test_config(api) -> None:
    status, body = await api.request("GET", "/api/config", role="guard")
    assert status == 200
    assert body["time_zone"] == "Asia/Shanghai" and "http" in body["components"] and body["state"] == "running"


async def test_residents_read_only_what_is_in_their_scope(api) -> None:
    api.hub.states.set("door.block3_unit1", "locked")
    assert await api.request("GET", "/api/states", role="resident") == (200, [])  # no plugin scopes them here
    status, body = await api.request("GET", "/api/config", role="resident")
    assert status == 403
    assert body == {"message": "user resident (role resident) may not api.read"}


async def test_states(api) -> None:
    api.hub.states.set("door.block3_unit1", "locked", {"friendly_name": "3-1 单元门"})
    status, body = await api.request("GET", "/api/states", role="guard")
    assert status == 200 and [s["entity_id"] for s in body] == ["door.block3_unit1"]
    status, body = await api.request("GET", "/api/states/door.block3_unit1", role="guard")
    assert status == 200 and body["state"] == "locked" and body["attributes"]["friendly_name"] == "3-1 单元门"
    assert await api.request("GET", "/api/states/door.nowhere") == (404, {"message": "Entity not found."})


async def test_states_answer_changes_and_removals_between_polls(api) -> None:
    for n in range(3):
        api.hub.states.set(f"sensor.lane_{n}", n)
    assert [s["state"] for s in (await api.request("GET", "/api/states"))[1]] == ["0", "1", "2"]
    api.hub.states.set("sensor.lane_1", "busy", {"cars": 4})
    api.hub.states.remove("sensor.lane_2")
    status, body = await api.request("GET", "/api/states")
    assert [(s["entity_id"], s["state"]) for s in body] == [("sensor.lane_0", "0"), ("sensor.lane_1", "busy")]
    assert (await api.request("GET", "/api/states/sensor.lane_1"))[1]["attributes"] == {"cars": 4}
    assert (await api.request("GET", "/api/states/sensor.lane_2"))[0] == 404


async def test_set_state_is_for_admins(api) -> None:
    status, body = await api.request("POST", "/api/states/sensor.gate_count", json={"state": 3, "attributes": {"unit": "cars"}})
    assert status == 201 and body["state"] == "3"
    assert api.hub.states.get("sensor.gate_count").attributes["unit"] == "cars"
    assert api.hub.states.get("sensor.gate_count").context.user_id == api.hub.data["auth"].manager.user_by_name("admin").id
    status, _ = await api.request("POST", "/api/states/sensor.gate_count", json={"state": 4})
    assert status == 200
    assert (await api.request("POST", "/api/states/sensor.gate_count", role="manager", json={"state": 5}))[0] == 403
    assert await api.request("POST", "/api/states/sensor.gate_count", json={"attributes": {}}) == (
        400, {"message": "No state specified."})
    status, body = await api.request("POST", "/api/states/Not An Id", json={"state": 1})
    assert status == 400 and "Invalid entity id" in body["message"]
    assert api.hub.states.get("sensor.gate_count").state == "4"


async def test_services_listing(api) -> None:
    _register_gate_services(api.hub)
    status, body = await api.request("GET", "/api/services", role="guard")
    assert status == 200
    gate = next(entry for entry in body if entry["domain"] == "gate")
    assert gate["services"]["open"]["description"] == "Open a gate"


async def test_call_service_answers_the_changed_states(api) -> None:
    _register_gate_services(api.hub)
    status, body = await api.request("POST", "/api/services/gate/open", json={"gate": "north"})
    assert status == 200
    assert [(s["entity_id"], s["state"]) for s in body] == [("gate.north", "open")]
    admin = api.hub.data["auth"].manager.user_by_name("admin")
    assert api.hub.states.get("gate.north").context.user_id == admin.id
    status, body = await api.request("POST", "/api/services/gate/status?return_response", json={})
    assert status == 200
    assert body == {"changed_states": [], "service_response": {"open": ["gate.north"]}}


async def test_call_service_errors(api) -> None:
    _register_gate_services(api.hub)
    assert await api.request("POST", "/api/services/gate/open", data=b"{not json") == (
        400, {"message": "The body is not accepted: not valid JSON: Expecting property name enclosed in double "
                         "quotes (line 1, column 2)."})
    assert await api.request("POST", "/api/services/gate/open", data=b"[" * 60_000) == (
        400, {"message": "The body is not accepted: nested deeper than 32 levels."}), \
        "nested too deep is bad JSON, not a server error"
    assert await api.request("POST", "/api/services/gate/open", json=["north"]) == (
        400, {"message": "Data should be a JSON object."})
    status, body = await api.request("POST", "/api/services/gate/open", json={})
    assert status == 400 and body["message"].startswith("gate.open:") and "gate" in body["message"][10:]
    status, body = await api.request("POST", "/api/services/gate/opne", json={})
    assert status == 404 and "did you mean gate.open" in body["message"]
    status, body = await api.request("POST", "/api/services/gate/status", json={})
    assert status == 400 and "return_response" in body["message"]
    status, body = await api.request("POST", "/api/services/gate/broken", json={})
    assert status == 500 and "secret internals" not in body["message"]


async def test_call_service_checks_the_role(api) -> None:
    _register_gate_services(api.hub)
    status, body = await api.request("POST", "/api/services/gate/open", role="guard", json={"gate": "north"})
    assert (status, body) == (403, {"message": "user guard (role guard) may not call gate.open"})
    assert api.hub.states.get("gate.north") is None


async def test_events(api) -> None:
    seen = []
    api.hub.bus.listen("plate_read", seen.append)
    status, body = await api.request("GET", "/api/events", role="guard")
    assert status == 200 and {"event": "plate_read", "listener_count": 1} in body
    assert await api.request("POST", "/api/events/plate_read", json={"plate": "京A12345"}) == (
        200, {"message": "Event plate_read fired."})
    (event,) = seen
    assert event.data == {"plate": "京A12345"} and event.origin == ORIGIN_REMOTE
    assert event.context.user_id == api.hub.data["auth"].manager.user_by_name("admin").id
    assert (await api.request("POST", "/api/events/plate_read", role="manager", json={}))[0] == 403
    status, body = await api.request("POST", "/api/events/state_changed", json={})
    assert status == 400 and "fired by the hub itself" in body["message"]
    assert len(seen) == 1


class Camera(Entity):
    domain = "camera"

    def __init__(self) -> None:
        self._attr_unique_id = "cam-7"
        self._attr_name = "North gate"
        self._attr_state = "idle"


async def test_devices_and_entities_and_rename(api) -> None:
    await api.hub.entities.add("lpr", [Camera()])
    status, body = await api.request("GET", "/api/entities", role="guard")
    assert status == 200
    (entry,) = [e for e in body if e["unique_id"] == "cam-7"]
    assert entry["entity_id"] == "camera.north_gate" and entry["disabled"] is False
    assert (await api.request("GET", "/api/devices", role="guard"))[0] == 200

    path = "/api/entities/camera.north_gate"
    assert (await api.request("POST", path, role="guard", json={"name": "x"}))[0] == 403
    status, body = await api.request("POST", path, role="manager", json={"new_entity_id": "camera.gate_n", "name": "北门"})
    assert status == 200 and body["entity_id"] == "camera.gate_n" and body["name"] == "北门"
    await api.hub.block_till_done()
    assert api.hub.states.get("camera.gate_n") is not None and api.hub.states.get("camera.north_gate") is None
    status, body = await api.request("POST", "/api/entities/camera.gate_n", role="manager", json={"disabled": "yes"})
    assert status == 400 and "disabled" in body["message"]
    status, body = await api.request("POST", "/api/entities/camera.gate_n", role="manager",
                                     json={"new_entity_id": "sensor.gate_n"})
    assert status == 400 and "keep the domain camera" in body["message"]
    assert (await api.request("POST", "/api/entities/camera.unknown", json={}))[0] == 404


async def test_entity_names_are_checked(api) -> None:
    await api.hub.entities.add("lpr", [Camera()])
    path = "/api/entities/camera.north_gate"
    status, body = await api.request("POST", path, role="manager", json={"name": "北门" * 50_000})
    assert status == 400 and body["message"].startswith(
        "expected a name of at most 100 characters (not 100000) for 'name', got '北门北门")
    assert len(body["message"]) < 200
    status, body = await api.request("POST", path, role="manager", json={"name": "北门\n[ERROR] forged"})
    assert status == 400 and body["message"].startswith(
        "expected a name without control or invisible characters (U+000A at 2) for 'name'")
    assert api.hub.entity_registry.get("camera.north_gate").name is None
    status, body = await api.request("POST", path, role="manager", json={"name": "  北门车牌相机 "})
    assert status == 200 and body["name"] == "北门车牌相机"


async def test_audit_log_is_for_admins_and_records_acts(api) -> None:
    _register_gate_services(api.hub)
    await api.request("POST", "/api/services/gate/open", role="manager", json={"gate": "east"})
    assert (await api.request("GET", "/api/audit", role="manager"))[0] == 403
    status, records = await api.request("GET", "/api/audit?user=manager&act=service_denied")
    assert status == 200
    (record,) = records
    assert record["service"] == "gate.open" and record["by"] == "manager" and record["ip"] == "127.0.0.1"
    assert record["source"] == "api"
    assert (await api.request("GET", "/api/audit?limit=zero"))[0] == 400
    assert (await api.request("GET", "/api/audit?user=nobody"))[0] == 404


async def test_login_and_logout(api) -> None:
    await api.hub.data["auth"].manager.set_password("guard", "correct horse", Actor("hub", "test"))
    status, body = await api.request("POST", "/api/auth/login", role=None,
                                     json={"username": "guard", "password": "correct horse"})
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 86_400
    session_token = {"Authorization": f"Bearer {body['access_token']}"}
    assert (await api.request("GET", "/api/states", role=None, headers=session_token))[0] == 200
    assert await api.request("POST", "/api/auth/logout", role=None, headers=session_token) == (
        200, {"message": "Token revoked."})
    assert (await api.request("GET", "/api/states", role=None, headers=session_token))[0] == 401

    assert await api.request("POST", "/api/auth/login", role=None, json={"username": "guard", "password": "wrong one"}) == (
        401, {"message": "Invalid username or password."})
    assert (await api.request("POST", "/api/auth/login", role=None, json={"username": "guard"}))[0] == 400
