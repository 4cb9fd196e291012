"""My devices: a resident sees and switches their household's devices — and, whatever a form
sends, nothing of another household's. Each button is a service call as the resident, checked
by their entity scope; the page is kept live over server-sent events."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.portal.conftest import ALICE, BOB, Browser, Portal, audit_acts, portal
from tests.integrations.smart_home.conftest import lamp, prefix, settled, wait_for

MINE, THEIRS = "light.1_1_0101_hall", "light.2_1_0202_hall"
AIRCON = "climate.1_1_0101_aircon"
CURTAIN = "cover.1_1_0101_curtain"


def aircon(household: str) -> dict[str, Any]:
    base = f"{prefix(household)}/z2m/aircon"
    return {"name": None, "unique_id": "aircon", "mode_state_topic": f"{base}/mode",
            "mode_command_topic": f"{base}/mode/set", "temperature_state_topic": f"{base}/target",
            "temperature_command_topic": f"{base}/target/set", "current_temperature_topic": f"{base}/now",
            "min_temp": 16, "max_temp": 30, "temp_step": 0.5, "device": {"identifiers": ["z2m_aircon"], "name": "Aircon"}}


async def _homes(site: Portal) -> None:
    """A lamp in each home, an air conditioner in Alice's at 24° with 26° in the room."""
    await site.announce(ALICE, "light", "hall", lamp(ALICE, "hall"))
    await site.announce(BOB, "light", "hall", lamp(BOB, "hall"))
    await site.announce(ALICE, "climate", "aircon", aircon(ALICE))
    await site.announce(ALICE, "cover", "curtain", {
        "name": None, "unique_id": "curtain", "command_topic": f"{prefix(ALICE)}/z2m/curtain/set",
        "device": {"identifiers": ["z2m_curtain"], "name": "Curtain"}})
    hub = site.hub
    await wait_for(lambda: all(hub.states.get(entity_id) for entity_id in (MINE, THEIRS, AIRCON, CURTAIN)))
    for topic, value in (("mode", "cool"), ("target", "24"), ("now", "26")):
        await site.probe.publish(f"{prefix(ALICE)}/z2m/aircon/{topic}", value)
    await wait_for(lambda: hub.states.get(AIRCON).attributes.get("temperature") == 24)


async def _act(person: Browser, entity_id: str, action: str, **extra: str) -> tuple[int, str]:
    status, text, _ = await person.post("/portal/devices/act", {"entity_id": entity_id, "action": action, **extra})
    return status, text


