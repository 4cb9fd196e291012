"""The residents' portal tried as an attacker would, on a real hub: what a security review
found, each kept fixed here."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.dashboard.test_attacks import BROKEN_FORMS
from tests.integrations.portal.conftest import ALICE, BOB, CARDS, DOOR, portal
from tests.integrations.smart_home.conftest import lamp, prefix, wait_for
from xiaoqu.core.auth import Actor
from xiaoqu.integrations.dashboard.const import DATA_DASHBOARD
from xiaoqu.integrations.dashboard.request import CONTENT_SECURITY_POLICY
from xiaoqu.integrations.portal.registry import registry

MINE = "light.1_1_0101_hall"
STAFF_CLI = Actor("cli", "cli:root")


async def _frames(stream: Any) -> bytes:
    """What a stream still sends, to its end."""
    async with asyncio.timeout(5):
        return await stream.content.read()


async def test_a_password_reset_ends_the_residents_live_page(site_dir: Path, broker: BrokerProcess) -> None:
    """A stolen phone: the office resets the password; the open devices page stops at once."""
    async with portal(site_dir, broker) as site, site.browser() as thief:
        await site.announce(ALICE, "light", "hall", lamp(ALICE, "hall"))
        await wait_for(lambda: site.hub.states.get(MINE))
        await thief.sign_in("alice")
        async with thief.session.get(thief.base + "/portal/devices/stream") as stream:
            assert stream.status == 200
            await site.hub.data["auth"].manager.set_password("alice", "a brand new passphrase", STAFF_CLI)
            await site.probe.publish(f"{prefix(ALICE)}/z2m/hall", json.dumps({"state": "ON"}))
            await wait_for(lambda: site.hub.states.get(MINE).state == "on")
            assert MINE.encode() not in await _frames(stream)
        assert (await thief.get("/portal/"))[0] == 303


async def test_a_device_given_to_another_household_leaves_the_open_stream(site_dir: Path,
                                                                        broker: BrokerProcess) -> None:
    """Staff give a bridge's lamp to Alice, then (her page open) to Bob: Bob's use of it is not
    shown on Alice's phone, while her own lamp still is."""
    async with portal(site_dir, broker) as site, site.browser() as alice:
        hub = site.hub
        await site.announce(ALICE, "light", "hall", lamp(ALICE, "hall"))
        await wait_for(lambda: hub.states.get(MINE))
        hub.states.set("light.lobby", "off", {"friendly_name": "Lobby"})
        await hub.services.call("smart_home", "assign", {"household": ALICE, "entity_id": ["light.lobby"]})
        await alice.sign_in("alice")
        assert "light.lobby" in (await alice.get("/portal/devices"))[1]
        async with alice.session.get(alice.base + "/portal/devices/stream") as stream:
            await hub.services.call("smart_home", "assign", {"household": BOB, "entity_id": ["light.lobby"]})
            hub.states.set("light.lobby", "on", {"friendly_name": "Bob's lobby"})
            await hub.block_till_done()
            await site.probe.publish(f"{prefix(ALICE)}/z2m/hall", json.dumps({"state": "ON"}))
            sent = b""
            async with asyncio.timeout(10):
                while f"event: {MINE}".encode() not in sent:
                    sent += await stream.content.readline()
        assert b"light.lobby" not in sent and b"Bob" not in sent


async def test_a_body_that_is_no_form_is_refused_not_a_server_error(site_dir: Path, broker: BrokerProcess) -> None:
    """The sign-up form and a device's button, sent bodies aiohttp cannot read as a form."""
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await alice.sign_in("alice")
        await alice.get("/portal/devices")
        htmx = {"X-CSRF-Token": alice.csrf, "HX-Request": "true"}
        for content_type, body in BROKEN_FORMS:
            await alice.get("/portal/join")
            for path, headers, expected in (("/portal/join", {}, 403), ("/portal/devices/act", {}, 403),
                                            ("/portal/devices/act", htmx, 400), ("/portal/language", htmx, 400)):
                async with alice.session.post(alice.base + path, data=body, allow_redirects=False,
                                              headers={"Content-Type": content_type, **headers}) as response:
                    assert response.status == expected, (content_type, path, response.status)


async def test_the_calendars_last_day_in_the_entries_period_is_a_bad_filter(site_dir: Path,
                                                                             broker: BrokerProcess) -> None:
    async with portal(site_dir, broker) as site, site.browser() as alice:
        await alice.sign_in("alice")
        for query in ("to=9999-12-31", "from=9999-12-31&to=9999-12-31", "to=9999-12-31&format=csv"):
            status, text, _ = await alice.get(f"/portal/entries?{query}")
            assert status == 400 and "2026-03-02" in text, query


#: An inline script or event handler: the pages' Content-Security-Policy would refuse to run it.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|javascript:", re.IGNORECASE)


async def _page_of_every_kind(site: Any, who: Any, root: str) -> list[str]:
    """Each GET page of an area (the dashboard's for staff, the portal's for a resident) with its
    path's parts filled from the site: what a browser is shown."""
    fill = {"card": CARDS["alice"], "household": ALICE, "door": DOOR, "entity_id": MINE}
    pages = (site.hub.data[DATA_DASHBOARD].registry.pages if root == "/dashboard"
             else [page.as_page() for page in registry(site.hub).pages])
    texts = []
    for page in pages:
        if page.method != "GET" or page.path.endswith("stream") or page.path == "residents/sheet":
            continue
        path = re.sub(r"{(\w+)}", lambda match: fill.get(match.group(1), "x"), page.path)
        status, text, response = await who.get(f"{root}/{path}")
        assert response.headers.get("Content-Security-Policy") == CONTENT_SECURITY_POLICY, path
        texts.append(text)
    return texts


async def test_every_page_runs_no_inline_script_and_says_so(site_dir: Path, broker: BrokerProcess) -> None:
    """No page has an inline script or handler, and each is sent with a Content-Security-Policy
    that runs none: markup that ever slipped into a page through data (a door named like a
    script) would run nothing, send nothing elsewhere, and no other site may frame a page."""
    async with portal(site_dir, broker) as site, site.browser() as staff, site.browser() as alice:
        await site.announce(ALICE, "light", "hall", lamp(ALICE, "hall"))
        await wait_for(lambda: site.hub.states.get(MINE))
        await staff.sign_in("staff")
        await alice.sign_in("alice")
        texts = [*await _page_of_every_kind(site, staff, "/dashboard"),
                 *await _page_of_every_kind(site, alice, "/portal")]
        async with site.browser() as stranger:
            for path in ("/dashboard/login", "/portal/join"):
                status, text, response = await stranger.get(path)
                assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
                texts.append(text)
        assert len(texts) > 20, len(texts)
        assert [found.group(0) for text in texts for found in INLINE_SCRIPT.finditer(text)] == []
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY and "script-src 'self';" in CONTENT_SECURITY_POLICY
