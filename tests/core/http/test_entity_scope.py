"""A resident (a scoped role) sees and acts on only the entities plugins put in their scope.

A site plugin plays the part smart_home plays on a real site: it grants residents the
light services and says which lights are whose (``xiaoqu_entity_scope``). Everything else
a resident could try — another flat's light by id, ``entity_id: all``, a device id, the
states a call changed, history, logbook, templates, the site's own ``api.*`` grants — must
show or reach nothing outside their flat.
"""
from __future__ import annotations

import logging
import textwrap
from datetime import timedelta

import pytest

from xiaoqu.core.auth import CONFIG_SCHEMA
from xiaoqu.core.auth.manager import User
from xiaoqu.core.auth.permissions import Permissions
from xiaoqu.core.auth.scope import UserScope
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import Unauthorized
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.validation import vol

from .conftest import add_user

FLATS = textwrap.dedent(
    """
    from xiaoqu.core import hookimpl
    from xiaoqu.core.entity import DeviceInfo
    from xiaoqu.integrations.light.entity import LightEntity

    #: user name -> the prefix of their flat's entity ids
    FLATS = {"resident": "light.flat_a_", "neighbour": "light.flat_b_"}


    class Lamp(LightEntity):
        def __init__(self, object_id, device):
            self.entity_id = f"light.{object_id}"
            self._attr_unique_id = object_id
            self._attr_is_on = False
            self._attr_device_info = DeviceInfo(identifiers=[device], name=device)

        def turn_on(self, **options):
            self._attr_is_on = True
            self.write_state()

        def turn_off(self, **options):
            self._attr_is_on = False
            self.write_state()


    @hookimpl
    async def xiaoqu_setup(hub):
        await hub.entities.add("es_flats", [Lamp("flat_a_hall", "lamps_a"), Lamp("flat_a_kitchen", "lamps_a"),
                                            Lamp("flat_b_hall", "lamps_b"), Lamp("lobby", "lamps_b")])


    @hookimpl
    def xiaoqu_role_permissions():
        return {"resident": ["light.turn_on", "light.turn_off", "light.toggle"]}


    @hookimpl
    def xiaoqu_entity_scope(hub, user):
        prefix = FLATS.get(user.name)
        return None if prefix is None else (lambda entity_id: entity_id.startswith(prefix))
    """
)


@pytest.fixture
def flats(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "es_flats", dependencies=["light"])
    (tmp_path / "plugins" / "es_flats" / "__init__.py").write_text(FLATS, encoding="utf-8")


def _ids(states: list[dict]) -> list[str]:
    return sorted(state["entity_id"] for state in states)


async def _services(api, role: str, service: str, **data):
    return await api.request("POST", f"/api/services/light/{service}", role=role, json=data)


async def test_a_resident_reads_only_their_flat(tmp_path, flats, serve_api) -> None:
    async with serve_api(tmp_path, {"es_flats": {}}) as api:
        api.tokens["neighbour"] = await add_user(api.hub, "neighbour", "resident")
        assert _ids((await api.request("GET", "/api/states", role="resident"))[1]) == ["light.flat_a_hall",
                                                                                        "light.flat_a_kitchen"]
        assert _ids((await api.request("GET", "/api/states", role="neighbour"))[1]) == ["light.flat_b_hall"]
        assert len((await api.request("GET", "/api/states", role="guard"))[1]) >= 4  # staff: every entity
        assert (await api.request("GET", "/api/states/light.flat_a_hall", role="resident"))[0] == 200
        # another flat's entity is "not found", exactly as one that does not exist
        assert await api.request("GET", "/api/states/light.flat_b_hall", role="resident") == (
            404, {"message": "Entity not found."})
        assert await api.request("GET", "/api/states/light.nowhere", role="resident") == (
            404, {"message": "Entity not found."})
        # the services listing: only what their role may call
        status, body = await api.request("GET", "/api/services", role="resident")
        assert status == 200 and body == [{"domain": "light", "services": {
            name: {"description": body[0]["services"][name]["description"], "response": "none"}
            for name in ("toggle", "turn_off", "turn_on")}}]
        # what only staff read stays closed
        for path in ("/api/config", "/api/devices", "/api/entities", "/api/events", "/api/audit"):
            assert (await api.request("GET", path, role="resident"))[0] == 403, path
        status, body = await api.request("POST", "/api/template", role="resident",
                                         json={"template": "{{ states('light.flat_b_hall') }}"})
        assert status == 403


async def test_a_resident_acts_only_on_their_flat(tmp_path, flats, serve_api) -> None:
    async with serve_api(tmp_path, {"es_flats": {}}) as api:
        hub = api.hub
        status, body = await _services(api, "resident", "turn_on", entity_id="light.flat_a_hall")
        assert status == 200 and _ids(body) == ["light.flat_a_hall"]
        assert hub.states.get("light.flat_a_hall").state == "on"
        # another flat's light, alone or beside their own, or one that does not exist: refused before anything runs
        for target in ("light.flat_b_hall", ["light.flat_a_kitchen", "light.flat_b_hall"], "light.nowhere"):
            status, body = await _services(api, "resident", "turn_on", entity_id=target)
            assert status == 403, target
            assert body["message"].startswith("user resident (role resident) may not call light.turn_on on light.")
        assert hub.states.get("light.flat_b_hall").state == "off"
        assert hub.states.get("light.flat_a_kitchen").state == "off"
        # `all` and a device reach their own lights only
        status, body = await _services(api, "resident", "turn_on", entity_id="all")
        assert status == 200 and _ids(body) == ["light.flat_a_kitchen"]
        assert [hub.states.get(e).state for e in ("light.flat_b_hall", "light.lobby")] == ["off", "off"]
        lamps_b = hub.entities.get("light.lobby").device_id
        status, body = await _services(api, "resident", "turn_on", device_id=lamps_b)
        assert status == 200 and body == []
        assert hub.states.get("light.lobby").state == "off"
        # staff act on every light
        assert (await _services(api, "admin", "turn_on", entity_id="all"))[0] == 200
        assert hub.states.get("light.lobby").state == "on"
        # the refusals are in the audit log, with the entities named
        await hub.recorder.flush()
        records = await hub.recorder.query("audit", where={"act": "service_denied"})
        assert {tuple(r.data["entity_ids"]) for r in records} == {
            ("light.flat_b_hall",), ("light.flat_b_hall",), ("light.nowhere",)}