async def test_a_resident_sees_and_switches_their_households_devices(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await _homes(site)
        await alice.sign_in("alice")
        status, text, _ = await alice.get("/portal/devices")
        assert status == 200 and MINE in text and AIRCON in text and CURTAIN in text and THEIRS not in text
        assert 'value="open_cover"' in text and 'value="stop_cover"' in text
        assert 'sse-connect="/portal/devices/stream"' in text and "24°" in text and "26" in text

        status, _ = await _act(alice, MINE, "turn_on")
        assert status == 303
        command = await site.probe.wait_for(f"{prefix(ALICE)}/z2m/hall/set")
        assert json.loads(command.payload)["state"] == "ON"
        await site.probe.publish(f"{prefix(ALICE)}/z2m/hall", json.dumps({"state": "ON"}))
        await wait_for(lambda: site.hub.states.get(MINE).state == "on")
        assert 'aria-checked="true"' in (await alice.get("/portal/devices"))[1]

        assert (await _act(alice, AIRCON, "set_temperature", temperature="22.5"))[0] == 303
        assert (await site.probe.wait_for(f"{prefix(ALICE)}/z2m/aircon/target/set")).payload == b"22.5"
        status, text = await _act(alice, AIRCON, "set_temperature", temperature="99")
        assert status == 400 and "16" in text  # outside the device's range, said by the device's own check
        assert (await _act(alice, CURTAIN, "open_cover"))[0] == 303
        assert (await site.probe.wait_for(f"{prefix(ALICE)}/z2m/curtain/set")).payload == b"OPEN"

        calls = [act for act in await audit_acts(site.hub) if act["act"] == "service_call" and act["by"] == "alice"]
        assert [(act["service"], act["source"]) for act in calls] == [
            ("light.turn_on", "portal"), ("climate.set_temperature", "portal"), ("climate.set_temperature", "portal"),
            ("cover.open_cover", "portal")]


async def test_another_households_device_is_refused_whatever_the_form_says(site_dir: Path,
                                                                           broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await _homes(site)
        await alice.sign_in("alice")
        await alice.get("/portal/devices")
        for entity_id in (THEIRS, "light.does_not_exist"):
            status, text = await _act(alice, entity_id, "turn_on")
            assert status == 403 and 'class="tabs"' in text, entity_id
        denied = [act for act in await audit_acts(site.hub) if act["act"] == "service_denied"]
        assert [act["entity_ids"] for act in denied] == [[THEIRS], ["light.does_not_exist"]]
        # a button the device has not, a form naming no device: 400, nothing called
        assert (await _act(alice, MINE, "unlock"))[0] == 400
        assert (await _act(alice, "not an entity", "turn_on"))[0] == 400
        assert (await _act(alice, AIRCON, "set_temperature", temperature="warm"))[0] == 400
        assert (await _act(alice, AIRCON, "set_temperature", temperature="nan"))[0] == 400
        # a forged token: refused before anything runs
        status, _, _ = await alice.post("/portal/devices/act", {"entity_id": MINE, "action": "turn_on"}, csrf="forged")
        assert status == 403
        await settled(site)
        assert site.probe.payloads(f"{prefix(BOB)}/z2m/hall/set") == []
        assert site.probe.payloads(f"{prefix(ALICE)}/z2m/hall/set") == []
        # Bob, as himself, sees his lamp only
        async with site.browser() as bob:
            await bob.sign_in("bob")
            text = (await bob.get("/portal/devices"))[1]
            assert THEIRS in text and MINE not in text and AIRCON not in text


async def test_a_button_on_a_live_page_is_answered_in_a_line(site_dir: Path, broker: BrokerProcess) -> None:
    """htmx sends the button: a success is 204 (the stream shows the change), a refusal a line
    for the page's notice, not a whole page."""
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await _homes(site)
        await alice.sign_in("alice")
        await alice.get("/portal/devices")
        headers = {"HX-Request": "true", "X-CSRF-Token": alice.csrf}
        async with alice.session.post(alice.base + "/portal/devices/act", data={"entity_id": MINE, "action": "turn_on"},
                                      headers=headers) as response:
            assert response.status == 204
        async with alice.session.post(alice.base + "/portal/devices/act",
                                      data={"entity_id": THEIRS, "action": "turn_on"}, headers=headers) as response:
            text = await response.text()
            assert response.status == 403 and text.strip().startswith('<p class="error">') and "<html" not in text


async def test_the_page_follows_the_devices_live(site_dir: Path, broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await _homes(site)
        await alice.sign_in("alice")
        async with alice.session.get(alice.base + "/portal/devices/stream") as stream:
            assert stream.status == 200 and stream.headers["Content-Type"] == "text/event-stream"
            await asyncio.sleep(0.1)
            await site.probe.publish(f"{prefix(BOB)}/z2m/hall", json.dumps({"state": "ON"}))
            await site.probe.publish(f"{prefix(ALICE)}/z2m/hall", json.dumps({"state": "ON"}))
            frame = await _next_event(stream)
            assert frame.startswith(f"event: {MINE}\n") and 'aria-checked="true"' in frame and THEIRS not in frame
            # she moves to Bob's flat: the stream of her old home ends, the page shows her new one
            await site.hub.services.call("residents", "update_person", {"id": site.person("alice"), "household": BOB})
            async with asyncio.timeout(5):
                assert await stream.content.read() is not None  # to its end
        text = (await alice.get("/portal/devices"))[1]
        assert THEIRS in text and MINE not in text


async def _next_event(stream: Any) -> str:
    """The next server-sent event (keep-alive comments skipped)."""
    lines: list[str] = []
    async with asyncio.timeout(10):
        while True:
            line = (await stream.content.readline()).decode()
            if line == "\n" and lines:
                return "".join(lines)
            if line.startswith(":") or line == "\n":
                continue
            lines.append(line)
