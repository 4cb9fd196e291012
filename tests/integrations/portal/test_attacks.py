"""The residents' portal tried as an attacker would, on a real hub: what a security review
found, each kept fixed here."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.portal.conftest import ALICE, portal
from tests.integrations.smart_home.conftest import lamp, prefix, wait_for
from xiaoqu.core.auth import Actor

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
