"""A small estate for visitors on a real hub and a real broker: the portal's two households
(Alice in ``1-1-0101``, Bob in ``2-1-0202``, resident users linked to their persons), a manager
(``staff``) and a ``guard``; access with the pedestrian gates, each household's unit entrance and
the main gate's lane; visitors with two purposes; the hub's clock in the test's hands.

``Estate.call`` calls a service as a user (the permission check and the audit as through the
API); ``register`` is the guard registering a visitor for a household.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.portal.conftest import ALICE, BOB, Portal, audit_acts, portal, portal_config
from xiaoqu.core.bus import Context
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.visitors import get_visitors

__all__ = ["ALICE", "BOB", "START", "Estate", "audit_acts", "estate", "restarted"]

SITE_TZ = ZoneInfo("Asia/Shanghai")
#: Monday 2 March 2026, 10:00 in Shanghai.
START = datetime(2026, 3, 2, 10, 0, tzinfo=SITE_TZ)
ACCESS: dict[str, Any] = {
    "entries": [{"id": "main-1", "name": "正门入口 Main gate lane 1", "kind": "vehicle"}],
    "groups": [{"id": "everyone", "name": "Everyone", "doors": ["*"], "members": {"kinds": ["resident"]}}],
}
VISITORS: dict[str, Any] = {
    "lanes": ["main-1"],
    "exits": ["gate-2"],
    "max_stay": {"hours": 12},
    "purposes": {
        "visit": {"name": "探亲访友 Visiting", "route": ["gate-1", "b{building}-u{unit}"]},
        "delivery": {"name": "送货 Delivery", "route": ["gate-1"], "max_stay": {"hours": 1}, "lanes": []},
    },
}
DOORS = ("gate-2", "b1-u1", "b2-u1")


class Estate(Portal):
    clock: ManualClock

    def user(self, name: str) -> Context:
        return Context(user_id=self.hub.data["auth"].manager.user_by_name(name).id, source="api")

    async def call(self, user: str, service: str, **data: Any) -> Any:
        return await self.hub.services.call("visitors", service, data, context=self.user(user), return_response=True)

    async def register(self, household: str = ALICE, *, by: str = "guard", **data: Any) -> str:
        visit = {"name": "王小明", "phone": "13912345678", "host_household": household, "purpose": "visit",
                 "leave_by": (START + timedelta(hours=2)).isoformat(), **data}
        return str((await self.call(by, "register", **visit))["visit_id"])

    @property
    def visitors(self) -> Any:
        return get_visitors(self.hub)

    @property
    def access(self) -> Any:
        return get_access(self.hub)

    async def settle(self) -> None:
        await self.hub.block_till_done()
        await self.hub.recorder.flush()


@asynccontextmanager
async def estate(site_dir: Path, broker: BrokerProcess, *, clock: ManualClock | None = None,
                 config: dict[str, Any] | None = None, **visitors: Any) -> AsyncIterator[Estate]:
    """The estate; ``visitors`` changes the visitors section, ``config`` adds sections (notify, automation)."""
    clock = clock or ManualClock(START)
    async with portal(site_dir, broker, clock=clock, access=ACCESS, visitors={**VISITORS, **visitors},
                      **(config or {})) as site:
        for door in DOORS:
            get_access(site.hub).register_door(door)
        found = Estate(site.hub, site.probe, site.session, site.tokens, people=site.people)
        found.clock = clock
        yield found


@asynccontextmanager
async def restarted(site_dir: Path, broker: BrokerProcess, clock: ManualClock) -> AsyncIterator[Hub]:
    """The same site started again: its people, visits and passes are what the last run left."""
    async with running_hub(site_dir, portal_config(broker, access=ACCESS, visitors=VISITORS), clock=clock) as hub:
        await hub.block_till_done()
        yield hub


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path
