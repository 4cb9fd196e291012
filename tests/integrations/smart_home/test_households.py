"""A household's devices are its own: announced under its prefix, seen and switched only by
its residents through the API, and no config can reach beyond it."""
from __future__ import annotations

import json
from datetime import timedelta

from tests.integrations.smart_home.conftest import (
    ALICE,
    BOB,
    ROOT,
    estate,
    lamp,
    prefix,
    settled,
    site_config,
    wait_for,
)
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.smart_home import get_smart_home


async def _two_lamps(site) -> tuple[str, str]:
    await site.announce(ALICE, "light", "hall", lamp(ALICE, "hall"))
    await site.announce(BOB, "light", "hall", lamp(BOB, "hall"))
    hub = site.hub
    await wait_for(lambda: hub.states.get("light.1_1_0101_hall") and hub.states.get("light.2_1_0202_hall"))
    return "light.1_1_0101_hall", "light.2_1_0202_hall"


async def test_a_resident_sees_and_switches_only_their_household(site_dir, broker) -> None:
    async with estate(site_dir, broker) as site:
        mine, theirs = await _two_lamps(site)
        hub = site.hub
        # the same object id and unique id in two households: two entities, each in its own namespace
        assert hub.entities.get(mine).unique_id == f"{ALICE}/hall_light"
        assert hub.entities.get(mine).device_id != hub.entities.get(theirs).device_id
        status, states = await site.request("GET", "/api/states", "alice")
        assert status == 200 and [s["entity_id"] for s in states] == [mine]
        assert (await site.request("GET", f"/api/states/{theirs}", "alice"))[0] == 404
        status, states = await site.request("GET", "/api/states", "staff")
        assert {mine, theirs} <= {s["entity_id"] for s in states}

        # Alice switches her lamp: the command goes to her household's topic
        status, _ = await site.request("POST", "/api/services/light/turn_on", "alice", json={"entity_id": mine})
        assert status == 200
        command = await site.probe.wait_for(f"{prefix(ALICE)}/z2m/hall/set")
        assert json.loads(command.payload)["state"] == "ON"
        # Bob's lamp by id, in a list with hers, or through `all`: never a command on his topic
        for target in (theirs, [mine, theirs]):
            status, body = await site.request("POST", "/api/services/light/turn_on", "alice", json={"entity_id": target})
            assert status == 403 and theirs in body["message"]
        status, _ = await site.request("POST", "/api/services/light/turn_off", "alice", json={"entity_id": "all"})
        assert status == 200
        await site.probe.wait_until(lambda: len(site.probe.payloads(f"{prefix(ALICE)}/z2m/hall/set")) == 2)
        await settled(site)
        assert site.probe.payloads(f"{prefix(BOB)}/z2m/hall/set") == []

        # the device reports; Bob's history of it is empty, Alice's is not
        await site.probe.publish(f"{prefix(ALICE)}/z2m/hall", json.dumps({"state": "ON"}))
        await wait_for(lambda: hub.states.get(mine).state == "on")
        await hub.recorder.flush()
        start = (hub.clock.now() - timedelta(hours=1)).isoformat()
        path = f"/api/history/period/{start}?filter_entity_id={mine},{theirs}"
        status, history = await site.request("GET", path, "alice")
        assert [rows[0]["entity_id"] for rows in history] == [mine]
        status, history = await site.request("GET", path, "bob")
        assert [rows[0]["entity_id"] for rows in history] == [theirs]
        status, logbook = await site.request("GET", f"/api/logbook/{start}", "bob")
        assert status == 200 and {row["entity_id"] for row in logbook} <= {theirs}

        # unlinked in residents: Alice reaches nothing at once
        residents = hub.data["residents"]
        await residents.link_user(residents.person_for_user("alice").id, None)
        assert await site.request("GET", "/api/states", "alice") == (200, [])


