"""A hub with residents, payments and billing, its clock the test's, and staff and a resident
who call the billing services as themselves (the permission table applies).

Households: ``1-1-0101`` (89.50 m², 粤B-less), ``1-2-0601`` (120.00 m², two parking spaces),
``2-1-0301`` (no floor area on record). The resident ``li`` lives in ``1-1-0101``.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from tests.conftest import SITE_TZ
from tests.core.http.conftest import add_user
from xiaoqu.core.bus import Context, Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.billing import Billing, get_billing
from xiaoqu.integrations.residents import get_residents

#: 1 March 2026, 09:00 in Shanghai.
START = datetime(2026, 3, 1, 9, 0, tzinfo=SITE_TZ)
ITEMS: list[dict[str, Any]] = [
    {"id": "property_fee", "name": "物业费", "kind": "area", "rate_fen": 250, "due_day": 15},
    {"id": "parking_fee", "name": "车位管理费", "kind": "per_unit", "unit": "space", "rate_fen": 10000,
     "households": {"1-2-0601": 2}},
    {"id": "water", "name": "水费", "kind": "usage", "unit": "m³", "rate_fen": 345},
]
HOUSEHOLDS = {"1-1-0101": "89.50", "1-2-0601": "120.00", "2-1-0301": None}


@dataclass
class Site:
    hub: Hub
    clock: ManualClock
    users: dict[str, str]  # role → user id
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def billing(self) -> Billing:
        return get_billing(self.hub)

    async def call(self, service: str, data: dict[str, Any], role: str | None = "finance") -> dict[str, Any]:
        """``billing.<service>`` as a user of ``role`` (None: the hub itself)."""
        context = Context(user_id=None if role is None else self.users[role])
        answer = await self.hub.services.call("billing", service, data, context=context, return_response=True)
        assert answer is not None
        await self.hub.block_till_done()
        return answer

    def fired(self, event_type: str) -> list[dict[str, Any]]:
        return [data for kind, data in self.events if kind == event_type]

    def later(self, **delta: float) -> None:
        self.clock.advance(timedelta(**delta))

    def on(self, day: str) -> None:
        """Move the clock to 09:00 of ``day`` (ISO), unless it is already later."""
        target = datetime.fromisoformat(day).replace(hour=9, tzinfo=SITE_TZ)
        if target > self.clock.now():
            self.clock.advance(target - self.clock.now())


def config(**billing: Any) -> dict[str, Any]:
    return {"residents": {"encryption_key": Fernet.generate_key().decode()}, "payments": {},
            "billing": {"items": ITEMS, **billing}}


@asynccontextmanager
async def billing_site(tmp_path: Path, start: datetime = START, **billing: Any) -> AsyncIterator[Site]:
    clock = ManualClock(start, SITE_TZ)
    site_dir = tmp_path / "site"
    site_dir.mkdir(exist_ok=True)
    async with running_hub(site_dir, config(**billing), clock=clock) as hub:
        residents = get_residents(hub)
        if residents.household("1-1-0101") is None:
            for household, area in HOUSEHOLDS.items():
                await residents.add_household(household, area)
            person = await residents.add_person(name="李雷", household="1-1-0101", kind="resident", role="owner")
            await add_user(hub, "li", "resident")
            await residents.link_user(person.id, "li")
        users = {}
        for role in ("manager", "finance", "guard"):
            await add_user(hub, role, role)
        manager = hub.data["auth"].manager
        users = {role: manager.user_by_name(role).id for role in ("manager", "finance", "guard")}
        users["resident"] = manager.user_by_name("li").id
        site = Site(hub, clock, users)

        def seen(event: Event) -> None:
            if event.event_type.startswith("billing."):
                site.events.append((event.event_type, dict(event.data)))

        hub.bus.listen("*", seen)
        yield site