async def test_a_call_answers_a_resident_only_their_changes(tmp_path, flats, serve_api) -> None:
    async with serve_api(tmp_path, {"es_flats": {}}) as api:
        hub = api.hub
        seen = hub.bus.listen("call_service", lambda event: hub.states.set("light.flat_b_hall", "on"))
        try:  # another flat's light changes while the resident's call runs
            status, body = await _services(api, "resident", "turn_on", entity_id="light.flat_a_hall")
        finally:
            seen()
        assert status == 200 and _ids(body) == ["light.flat_a_hall"]


async def test_history_and_logbook_of_a_resident(tmp_path, flats, serve_api, clock) -> None:
    async with serve_api(tmp_path, {"es_flats": {}}, clock=clock) as api:
        hub = api.hub
        for entity_id in ("light.flat_a_hall", "light.flat_b_hall"):
            await hub.services.call("light", "turn_on", {"entity_id": entity_id})
        await hub.services.call("logbook", "log", {"name": "Guard", "message": "patrol round"})
        await hub.block_till_done()
        await hub.recorder.flush()
        start = (clock.now() - timedelta(hours=1)).isoformat()
        both = "light.flat_a_hall,light.flat_b_hall"
        status, body = await api.request("GET", f"/api/history/period/{start}?filter_entity_id={both}", role="resident")
        assert status == 200 and [rows[0]["entity_id"] for rows in body] == ["light.flat_a_hall"]
        status, body = await api.request("GET", f"/api/history/period/{start}?filter_entity_id=light.flat_b_hall",
                                         role="resident")
        assert (status, body) == (200, [])
        status, body = await api.request("GET", f"/api/history/period/{start}?filter_entity_id={both}", role="guard")
        assert len(body) == 2
        # the logbook: their entities only, whether they name entities or not
        status, body = await api.request("GET", f"/api/logbook/{start}", role="resident")
        assert status == 200 and body and {row["entity_id"] for row in body} == {"light.flat_a_hall"}
        status, body = await api.request("GET", f"/api/logbook/{start}?entity={both}", role="resident")
        assert {row["entity_id"] for row in body} == {"light.flat_a_hall"}
        status, body = await api.request("GET", f"/api/logbook/{start}", role="guard")
        assert "patrol round" in {row.get("message") for row in body}


async def test_a_resident_no_plugin_scopes_reads_nothing(api) -> None:
    api.hub.states.set("door.block3_unit1", "locked")
    assert await api.request("GET", "/api/states", role="resident") == (200, [])
    assert (await api.request("GET", "/api/states/door.block3_unit1", role="resident"))[0] == 404
    assert (await api.request("GET", "/api/config", role="resident"))[0] == 403


def test_the_site_cannot_grant_a_scoped_role_the_api() -> None:
    with pytest.raises(vol.Invalid, match="resident sees only the entities plugins put in its scope; api.read"):
        CONFIG_SCHEMA({"roles": {"resident": ["light.turn_on", "api.read"]}})
    # and if a grant got there some other way, it does not count
    assert not Permissions({"resident": ["api.read", "api.template"]}).allows("resident", "api.read")
    assert Permissions({"guard": ["api.template"]}).allows("guard", "api.template")


def test_a_scope_closes_on_a_failing_or_odd_predicate() -> None:
    def broken(entity_id: str) -> bool:
        raise KeyError(entity_id)

    refused: list[tuple[str, list[str]]] = []
    user = User("u1", "resident", "resident", 0.0, False)
    log = RateLimitedLog(logging.getLogger(__name__), lambda: 0.0)
    # a predicate that raises, and one answering something merely truthy (as an async one's coroutine is)
    grants = [("broken", broken), ("odd", lambda entity_id: "yes"), ("mine", lambda entity_id: entity_id == "light.a")]
    scope = UserScope(user, grants, log, lambda service, ids: refused.append((service, list(ids))))
    assert not scope.allows("light.b")
    assert scope.allows("light.a")
    error = scope.refuse("light.turn_on", [f"light.x{i}" for i in range(7)])
    assert isinstance(error, Unauthorized)
    assert str(error) == ("user resident (role resident) may not call light.turn_on on "
                          "light.x0, light.x1, light.x2, light.x3, light.x4 and 2 more")
    assert refused == [("light.turn_on", [f"light.x{i}" for i in range(7)])]


async def test_calls_without_a_user_are_never_scoped(tmp_path, flats, serve_api) -> None:
    async with serve_api(tmp_path, {"es_flats": {}}) as api:
        hub = api.hub
        assert hub.services.scope(Context()) is None
        staff = hub.data["auth"].manager.user_by_name("guard")
        assert hub.services.scope(Context(user_id=staff.id)) is None
        resident = hub.data["auth"].manager.user_by_name("resident")
        scope = hub.services.scope(Context(user_id=resident.id))
        assert scope is not None and scope.allows("light.flat_a_hall") and not scope.allows("light.lobby")
        with pytest.raises(Unauthorized):
            await hub.services.call("light", "turn_off", {"entity_id": "light.lobby"},
                                    context=Context(user_id=resident.id))
