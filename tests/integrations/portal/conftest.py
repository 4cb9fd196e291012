"""The portal on a real hub: smart_home's two households on a real broker (Alice in
``1-1-0101``, Bob in ``2-1-0202``, each a resident user linked to their person, now with a
password), access with a door and the card centre, a staff manager; a browser per person as the
dashboard's tests have them (its own cookies, signing in through the one form).

``invite`` asks ``residents.invite`` as the manager, as the office would.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.dashboard.conftest import PASSWORD, Browser, audit_acts
from tests.integrations.smart_home.conftest import ALICE, BOB, HUB_ACTOR, ROOT, USERS, Site, site_config
from xiaoqu.core.bus import Context
from xiaoqu.core.clock import Clock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.residents import get_residents

__all__ = ["ALICE", "BOB", "PASSWORD", "Browser", "Portal", "audit_acts", "portal"]

#: Every resident may use every door: the entries page shows what the log holds.
ACCESS: dict[str, Any] = {"groups": [{"id": "everyone", "name": "Everyone", "doors": ["*"],
                                      "members": {"kinds": ["resident"]}}]}
#: Alice's and Bob's cards on the office's sheet.
CARDS = {"alice": "04A2B3C4", "bob": "0A1B2C3D"}
DOOR = "gate-1"


@dataclass
class Portal(Site):
    """smart_home's site (hub, probe, tokens) with the people's ids."""

    people: dict[str, str] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.hub.data['http'].port}"

    def person(self, user: str) -> str:
        assert self.people is not None
        return self.people[user]

    async def invite(self, person: str) -> dict[str, Any]:
        staff = self.hub.data["auth"].manager.user_by_name("staff")
        answer = await self.hub.services.call("residents", "invite", {"person": person},
                                              context=Context(user_id=staff.id), return_response=True)
        assert isinstance(answer, dict)
        return answer

    @asynccontextmanager
    async def browser(self) -> AsyncIterator[Browser]:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            yield Browser(self.hub, session)


def portal_config(broker: BrokerProcess, **extra: Any) -> dict[str, Any]:
    return {**site_config(broker), "dashboard": {}, "portal": {}, "access": ACCESS, "cards": {}, **extra}


@asynccontextmanager
async def portal(config_dir: Path, broker: BrokerProcess, *, clock: Clock | None = None,
                 **extra: Any) -> AsyncIterator[Portal]:
    """The hub and its people: Alice and Bob (resident users with passwords, linked, each with a
    card), ``staff`` (a manager), ``guard``; API tokens for Alice, Bob and staff; a door; an MQTT
    probe on the households' topics."""
    async with running_hub(config_dir, portal_config(broker, **extra), clock=clock) as hub:
        people = await _people(hub)
        manager = hub.data["auth"].manager
        tokens = {user: (await manager.create_token(user, HUB_ACTOR))[1] for user in ("alice", "bob", "staff")}
        get_access(hub).register_door(DOOR, name="南门 South gate")
        async with MqttProbe(broker, f"{ROOT}/household/#") as probe, aiohttp.ClientSession() as session:
            yield Portal(hub, probe, session, tokens, people=people)


async def _people(hub: Hub) -> dict[str, str]:
    residents = get_residents(hub)
    manager = hub.data["auth"].manager
    people = {}
    for user, household in USERS.items():
        await residents.add_household(household, "89.50")
        await manager.add_user(user, "resident", PASSWORD, HUB_ACTOR)
        person = await residents.add_person(household=household, role="owner", name=user.title(),
                                            phone="13812345678", cards=[CARDS[user]])
        await residents.link_user(person.id, user)
        people[user] = person.id
    for name, role in (("staff", "manager"), ("guard", "guard")):
        await manager.add_user(name, role, PASSWORD, HUB_ACTOR)
    return people


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path
