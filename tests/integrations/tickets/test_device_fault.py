"""The issue's second Done-when: a simulated barrier fault opens a ticket with the device attached
and the right deadline; the deadline passing escalates it; the barrier recovering closes it. All
through the two blueprints a site would use, on barrier's own fault episodes, on the hub's clock."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.barrier.conftest import Gate
from tests.integrations.tickets.conftest import estate, restarted
from xiaoqu.integrations.barrier import BarrierState
from xiaoqu.integrations.tickets import get_tickets

GATE = "barrier.north_gate"
AUTOMATIONS = [
    {"id": "fault_tickets", "use_blueprint": {"path": "device_fault_ticket.yaml", "input": {
        "category": "device_fault"}}},
    {"id": "ticket_escalation", "use_blueprint": {"path": "ticket_deadline_escalation.yaml", "input": {
        "manager": "notify.manager", "escalate_to": "staff"}}},
]


async def test_a_barrier_fault_opens_escalates_and_closes_one_ticket(site_dir: Path, broker: BrokerProcess) -> None:
    gate = Gate("North gate")
    async with estate(site_dir, broker, gates=(gate,), barrier=None, automation=AUTOMATIONS,
                      notify=[{"name": "manager"}]) as site:
        events = site.record("tickets.opened", "tickets.updated", "tickets.overdue", "tickets.closed")
        told: list = []
        site.hub.bus.listen("notification_sent", told.append)
        gate.report(BarrierState.CLOSED)
        await site.settle()

        gate.report(BarrierState.FAULT, fault="motor overload")  # 10:00
        await site.settle()
        (ticket,) = site.tickets.tickets.values()
        assert (ticket.device, ticket.category, ticket.state, ticket.household) == (GATE, "device_fault", "new", None)
        assert "North gate" in ticket.description and "motor overload" in ticket.description
        assert site.tickets.shown(ticket)["due"] == "2026-03-02T12:00:00+08:00"  # arrive within 2 clock hours
        assert ticket.rule.startswith("arrive within 2 clock hours")

        # it flaps: sound for five minutes, then in fault again; still the one ticket, kept open
        site.clock.advance(timedelta(minutes=20))
        gate.report(BarrierState.CLOSED)
        await site.settle()
        site.clock.advance(timedelta(minutes=5))
        await site.settle()
        gate.report(BarrierState.FAULT, fault="motor overload")
        await site.settle()
        site.clock.advance(timedelta(minutes=30))  # past the 10 minutes' hold of the first recovery
        await site.settle()
        assert len(site.tickets.tickets) == 1 and ticket.state == "new" and ticket.recovered_at is None
        assert [e.event_type for e in events] == ["tickets.opened", "tickets.updated", "tickets.updated"]

        # 12:00 passes unmet: tickets.overdue once, the manager told, the ticket handed to staff
        site.clock.advance(timedelta(minutes=66))  # 11:01 -> 12:07
        await site.settle()
        overdue = [e.data for e in events if e.event_type == "tickets.overdue"]
        assert len(overdue) == 1
        assert {key: overdue[0][key] for key in ("ticket_id", "category", "deadline", "due", "state", "opened")} == {
            "ticket_id": ticket.id, "category": "device_fault", "deadline": "arrive",
            "due": "2026-03-02T12:00:00+08:00", "state": "new", "opened": "2026-03-02T10:00:00+08:00"}
        (sent,) = [e.data for e in told if e.data["target"] == "manager"]
        assert ticket.id in sent["message"] and "arrive within 2 clock hours" in sent["message"]
        assert (ticket.state, ticket.assignee) == ("assigned", "staff")
        assert ticket.history[-1].note.startswith("escalated: due 2026-03-02T12:00:00+08:00")

        # the gate recovers and stays sound for the hold: closed, once
        gate.report(BarrierState.CLOSED)
        await site.settle()
        assert ticket.state == "assigned"
        site.clock.advance(timedelta(minutes=10))
        await site.settle()
        assert ticket.state == "closed" and ticket.closed_at is not None
        assert [e.data["ticket_id"] for e in events if e.event_type == "tickets.closed"] == [ticket.id]
        assert ticket.history[-1].note == f"device {GATE} sound for 10 min: closed on recovery"
        site.clock.advance(timedelta(hours=5))
        await site.settle()
        assert len([e for e in events if e.event_type == "tickets.overdue"]) == 1
        # a new fault after the close is a new episode, and a new ticket
        gate.report(BarrierState.FAULT, fault="arm breakaway")
        await site.settle()
        assert len(site.tickets.tickets) == 2


async def test_a_camera_offline_and_a_silent_door_each_open_one_ticket(site_dir: Path, broker: BrokerProcess) -> None:
    """cctv's and door's events by their names, as those integrations fire them."""
    async with estate(site_dir, broker, automation=AUTOMATIONS[:1]) as site:
        offline = {"camera": "cam-lobby", "since": "2026-03-02T10:00:00+08:00", "reason": "no TCP answer"}
        silent = {"door": "b1-u1", "entity_id": "lock.b1_u1", "name": "1栋1单元", "area": "b1",
                  "reason": "nothing heard for 180 s"}
        for event_type, data in (("cctv.camera_offline", offline), ("door_unavailable", silent),
                                 ("door_fault", silent), ("cctv.camera_offline", offline)):
            site.hub.bus.fire(event_type, data)
            await site.settle()
        by_device = {t.device: t for t in site.tickets.tickets.values()}
        assert set(by_device) == {"cctv:cam-lobby", "lock.b1_u1"}
        assert "no TCP answer" in by_device["cctv:cam-lobby"].description
        assert by_device["cctv:cam-lobby"].history[-1].note.startswith("reported again")
        site.hub.bus.fire("cctv.camera_online", {"camera": "cam-lobby", "since": "2026-03-02T10:05:00+08:00"})
        site.hub.bus.fire("door_available", {k: v for k, v in silent.items() if k != "reason"})
        await site.settle()
        site.clock.advance(timedelta(minutes=10))
        await site.settle()
        assert {t.state for t in site.tickets.tickets.values()} == {"closed"}


async def test_a_ticket_reopened_after_its_device_recovered_stays_open_across_a_restart(
        site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        ticket = (await site.call("staff", "open", category="device_fault", device=GATE, description="抬杆故障"))[
            "ticket_id"]
        await site.call("staff", "device_recovered", device=GATE)
        site.clock.advance(timedelta(minutes=10))
        await site.settle()
        assert site.tickets.tickets[ticket].state == "closed"
        await site.call("staff", "update", ticket_id=ticket, state="reopened", note="道闸仍有异响")
    async with restarted(site_dir, broker, site.clock) as hub:
        site.clock.advance(timedelta(hours=1))
        await hub.block_till_done()
        assert get_tickets(hub).tickets[ticket].state == "reopened"
