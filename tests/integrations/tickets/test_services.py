"""The contract's services as each person calls them: deadlines (clock hours; working days over
the Spring Festival, with its make-up Saturday), the transitions, scoping a resident to their
household, bad input named by its field, the history kept across a restart, ratings and the
monthly report."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.tickets.conftest import ALICE, BOB, SITE_TZ, audit_acts, estate, restarted
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import ServiceValidationError, Unauthorized
from xiaoqu.integrations.tickets import get_tickets
from xiaoqu.integrations.tickets.report import p90

#: Friday 13 February 2026, 20:00: the evening before the make-up Saturday (14 February) and the
#: Spring Festival holiday (15-23 February).
FRIDAY_EVENING = datetime(2026, 2, 13, 20, 0, tzinfo=SITE_TZ)


async def test_working_day_deadlines_skip_the_holiday_and_count_the_make_up_day(site_dir: Path,
                                                                                broker: BrokerProcess) -> None:
    async with estate(site_dir, broker, clock=ManualClock(FRIDAY_EVENING)) as site:
        feedback = await site.call("alice", "open", category="feedback", description="楼道灯不够亮")
        complaint = await site.call("alice", "open", category="complaint", description="楼上装修噪音")
        repair = await site.call("alice", "open", category="repair", description="厨房水管漏水")
        assert feedback["due"] == "2026-02-14T20:00:00+08:00"  # Saturday, a make-up working day
        assert complaint["due"] == "2026-02-24T20:00:00+08:00"  # after the nine days of the festival
        assert repair["due"] == "2026-02-14T00:00:00+08:00"  # clock hours: holidays count
        assert "opened 2026-02-13 20:00 (Fri), due 2026-02-24 20:00 (Tue); 9 day(s) off skipped" in complaint["rule"]


async def test_transitions_assignment_and_the_history(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        opened = await site.call("alice", "open", category="repair", description="卫生间灯坏了")
        ticket = opened["ticket_id"]
        assert opened["due"] == "2026-03-02T14:00:00+08:00" and opened["new"] is True
        with pytest.raises(ServiceValidationError, match=f"state: ticket {ticket} cannot go from new to resolved"):
            await site.call("staff", "update", ticket_id=ticket, state="resolved")
        with pytest.raises(ServiceValidationError, match="assignee: a ticket assigned names who works on it"):
            await site.call("staff", "update", ticket_id=ticket, state="assigned")
        with pytest.raises(ServiceValidationError, match="assignee: no member of staff 'alice'"):
            await site.call("staff", "update", ticket_id=ticket, state="assigned", assignee="alice")
        with pytest.raises(Unauthorized, match="user alice \\(role resident\\) may not call tickets.update"):
            await site.call("alice", "update", ticket_id=ticket, state="closed")
        await site.call("staff", "update", ticket_id=ticket, state="assigned", assignee="tech", note="请小李去")
        site.clock.advance(timedelta(minutes=45))
        await site.call("tech", "update", ticket_id=ticket, state="in_progress", note="到场")
        await site.call("tech", "update", ticket_id=ticket, state="resolved", note="换了灯管")
        with pytest.raises(ServiceValidationError, match="cannot go from resolved to in_progress"):
            await site.call("tech", "update", ticket_id=ticket, state="in_progress")
        found = site.tickets.tickets[ticket]
        assert found.met_at == found.opened_at + 45 * 60
        assert [(s.state, s.by, s.note, s.assignee) for s in found.history] == [
            ("new", "Alice", None, None), ("assigned", "staff", "请小李去", "tech"), ("in_progress", "tech", "到场", None),
            ("resolved", "tech", "换了灯管", None)]
        assert [a["act"] for a in await audit_acts(site.hub) if a["act"].startswith("ticket_")] == [
            "ticket_opened", "ticket_updated", "ticket_updated", "ticket_updated"]
        await site.call("staff", "update", ticket_id=ticket, state="closed")
        await site.call("staff", "update", ticket_id=ticket, state="reopened", note="住户说又坏了")
        site.clock.advance(timedelta(hours=5))
        await site.settle()
        assert found.overdue_at is None  # met before it was due: no escalation after a reopening
    async with restarted(site_dir, broker, site.clock) as hub:
        kept = get_tickets(hub).tickets[ticket]
        assert [s.state for s in kept.history] == ["new", "assigned", "in_progress", "resolved", "closed", "reopened"]
        assert kept.history[1].at == found.history[1].at and kept.met_at == found.met_at


async def test_an_overdue_deadline_fires_once_even_across_a_restart(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        events = site.record("tickets.overdue")
        ticket = (await site.call("guard", "open", category="repair", household=BOB, description="单元门禁坏了"))[
            "ticket_id"]
        site.clock.advance(timedelta(hours=3, minutes=59))
        await site.settle()
        assert events == []
        site.clock.advance(timedelta(minutes=2))
        await site.settle()
        assert [(e.data["ticket_id"], e.data["minutes_late"]) for e in events] == [(ticket, 1.0)]
    async with restarted(site_dir, broker, site.clock) as hub:
        again: list = []
        hub.bus.listen("tickets.overdue", again.append)
        site.clock.advance(timedelta(hours=1))
        await hub.block_till_done()
        assert again == [] and get_tickets(hub).tickets[ticket].overdue_at is not None


async def test_a_resident_reaches_their_own_household_only(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        mine = (await site.call("alice", "open", category="repair", description="门铃坏了"))["ticket_id"]
        assert site.tickets.tickets[mine].household == ALICE  # the resident's household, not one they name
        with pytest.raises(ServiceValidationError, match=f"household: you open tickets for your own household "
                                                         f"\\({ALICE}\\) only"):
            await site.call("alice", "open", category="repair", household=BOB, description="x")
        for service, data in (("get", {}), ("rate", {"rating": 5})):
            with pytest.raises(ServiceValidationError, match=f"ticket_id: no ticket {mine}"):
                await site.call("bob", service, ticket_id=mine, **data)
        assert (await site.call("bob", "list", household=ALICE))["tickets"] == []
        assert [t["ticket_id"] for t in (await site.call("alice", "list"))["tickets"]] == [mine]
        assert [a["why"] for a in await audit_acts(site.hub) if a["act"] == "ticket_refused"] == [
            "another household", "another household's ticket", "another household's ticket"]
        with pytest.raises(ServiceValidationError, match="category: device_fault tickets are opened by staff"):
            await site.call("alice", "open", category="device_fault", description="x")


async def test_bad_input_is_refused_naming_the_field(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        with pytest.raises(ServiceValidationError, match="household: no household 9-9-0909"):
            await site.call("staff", "open", category="repair", household="9-9-0909", description="x")
        with pytest.raises(ServiceValidationError, match="category: no category 'repiar'.*repair.*"
                                                         r"\(this site's: repair, device_fault, complaint, feedback\)"):
            await site.call("staff", "open", category="repiar", description="x")
        with pytest.raises(ServiceValidationError, match="not 15000000.*description"):
            await site.call("staff", "open", category="repair", description="x" * 15_000_000)
        with pytest.raises(ServiceValidationError, match="ticket_id"):
            await site.call("staff", "update", ticket_id="../etc", state="closed")
        with pytest.raises(ServiceValidationError, match="ticket_id: no ticket T00000000"):
            await site.call("staff", "update", ticket_id="T00000000", state="closed")
        with pytest.raises(ServiceValidationError, match="state"):
            await site.call("staff", "update", ticket_id="T00000000", state="done")
        assert site.tickets.tickets == {}


async def test_ratings_and_the_monthly_report(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        made = []
        for minutes, rating in ((30, 5), (90, 4), (300, None)):
            ticket = (await site.call("alice", "open", category="repair", description="漏水"))["ticket_id"]
            site.clock.advance(timedelta(minutes=minutes))
            await site.settle()
            await site.call("tech", "update", ticket_id=ticket, state="in_progress")
            with pytest.raises(ServiceValidationError, match="it is rated once resolved or closed"):
                await site.call("alice", "rate", ticket_id=ticket, rating=3)
            await site.call("tech", "update", ticket_id=ticket, state="resolved")
            if rating is not None:
                await site.call("alice", "rate", ticket_id=ticket, rating=rating)
            made.append(ticket)
        with pytest.raises(ServiceValidationError, match="a rating is given once"):
            await site.call("alice", "rate", ticket_id=made[0], rating=1)
        with pytest.raises(ServiceValidationError, match="rating from 1 to 5"):
            await site.call("alice", "rate", ticket_id=made[2], rating=6)
        await site.call("bob", "open", category="complaint", description="噪音")
        report = await site.call("staff", "report", month="2026-03")
        rows = {row["category"]: row for row in report["rows"]}
        assert {k: rows["repair"][k] for k in ("count", "met", "unmet", "median_minutes", "p90_minutes", "overdue",
                                               "rated", "mean_rating")} == {
            "count": 3, "met": 3, "unmet": 0, "median_minutes": 90.0, "p90_minutes": 300.0, "overdue": 1,
            "rated": 2, "mean_rating": 4.5}
        assert (rows["complaint"]["count"], rows["complaint"]["unmet"], rows["complaint"]["median_minutes"]) == (1, 1, None)
        assert rows["feedback"]["count"] == 0 and report["totals"]["count"] == 4
        assert "nearest rank" in report["explanation"]
        assert (await site.call("staff", "report", month="2026-02"))["totals"]["count"] == 0


def test_the_90th_percentile_is_by_nearest_rank() -> None:
    assert p90([float(n) for n in range(1, 11)]) == 9.0
    assert p90([float(n) for n in range(1, 12)]) == 10.0
    assert p90([7.0]) == 7.0


async def test_a_deadline_that_passed_while_the_hub_was_down_fires_at_start(site_dir: Path,
                                                                            broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        ticket = (await site.call("staff", "open", category="repair", description="水泵异响"))["ticket_id"]
    site.clock.advance(timedelta(hours=6))  # the hub is down from 10:00 to 16:00; due 14:00
    async with restarted(site_dir, broker, site.clock) as hub:
        events: list = []
        hub.bus.listen("tickets.overdue", events.append)
        site.clock.advance(timedelta(0))  # the hub's first turn: the timers due run
        await hub.block_till_done()
        assert [(e.data["ticket_id"], e.data["minutes_late"]) for e in events] == [(ticket, 120.0)]
