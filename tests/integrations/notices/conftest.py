"""Notices on a real hub and a real broker: the portal's two households (Alice in ``1-1-0101``,
Bob in ``2-1-0202``, resident users linked to their persons, each with a phone), a manager
(``staff``) and a ``guard``; the hub's clock in the test's hands; a lobby display for building 1.

``Site.call`` calls a ``notices.*`` service as a user (the permission check and the audit as
through the API).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
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
from xiaoqu.integrations.notices import get_notices

__all__ = ["ALICE", "BOB", "NOTICES", "START", "Site", "audit_acts", "restarted", "site"]

SITE_TZ = ZoneInfo("Asia/Shanghai")
#: Monday 2 March 2026, 10:00 in Shanghai.
START = datetime(2026, 3, 2, 10, 0, tzinfo=SITE_TZ)
NOTICES: dict[str, Any] = {"channels": {"mqtt": {"displays": [{"id": "lobby-1", "building": "1"}, {"id": "gate"}]},
                                        "log": {}},
                           "default_channels": ["mqtt", "log"]}
FEE_DATA: dict[str, Any] = {
    "period": "2026-03",
    "lines": [{"item": "物业管理费", "amount_fen": 17900, "why": "89.50 m² × ¥2.00"},
              {"item": "公共能耗分摊", "amount_fen": 1250, "why": "固定"}],
    "total_fen": 19150, "due": "2026-03-31", "outstanding_fen": 0, "late_fee_fen": 0, "deadline": "2026-04-15",
}


class Site(Portal):
    clock: ManualClock

    def user(self, name: str) -> Context:
        return Context(user_id=self.hub.data["auth"].manager.user_by_name(name).id, source="api")

    async def call(self, user: str | None, service: str, **data: Any) -> Any:
        context = self.user(user) if user else Context(source="test")
        return await self.hub.services.call("notices", service, data, context=context, return_response=True)

    @property
    def notices(self) -> Any:
        return get_notices(self.hub)

    async def settle(self) -> None:
        await self.hub.block_till_done()


@asynccontextmanager
async def site(site_dir: Path, broker: BrokerProcess, *, clock: ManualClock | None = None,
               **notices: Any) -> AsyncIterator[Site]:
    """The estate; ``notices`` replaces keys of the notices section."""
    clock = clock or ManualClock(START)
    async with portal(site_dir, broker, clock=clock, notices={**NOTICES, **notices}) as found:
        here = Site(found.hub, found.probe, found.session, found.tokens, people=found.people)
        here.clock = clock
        yield here


@asynccontextmanager
async def restarted(site_dir: Path, broker: BrokerProcess, clock: ManualClock) -> AsyncIterator[Hub]:
    """The same site started again: its people and notices are what the last run left."""
    async with running_hub(site_dir, portal_config(broker, notices=NOTICES), clock=clock) as hub:
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
