"""A registered visitor's car at the main gate, with visitors set up (docs/parking.md, "Entry";
docs/visitors.md): confirmed by the host it comes in on its plate permission; pending, refused
by the host, or expired unanswered it is refused with the reason on the display and in the
event — not let in as a paying temporary car; a stranger with no visit still comes in as one.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from xiaoqu.core.bus import Context
from xiaoqu.integrations.visitors import get_visitors

from .conftest import START, Site, car_park

VISITORS = {"visitors": {"lanes": ["main-1"], "max_stay": {"hours": 12}}}
PLATE = "粤C88888"


async def _visitors(site: Site, service: str, **data: Any) -> Any:
    user = site.hub.data["auth"].manager.user_by_name("guard").id
    answer = await site.hub.services.call("visitors", service, data, context=Context(user_id=user, source="api"),
                                          return_response=True)
    await site.settle()
    return answer


async def _register(site: Site, plate: str = PLATE) -> str:
    answer = await _visitors(site, "register", name="王小明", phone="13912345678", host_household="2-1-0301",
                             plate=plate, purpose="visit", leave_by=(START + timedelta(hours=2)).isoformat())
    return str(answer["visit_id"])


async def test_a_pending_visitor_waits_for_the_host_and_a_confirmed_one_comes_in(tmp_path, broker):
    async with car_park(tmp_path, broker, sections=VISITORS) as site:
        visit = await _register(site, "粤c 88888")  # normalised at registration, as the camera reads it
        await site.read("cam-1", PLATE)
        [refused] = site.fired("parking_refused")
        assert (refused["rule"], refused["shown"]) == ("visit:pending", "访客待业主确认 waiting for host")
        assert refused["reason"] == (f"denied: 粤C8***8: a temporary car; visit {visit} for household 2-1-0301 is "
                                     "waiting for the host to confirm; the car comes in when the host confirms")
        assert site.last_shown("led-1")["lines"][-1] == "访客待业主确认 waiting for host"
        assert not site.fired("parking_entry") and site.commands("barrier.main_gate_lane_1") == []

        await _visitors(site, "confirm", visit_id=visit, accept=True, reason="host confirmed by phone")
        site.later(minutes=2)  # a read of the same plate within lpr's fold window is the same read
        await site.read("cam-1", PLATE)
        [entry] = site.fired("parking_entry")
        assert (entry["kind"], entry["rule"]) == ("visitor", "visitor")
        assert await site.wait_commands("barrier.main_gate_lane_1", 1) == ["open"]


async def test_a_car_the_host_refused_is_turned_away_and_a_stranger_still_comes_in(tmp_path, broker):
    async with car_park(tmp_path, broker, sections=VISITORS) as site:
        visit = await _register(site)
        await _visitors(site, "confirm", visit_id=visit, accept=False, reason="host asked to turn them away")
        await site.read("cam-1", PLATE)
        [refused] = site.fired("parking_refused")
        assert (refused["rule"], refused["shown"]) == ("visit:refused", "业主已拒绝 host refused")
        assert refused["reason"].endswith(f"visit {visit} for household 2-1-0301: host refused (guard: host asked "
                                          "to turn them away)")

        await site.read("cam-1", "粤A77777")  # no visit: a temporary car, as before
        [entry] = site.fired("parking_entry")
        assert (entry["kind"], entry["rule"]) == ("temporary", "temporary")


async def test_a_visit_nobody_answered_ends_at_its_leave_by(tmp_path, broker):
    async with car_park(tmp_path, broker, sections=VISITORS) as site:
        visit = await _register(site)
        site.later(hours=2, minutes=5)
        await site.settle()
        assert get_visitors(site.hub).plate_status(PLATE).status == "expired"  # type: ignore[union-attr]
        await site.read("cam-1", PLATE)
        [refused] = site.fired("parking_refused")
        assert (refused["rule"], refused["shown"]) == ("visit:expired", "访客登记已过期 visit ended at 12:00")
        assert f"visit {visit} for household 2-1-0301 ended at 2026-03-02 12:00 unanswered" in refused["reason"]
        site.later(days=1)  # a day after it ended, the car is a stranger again
        await site.read("cam-1", PLATE)
        assert [entry["kind"] for entry in site.fired("parking_entry")] == ["temporary"]


async def test_without_visitors_a_registered_plate_is_just_a_car(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        assert site.parking.rules.visit_of is None
        await site.read("cam-1", PLATE)
        assert [entry["kind"] for entry in site.fired("parking_entry")] == ["temporary"]