async def test_a_config_cannot_reach_beyond_its_household(site_dir, broker) -> None:
    async with estate(site_dir, broker) as site:
        hub = site.hub
        door = f"{ROOT}/door/d1/command"
        attacks = {
            # the hub would publish Alice's "turn on" to a door
            "door": lamp(ALICE, "door", command_topic=door),
            # the hub would read Bob's lamp for her
            "spy": lamp(ALICE, "spy", state_topic=f"{prefix(BOB)}/z2m/hall"),
            # a wildcard that covers every household
            "wild": lamp(ALICE, "wild", state_topic=f"{ROOT}/household/+/z2m/hall"),
            "avail": lamp(ALICE, "avail", availability=[{"topic": f"{prefix(BOB)}/z2m/bridge/state"}]),
            "base": {**lamp(ALICE, "base"), "~": f"{prefix(BOB)}/z2m/hall", "state_topic": "~",
                     "command_topic": "~/set"},
        }
        for name, config in attacks.items():
            await site.announce(ALICE, "light", name, config)
        # squatting an id staff rely on; the same unique id and device as Bob's lamp
        await site.announce(ALICE, "lock", "gate", {
            "name": None, "unique_id": "gate", "default_entity_id": "lock.main_gate",
            "command_topic": f"{prefix(ALICE)}/gate/set", "state_topic": f"{prefix(ALICE)}/gate",
            "device": {"identifiers": ["z2m_hall"], "name": "Gate"}})
        await site.announce(BOB, "light", "hall", lamp(BOB, "hall"))
        # not a household id; and a config on Bob's prefix that claims to be Alice's
        await site.probe.publish(f"{ROOT}/household/a.b/homeassistant/light/x/config", json.dumps(lamp(ALICE, "x")))
        await settled(site)
        await wait_for(lambda: hub.states.get("lock.1_1_0101_main_gate") and hub.states.get("light.2_1_0202_hall"))
        assert hub.states.get("lock.main_gate") is None
        ours = {e for e in hub.states.entity_ids() if e.startswith(("light.", "lock."))}
        assert ours == {"lock.1_1_0101_main_gate", "light.2_1_0202_hall"}
        # Alice's lock did not join Bob's device, though it named the same identifier
        assert hub.entities.get("lock.1_1_0101_main_gate").device_id != hub.entities.get("light.2_1_0202_hall").device_id
        rejected = hub.data["mqtt"].rejections.as_dict()
        assert "topic_outside_household" in json.dumps(rejected) and "household_id" in json.dumps(rejected)
        status, states = await site.request("GET", "/api/states", "bob")
        assert [s["entity_id"] for s in states] == ["light.2_1_0202_hall"]


async def test_a_household_announces_at_most_its_share(site_dir, broker) -> None:
    async with estate(site_dir, broker, max_entities_per_household=2) as site:
        for n in range(4):
            await site.announce(ALICE, "light", f"l{n}", lamp(ALICE, f"l{n}"))
        await site.announce(BOB, "light", "hall", lamp(BOB, "hall"))
        await settled(site)
        await wait_for(lambda: site.hub.states.get("light.2_1_0202_hall"))
        alices = [e for e in site.hub.states.entity_ids("light") if e.startswith("light.1_1_0101_")]
        assert sorted(alices) == ["light.1_1_0101_l0", "light.1_1_0101_l1"]
        # one removed: another may come
        await site.announce(ALICE, "light", "l0", "")
        await site.announce(ALICE, "light", "l3", lamp(ALICE, "l3"))
        await wait_for(lambda: site.hub.states.get("light.1_1_0101_l3"))
        assert site.hub.states.get("light.1_1_0101_l0") is None


async def test_staff_give_devices_discovered_elsewhere_to_a_household(site_dir, broker) -> None:
    async with estate(site_dir, broker) as site:
        hub = site.hub
        await site.probe.publish("homeassistant/switch/plug/config", json.dumps({
            "name": None, "unique_id": "plug1", "command_topic": "zigbee2mqtt/plug/set", "state_topic": "zigbee2mqtt/plug",
            "device": {"identifiers": ["plug1"], "name": "Plug"}}), retain=True)
        await site.announce(BOB, "light", "hall", lamp(BOB, "hall"))
        await wait_for(lambda: hub.states.get("switch.plug") and hub.states.get("light.2_1_0202_hall"))
        assert await site.request("GET", "/api/states", "alice") == (200, [])
        device = hub.entities.get("switch.plug").device_id

        async def assign(user: str, **data):
            return await site.request("POST", "/api/services/smart_home/assign?return_response", user, json=data)

        status, body = await assign("staff", household=ALICE, device_id=device)
        assert status == 200 and body["service_response"]["entities"] == ["switch.plug"]
        assert [s["entity_id"] for s in (await site.request("GET", "/api/states", "alice"))[1]] == ["switch.plug"]
        assert (await site.request("POST", "/api/services/switch/turn_on", "alice", json={"entity_id": "switch.plug"}))[0] == 200
        assert (await site.request("POST", "/api/services/switch/turn_on", "bob", json={"entity_id": "switch.plug"}))[0] == 403
        # what announced itself under Bob's prefix is Bob's; a household that does not exist has nothing
        status, body = await assign("staff", household=ALICE, entity_id="light.2_1_0202_hall")
        assert status == 400 and "belongs to household 2-1-0202 by the topic it announced itself on" in body["message"]
        status, body = await assign("staff", household="9-9-0909", entity_id="switch.plug")
        assert status == 400 and "household 9-9-0909 does not exist" in body["message"]
        # residents may not assign
        assert (await assign("bob", household=BOB, device_id=device))[0] == 403
        status, body = await site.request("POST", "/api/services/smart_home/entities?return_response", "staff",
                                          json={"household": ALICE})
        assert body["service_response"]["assigned"] == [f"device:{device}"]
    # assignments survive a restart
    async with running_hub(site_dir, site_config(broker)) as hub:
        await wait_for(lambda: hub.states.get("switch.plug"))
        assert get_smart_home(hub).scope_for("alice")("switch.plug") is True
        await hub.services.call("smart_home", "unassign", {"device_id": device})
        assert get_smart_home(hub).scope_for("alice")("switch.plug") is False
