"""Two households on a real broker, each with a resident who logs in to the hub.

Household ``1-1-0101`` is Alice's, ``2-1-0202`` Bob's. ``Site.announce`` publishes a device's
retained discovery config the way a household's Zigbee2MQTT or ESPHome does: under the
household's prefix, its topics inside it.
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.fernet import Fernet

from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.auth import Actor
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.residents import get_residents

ROOT = "xiaoqu/demo"
ALICE, BOB = "1-1-0101", "2-1-0202"
USERS = {"alice": ALICE, "bob": BOB}
HUB_ACTOR = Actor("hub", "test")
MARKER = f"{ROOT}/test/marker"
#: The site's residents key: the same across a restart.
KEY = Fernet.generate_key().decode()


def prefix(household: str) -> str:
    return f"{ROOT}/household/{household}"


def lamp(household: str, name: str = "lamp", **extra: Any) -> dict[str, Any]:
    """A light's discovery config, every topic inside ``household``'s prefix."""
    base = f"{prefix(household)}/z2m/{name}"
    return {"name": None, "unique_id": f"{name}_light", "state_topic": base, "command_topic": f"{base}/set",
            "schema": "json", "device": {"identifiers": [f"z2m_{name}"], "name": f"{name.title()}"}, **extra}


@dataclass
class Site:
    hub: Hub
    probe: MqttProbe
    session: aiohttp.ClientSession
    tokens: dict[str, str] = field(default_factory=dict)

    async def announce(self, household: str, component: str, object_id: str, config: dict[str, Any] | str) -> None:
        topic = f"{prefix(household)}/homeassistant/{component}/{object_id}/config"
        await self.probe.publish(topic, config if isinstance(config, str) else json.dumps(config), retain=True)

    async def request(self, method: str, path: str, user: str, **kwargs: Any) -> tuple[int, Any]:
        url = f"http://127.0.0.1:{self.hub.data['http'].port}{path}"
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        async with self.session.request(method, url, headers=headers, **kwargs) as response:
            return response.status, await response.json()


async def wait_for(condition: Any, timeout: float = 10.0) -> Any:
    """Poll ``condition()`` until it is true (what a real broker delivers comes when it comes)."""
    async with asyncio.timeout(timeout):
        while not (result := condition()):
            await asyncio.sleep(0.01)
    return result


async def settled(site: Site) -> None:
    """Everything the probe published so far reached the hub and was handled: the probe's own
    marker comes after it (a broker keeps one client's messages in order)."""
    marker = asyncio.Event()
    unsubscribe = await mqtt.subscribe(site.hub, MARKER, lambda message: marker.set(), qos=1)
    try:
        await site.probe.publish(MARKER, "1", qos=1)
        await asyncio.wait_for(marker.wait(), 10)
    finally:
        unsubscribe()
    await site.hub.block_till_done()


def site_config(broker: BrokerProcess, **smart_home: Any) -> dict[str, Any]:
    return {
        "mqtt": broker.hub_config(state_stream=False),
        "residents": {"encryption_key": KEY},
        "smart_home": smart_home or None,
    }


@asynccontextmanager
async def estate(config_dir: Path, broker: BrokerProcess, config: dict[str, Any] | None = None,
                 **smart_home: Any) -> AsyncIterator[Site]:
    """A hub on ``broker``, both households, Alice and Bob linked to their homes, a staff
    manager, and an MQTT probe (no account: the test broker takes anyone). ``config``
    replaces sections of the site's config."""
    async with running_hub(config_dir, {**site_config(broker, **smart_home), **(config or {})}) as hub:
        residents = get_residents(hub)
        manager = hub.data["auth"].manager
        tokens = {}
        for user, household in USERS.items():
            await residents.add_household(household)
            await manager.add_user(user, "resident", None, HUB_ACTOR)
            person = await residents.add_person(household=household, role="owner", name=user.title())
            await residents.link_user(person.id, user)
            tokens[user] = (await manager.create_token(user, HUB_ACTOR))[1]
        await manager.add_user("staff", "manager", None, HUB_ACTOR)
        tokens["staff"] = (await manager.create_token("staff", HUB_ACTOR))[1]
        async with MqttProbe(broker, f"{ROOT}/household/#") as probe, aiohttp.ClientSession() as session:
            yield Site(hub, probe, session, tokens)


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path
