"""Tickets on a real hub and a real broker: the portal's two households (Alice in ``1-1-0101``,
Bob in ``2-1-0202``, resident users linked to their persons), a manager (``staff``), a ``guard``
and a technician (``tech``, maintenance); categories of each kind of deadline; a barrier gate the
test plays (barrier's own test gate: its faults are the barrier model's episodes); the hub's clock
in the test's hands.

``Estate.call`` calls a tickets service as a user (the permission check and the audit as through
the API).
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
from tests.integrations.barrier.conftest import Gate
from tests.integrations.portal.conftest import ALICE, BOB, PASSWORD, Portal, audit_acts, portal, portal_config
from tests.integrations.smart_home.conftest import HUB_ACTOR, ROOT
from xiaoqu.core.bus import Context, Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.tickets import get_tickets

__all__ = ["ALICE", "BOB", "PASSWORD", "ROOT", "START", "Estate", "audit_acts", "estate", "restarted"]

SITE_TZ = ZoneInfo("Asia/Shanghai")
#: Monday 2 March 2026, 10:00 in Shanghai.
START = datetime(2026, 3, 2, 10, 0, tzinfo=SITE_TZ)
TICKETS: dict[str, Any] = {"categories": {
    "repair": {"name": "报修 Repair", "arrive_within": {"hours": 4}},
    "device_fault": {"name": "设备故障 Device fault", "arrive_within": {"hours": 2}, "residents": False,
                     "recovery_hold": {"minutes": 10}},
    "complaint": {"name": "投诉 Complaint", "reply_within_workdays": 2},
    "feedback": {"name": "意见建议 Feedback", "reply_within_workdays": 1},
}}


class Estate(Portal):
    clock: ManualClock

    def user(self, name: str) -> Context:
        return Context(user_id=self.hub.data["auth"].manager.user_by_name(name).id, source="api")

    async def call(self, user: str, service: str, **data: Any) -> Any:
        return await self.hub.services.call("tickets", service, data, context=self.user(user), return_response=True)

    @property
    def tickets(self) -> Any:
        return get_tickets(self.hub)

    def record(self, *event_types: str) -> list[Event]:
        events: list[Event] = []
        for event_type in event_types:
            self.hub.bus.listen(event_type, events.append)
        return events

    async def settle(self) -> None:
        for _ in range(3):
            await self.hub.block_till_done()


def tickets_config(broker: BrokerProcess, **extra: Any) -> dict[str, Any]:
    return portal_config(broker, tickets=TICKETS, **extra)


@asynccontextmanager
async def estate(site_dir: Path, broker: BrokerProcess, *, clock: ManualClock | None = None,
                 gates: tuple[Gate, ...] = (), **config: Any) -> AsyncIterator[Estate]:
    """The estate; ``config`` adds sections (barrier, automation, notify, notices)."""
    clock = clock or ManualClock(START)
    async with portal(site_dir, broker, clock=clock, tickets=TICKETS, **config) as site:
        await site.hub.data["auth"].manager.add_user("tech", "maintenance", PASSWORD, HUB_ACTOR)
        if gates:
            await site.hub.entities.add("test", list(gates))
        found = Estate(site.hub, site.probe, site.session, site.tokens, people=site.people)
        found.clock = clock
        yield found


@asynccontextmanager
async def restarted(site_dir: Path, broker: BrokerProcess, clock: ManualClock) -> AsyncIterator[Hub]:
    """The same site started again: its tickets are what the last run left."""
    async with running_hub(site_dir, tickets_config(broker), clock=clock) as hub:
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
