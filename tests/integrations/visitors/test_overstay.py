"""Arriving, leaving and overstaying: a visitor seen at a reader or a camera, ``visitor_overstay``
once (with the figures) for one still in at leave_by, and the visit closed by an exit seen or by
staff — after which the pass is refused, with the time it ended."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.visitors.conftest import ALICE, START, audit_acts, estate, restarted
from xiaoqu.integrations.visitors import get_visitors


async def _confirmed(site, **data) -> tuple[str, str]:
    visit = await site.register(ALICE, **data)
    answer = await site.call("guard", "confirm", visit_id=visit, accept=True, reason="host at the gate")
    return visit, answer.get("token", "")


async def test_a_visitor_still_in_at_leave_by_overstays_once_with_the_figures(site_dir: Path,
                                                                              broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        fired: list = []
        site.hub.bus.listen("visitor_overstay", fired.append)
        visit, token = await _confirmed(site, plate="粤B12345")
        site.clock.advance(timedelta(minutes=5))
        assert site.access.check("qr", token, "gate-1", source="reader").granted
        await site.settle()
        assert site.visitors.visits[visit].entered_at_door == "gate-1"
        site.clock.advance(timedelta(hours=1, minutes=55))  # 12:00, leave_by
        await site.settle()
        site.clock.advance(timedelta(hours=1))
        await site.settle()
        assert len(fired) == 1
        figures = fired[0].data
        assert {key: figures[key] for key in ("visit_id", "household", "name", "plate", "leave_by", "entered_at",
                                              "entered_at_door", "minutes_over", "stayed_minutes")} == {
            "visit_id": visit, "household": ALICE, "name": "王**", "plate": "粤B1***5",
            "leave_by": "2026-03-02T12:00:00+08:00", "entered_at": "2026-03-02T10:05:00+08:00",
            "entered_at_door": "gate-1", "minutes_over": 0, "stayed_minutes": 115}
        assert site.visitors.visits[visit].status == "overstay"
        # staff close it an hour later: the figures say how long over, and the pass ends then
        closed: list = []
        site.hub.bus.listen("visitor_closed", closed.append)
        answer = await site.call("guard", "checkout", visit_id=visit, reason="left on foot, unseen")
        await site.settle()
        assert answer["status"] == "closed" and closed[0].data["minutes_over"] == 60
        assert closed[0].data["closed_by"] == "guard (left on foot, unseen)"
        assert [a["visit"] for a in await audit_acts(site.hub) if a["act"] == "visitor_closed"] == [visit]
        steps = [r.data["step"] for r in await site.hub.recorder.query("visitors", subject=visit, newest_first=False)]
        assert steps == ["registered", "answered", "entered", "overstay", "closed"]
    # a restart does not fire it again
    async with restarted(site_dir, broker, site.clock) as hub:
        again: list = []
        hub.bus.listen("visitor_overstay", again.append)
        site.clock.advance(timedelta(hours=1))
        await hub.block_till_done()
        assert again == [] and get_visitors(hub).visits[visit].status == "closed"


async def test_leave_by_passed_while_the_hub_was_down_is_an_overstay_at_start(site_dir: Path,
                                                                             broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit, _token = await _confirmed(site)
    site.clock.advance(timedelta(hours=3))
    async with restarted(site_dir, broker, site.clock) as hub:
        await hub.block_till_done()
        overstaying = get_visitors(hub).visits[visit]
        assert overstaying.status == "overstay" and overstaying.overstay_at == (START + timedelta(hours=3)).timestamp()


async def test_a_visitor_seen_leaving_closes_the_visit_and_ends_the_pass(site_dir: Path,
                                                                        broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        car, _ = await _confirmed(site, plate="粤B12345")
        site.hub.bus.fire("plate_read", {"camera": "cam-1", "plate": "粤B12345", "direction": "in"})
        await site.settle()
        assert site.visitors.visits[car].entered_at_door == "cam-1"
        site.clock.advance(timedelta(minutes=40))
        site.hub.bus.fire("plate_read", {"camera": "cam-9", "plate": "粤B12345", "direction": None})  # which way?
        await site.settle()
        assert site.visitors.visits[car].status == "confirmed"
        site.hub.bus.fire("plate_read", {"camera": "cam-2", "plate": "粤B12345", "direction": "out"})
        await site.settle()
        left = site.visitors.visits[car]
        assert (left.status, left.exit, left.closed_by) == ("closed", "cam-2", "seen leaving at cam-2")
        denied = site.access.check("plate", "粤B12345", "main-1")
        assert denied.rule == "credential:validity" and denied.reason.endswith("expired 2026-03-02 10:40")
        # on foot: the pass shown at an exit reader, even once it no longer opens
        walker, token = await _confirmed(site)
        site.clock.advance(timedelta(hours=3))
        await site.settle()
        assert site.visitors.visits[walker].status == "overstay"
        assert site.access.check("qr", token, "gate-2", source="reader").granted is False
        await site.settle()
        assert (site.visitors.visits[walker].status, site.visitors.visits[walker].exit) == ("closed", "gate-2")


async def test_the_blueprint_tells_the_guard_room_and_the_host(site_dir: Path, broker: BrokerProcess) -> None:
    config = {"notify": [{"name": "guard_room"}, {"name": "residents"}], "automation": [{
        "id": "visitor_overstay", "use_blueprint": {"path": "visitor_overstay.yaml", "input": {
            "guard_room": "notify.guard_room", "host": "notify.residents"}}}]}
    async with estate(site_dir, broker, config=config) as site:
        sent: list = []
        site.hub.bus.listen("notification_sent", sent.append)
        visit, token = await _confirmed(site, plate="粤B12345")
        site.access.check("qr", token, "gate-1", source="reader")
        site.clock.advance(timedelta(hours=2))
        await site.settle()
        await site.settle()
        told = {event.data["target"]: event.data for event in sent}
        assert set(told) == {"guard_room", "residents"}
        assert told["guard_room"]["message"] == (
            f"Visitor 王** (粤B1***5) of household {ALICE} (探亲访友 Visiting) was to leave by 12:00 and has not been "
            f"seen leaving; came in at 10:00 through gate-1. Visit {visit}, registered by guard.")
        assert told["residents"]["recipients"] == [ALICE] and "王**" in told["residents"]["message"]
