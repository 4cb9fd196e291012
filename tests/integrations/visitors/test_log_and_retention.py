"""The visitor log (by household, day, plate and status; a resident's own household only) and
how long things are kept: a pass leaves access a day after it ended, a visit and its steps
``keep_days`` after it ended."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.visitors.conftest import ALICE, BOB, START, estate


async def test_the_log_by_household_day_plate_and_status(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        yesterday = await site.register(ALICE, plate="粤B12345")
        await site.call("guard", "checkout", visit_id=yesterday)
        site.clock.advance(timedelta(days=1))
        today = await site.register(ALICE, leave_by=(START + timedelta(days=1, hours=2)).isoformat())
        site.clock.advance(timedelta(minutes=1))
        bobs = await site.register(BOB, leave_by=(START + timedelta(days=1, hours=2)).isoformat())

        async def ids(user: str = "guard", **query) -> list[str]:
            return [visit["visit_id"] for visit in (await site.call(user, "log", **query))["visits"]]

        assert await ids() == [bobs, today, yesterday]
        assert await ids(household=ALICE) == [today, yesterday]
        assert await ids(date="2026-03-02") == [yesterday]
        assert await ids(plate="粤b·123 45") == [yesterday]
        assert await ids(status="pending", limit=1) == [bobs]
        assert await ids(start="2026-03-03 00:00", end="2026-03-04") == [bobs, today]
        assert await ids("alice") == [today, yesterday] and await ids("alice", household=BOB) == [today, yesterday]
        assert await ids("bob") == [bobs]


async def test_passes_leave_access_a_day_after_they_end_and_visits_after_keep_days(site_dir: Path,
                                                                                 broker: BrokerProcess) -> None:
    async with estate(site_dir, broker, keep_days=30) as site:
        visit = await site.register(ALICE, plate="粤B12345")
        token = (await site.call("guard", "confirm", visit_id=visit, accept=True, reason="phoned"))["token"]
        await site.call("guard", "checkout", visit_id=visit)
        site.clock.advance(timedelta(hours=23))
        await site.visitors.sweep()
        assert site.access.check("qr", token, "gate-1").rule == "credential:validity"  # ended, still explained
        site.clock.advance(timedelta(hours=2))
        await site.visitors.sweep()
        assert site.access.check("qr", token, "gate-1").rule == "credential:unknown"
        assert site.access.check("plate", "粤B12345", "main-1").rule == "credential:unknown"
        assert site.visitors.visits[visit].passes.removed
        # a new visit of the same car gets its permission again
        again = await site.register(ALICE, plate="粤B12345", leave_by=(START + timedelta(days=1, hours=3)).isoformat())
        await site.call("alice", "confirm", visit_id=again, accept=True)
        assert site.access.check("plate", "粤B12345", "main-1").granted
        site.clock.advance(timedelta(days=30))
        await site.visitors.sweep()
        assert visit not in site.visitors.visits and again in site.visitors.visits  # closed 30 days ago; overstaying
        assert site.hub.recorder._retention["visitors"] == timedelta(days=30)
