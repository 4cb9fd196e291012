"""Registering a visitor and the host's answer through the services, as the guard, the host,
another household and staff: what is kept (sealed), shown (masked), issued (passes from access)
and refused (with the sentence, audited)."""
from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.visitors.conftest import ALICE, BOB, START, audit_acts, estate
from xiaoqu.core.errors import HubError, ServiceValidationError, Unauthorized
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.visitors.callers import caller_of

NAME, PHONE = "王小明", "13912345678"


async def test_a_registered_visitor_is_sealed_at_rest_and_masked_everywhere(site_dir: Path,
                                                                             broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        events: list = []
        for kind in ("visitor_requested", "call_service"):
            site.hub.bus.listen(kind, events.append)
        visit = await site.register(ALICE, plate="粤b·123 45")
        answer = (await site.call("guard", "log"))["visits"][0]
        assert (answer["visit_id"], answer["name"], answer["phone"], answer["plate"], answer["status"]) == (
            visit, "王**", "139****5678", "粤B1***5", "pending")
        request = await site.probe.wait_for(f"xiaoqu/demo/household/{ALICE}/visitors/request")
        shown = json.loads(request.payload)
        assert shown["visit_id"] == visit and shown["name"] == "王**" and shown["phone"] == "139****5678"
        assert shown["plate"] == "粤B1***5" and shown["answer_topic"] == f"visitors/{visit}/answer"
        await site.settle()
        requested = next(e for e in events if e.event_type == "visitor_requested")
        assert requested.data["household"] == ALICE and requested.data["registered_by"] == "guard"
        records = await site.hub.recorder.query("visitors", subject=visit)
        everything = json.dumps([e.data for e in events] + [r.data for r in records] + await audit_acts(site.hub),
                                ensure_ascii=False, default=str)
        assert NAME not in everything and PHONE not in everything and "粤B12345" not in everything
        assert [r.data["step"] for r in records] == ["registered"]
    with sqlite3.connect(site_dir / ".xiaoqu" / "visitors.db") as db:
        stored = " ".join(str(row) for row in db.execute("SELECT * FROM visits"))
    assert visit in stored and NAME not in stored and PHONE not in stored and "王**" in stored


async def test_what_a_registration_may_not_be(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        def by(hours: float) -> str:
            return (START + timedelta(hours=hours)).isoformat()

        cases = {
            "leave_by: 2026-03-02 09:00 has passed": {"leave_by": by(-1)},
            r"is 13 h away; a visit for visit lasts at most 12 h \(visitors: max_stay\)": {"leave_by": by(13)},
            r"is 2 h away; a visit for delivery lasts at most 1 h \(visitors: purposes: delivery: max_stay\)": {
                "purpose": "delivery", "leave_by": by(2)},
            "host_household: no household 9-9-0909": {"host_household": "9-9-0909"},
            "purpose: expected one of visit, delivery, not 'party'": {"purpose": "party"},
            r"plate: not a plate \(": {"plate": "hello"},
        }
        for message, data in cases.items():
            with pytest.raises(ServiceValidationError, match=message):
                await site.register(**{"household": data.pop("host_household", ALICE), **data})
        first = await site.register(ALICE, plate="粤B12345")
        with pytest.raises(ServiceValidationError, match=f"粤B1\\*\\*\\*5 is on visit {first}, open until 2026-03-02 12:00"):
            await site.register(BOB, plate="粤B 12345")
        with pytest.raises(Unauthorized):
            await site.register(ALICE, by="alice")
        assert list(site.visitors.visits) == [first]


async def test_the_host_confirms_and_the_visitor_passes_until_leave_by(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE, plate="粤B12345")
        answer = await site.call("alice", "confirm", visit_id=visit, accept=True)
        assert answer["status"] == "confirmed" and "token" not in answer  # the host's app gets it on its topic
        passes = answer["visit"]["passes"]
        assert (passes["doors"], passes["lanes"], passes["valid_until"]) == (
            ["gate-1", "b1-u1"], ["main-1"], "2026-03-02T12:00:00+08:00")
        sent = await site.probe.wait_for(f"xiaoqu/demo/household/{ALICE}/visitors/{visit}/pass")
        token = json.loads(sent.payload)["token"]
        assert token == site.visitors.show_pass(visit, caller_of(site.hub, site.user("staff")))["token"]
        access = site.access
        for door, granted in (("gate-1", True), ("b1-u1", True), ("b2-u1", False)):
            assert access.check("qr", token, door).granted is granted
        car = access.check("plate", "粤B12345", "main-1")
        assert (car.granted, car.household) == (True, ALICE)
        assert access.check("plate", "粤B12345", "gate-1").rule == "door:kind"
        site.clock.advance(timedelta(hours=2, minutes=1))
        late = access.check("qr", token, "gate-1")
        assert (late.granted, late.rule) == (False, "credential:validity")
        assert late.reason.endswith(f"(访客 王** → {ALICE} ({visit})) expired 2026-03-02 12:00")
        car = access.check("plate", "粤B12345", "main-1")
        assert (car.rule, car.reason) == (
            "credential:validity", f"denied: plate 粤B1***5 (访客 王** → {ALICE} ({visit})) expired 2026-03-02 12:00")


async def test_another_households_visit_is_not_found_and_the_attempt_audited(site_dir: Path,
                                                                             broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE)
        for asked in (visit, "V00000000"):
            with pytest.raises(ServiceValidationError, match=f"^visit {asked} is not found$"):
                await site.call("bob", "confirm", visit_id=asked, accept=True)
        assert site.visitors.visits[visit].status == "pending"
        assert (await site.call("bob", "log", household=ALICE))["visits"] == []  # his own, whatever he asks
        refused = [a for a in await audit_acts(site.hub) if a["act"] == "visitor_answer_refused"]
        assert [(a["by"], a["visit"], a["why"]) for a in refused] == [
            ("bob", visit, "another household's visit"), ("bob", "V00000000", "no such visit")]
        await site.call("alice", "confirm", visit_id=visit, accept=False)
        with pytest.raises(HubError, match=f"visit {visit} was refused by Alice; it takes no answer now"):
            await site.call("alice", "confirm", visit_id=visit, accept=True)


async def test_a_refused_visitor_gets_no_pass(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE, plate="粤B12345")
        answer = await site.call("alice", "confirm", visit_id=visit, accept=False)
        assert answer["status"] == "refused" and answer["visit"]["passes"] is None
        assert site.access.check("plate", "粤B12345", "main-1").rule == "credential:unknown"
        status = await site.probe.wait_until(lambda: [json.loads(p) for p in site.probe.payloads(
            f"xiaoqu/demo/household/{ALICE}/visitors/{visit}/status")])
        assert status[-1]["status"] == "refused"


async def test_staff_answer_for_the_host_only_with_a_reason_and_are_audited(site_dir: Path,
                                                                             broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE, plate="粤B12345")
        with pytest.raises(ServiceValidationError, match="reason: staff answering for the host say why"):
            await site.call("guard", "confirm", visit_id=visit, accept=True)
        answer = await site.call("guard", "confirm", visit_id=visit, accept=True, reason="host confirmed by phone")
        assert answer["visit"]["answered_how"] == "staff" and site.access.check("qr", answer["token"], "gate-1").granted
        # a revocation ends the passes at once, with the time
        site.clock.advance(timedelta(minutes=10))
        await site.call("staff", "confirm", visit_id=visit, accept=False, reason="host asked to turn them away")
        denied = site.access.check("qr", answer["token"], "gate-1")
        assert denied.rule == "credential:validity" and denied.reason.endswith("expired 2026-03-02 10:10")
        again = await site.call("staff", "confirm", visit_id=visit, accept=True, reason="host changed their mind")
        assert site.access.check("plate", "粤B12345", "main-1").granted and again["status"] == "confirmed"
        overrides = [a for a in await audit_acts(site.hub) if a["act"] == "visitor_override"]
        assert [(a["by"], a["accept"], a["previous"], a["reason"]) for a in overrides] == [
            ("guard", True, "pending", "host confirmed by phone"), ("staff", False, "confirmed", "host asked to turn them away"),
            ("staff", True, "refused", "host changed their mind")]


async def test_an_unanswered_visit_expires_at_leave_by(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        expired: list = []
        site.hub.bus.listen("visitor_expired", expired.append)
        visit = await site.register(ALICE, leave_by=(START + timedelta(minutes=30)).isoformat())
        site.clock.advance(timedelta(minutes=30))
        await site.settle()
        assert site.visitors.visits[visit].status == "expired" and len(expired) == 1
        with pytest.raises(HubError, match=f"visit {visit} was expired; it takes no answer now"):
            await site.call("alice", "confirm", visit_id=visit, accept=True)
        with pytest.raises(HubError, match=f"visit {visit} is expired; register the visitor again"):
            await site.call("guard", "confirm", visit_id=visit, accept=True, reason="host phoned late")
        refused = await site.register(ALICE, leave_by=(START + timedelta(hours=1)).isoformat())
        await site.call("alice", "confirm", visit_id=refused, accept=False)
        site.clock.advance(timedelta(hours=1))
        with pytest.raises(HubError, match=f"visit {refused} ended at its leave_by, 11:00; register the visitor again"):
            await site.call("guard", "confirm", visit_id=refused, accept=True, reason="host phoned late")


async def test_the_visitors_data_in_clear_only_to_managers_and_audited(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE)
        assert (await site.call("staff", "reveal", visit_id=visit, field="phone"))["value"] == PHONE
        assert (await site.call("staff", "reveal", visit_id=visit, field="name"))["value"] == NAME
        with pytest.raises(Unauthorized):
            await site.call("guard", "reveal", visit_id=visit, field="phone")
        reads = [(a["by"], a["field"]) for a in await audit_acts(site.hub) if a["act"] == "visitor_personal_data_read"]
        assert reads == [("staff", "phone"), ("staff", "name")]



async def test_a_residents_car_gets_no_permission_and_the_answer_says_why(site_dir: Path,
                                                                         broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        await get_residents(site.hub).add_vehicle("沪A12345", BOB)
        visit = await site.register(ALICE, plate="沪A12345")
        passes = (await site.call("alice", "confirm", visit_id=visit, accept=True))["visit"]["passes"]
        assert passes["plate"] is None and passes["qr"] is not None
        assert passes["notes"] == [f"no plate permission: plate 沪A1***5 is a car of household {BOB}; it needs no permission"]
