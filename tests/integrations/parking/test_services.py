"""The parking services through the REST API, each as the roles the permission table names:
the fee, a payment (once per payment id), the sessions, a guard's release at either lane."""
from __future__ import annotations

from tests.fixtures_mqtt import BrokerProcess

from .conftest import IN_GATE, OUT_GATE, car_park

__all__ = ["BrokerProcess"]


async def _audit(site, act: str) -> list[dict]:
    await site.hub.recorder.flush()
    return [r.data for r in await site.hub.recorder.query("audit", limit=None, newest_first=False)
            if r.data.get("act") == act]


async def test_the_fee_by_the_lots_tariff_and_bad_data_named(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        status, fee = await site.call("manager", "fee", {"lot": "main", "entered_at": "2026-03-02 18:30",
                                                         "exited_at": "2026-03-02 21:00"})
        assert status == 200 and fee["fee_fen"] == 1100
        assert fee["explanation"].splitlines() == [
            "2 h 30 min is over the 15 min free: charged from entry", "18:30–20:00 day rate 1 h 30 min → 2 h × ¥3.00 = ¥6.00",
            "20:00–21:00 night, flat ¥5.00 per night = ¥5.00", "total ¥11.00"]
        assert await site.call("manager", "fee", {"lot": "garage", "entered_at": "2026-03-02 18:30",
                                                  "exited_at": "2026-03-02 21:00"}) == (
            400, "there is no lot garage (the lots: main)")
        status, message = await site.call("manager", "fee", {"lot": "main", "entered_at": "2026-03-02 18:30",
                                                             "exited_at": "2026-03-02 08:00"})
        assert status == 400 and "is before entered" in message
        status, message = await site.call("manager", "fee", {"lot": "main", "entered_at": "yesterday",
                                                             "exited_at": "2026-03-02 08:00"})
        assert status == 400 and "expected a date and time" in message


async def test_payments_are_taken_once_and_named_wrongly_refused(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤A55555")
        site.later(hours=1)
        await site.read("cam-2", "粤A55555")
        assert site.commands(OUT_GATE) == []
        data = {"plate": "粤a·55555", "amount_fen": 300, "payment_id": "booth-7", "method": "cash"}
        status, paid = await site.call("finance", "pay", data)
        assert status == 200 and (paid["paid_fen"], paid["due_fen"], paid["let_out"]) == (300, 0, True)
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        status, again = await site.call("finance", "pay", data)  # the cashier's retry, after the car left
        assert status == 200 and (again["paid_fen"], again["session_id"], again["repeat"]) == (300, paid["session_id"], True)
        assert len(site.fired("parking_paid")) == 1 and site.parking.books.paid(paid["session_id"]) == 300
        assert await site.call("finance", "pay", {**data, "payment_id": "booth-8", "session_id": paid["session_id"]}) \
            == (400, f"session {paid['session_id']} (粤A5***5) left owing nothing")
        assert await site.call("finance", "pay", {**data, "payment_id": "booth-9"}) == (
            400, "no car 粤A5***5 is inside; pay by session_id")
        status, message = await site.call("finance", "pay", {**data, "amount_fen": 1.5})
        assert status == 400 and "write 150 for ¥1.50" in message
        status, message = await site.call("finance", "pay", {"amount_fen": 100, "payment_id": "x", "method": "cash"})
        assert status == 400 and "name the car: plate or session_id" in message
        [audit] = await _audit(site, "parking_paid")
        assert (audit["by"], audit["plate"], audit["amount_fen"], audit["payment_id"]) == ("finance", "粤A5***5", 300,
                                                                                           "booth-7")


async def test_a_guard_lets_a_car_out_unpaid_and_one_in_refused_both_audited(tmp_path, broker):
    async with car_park(tmp_path, broker, lots=[{"id": "main", "capacity": 10, "admit_temporary": False,
                                                 "temporary_spaces": 2, "tariff": {"price_fen": 500}}]) as site:
        await site.read("cam-1", "粤A55555")
        [refused] = site.fired("parking_refused")
        assert (refused["rule"], refused["shown"]) == ("no_temporary", "外来车辆 请到岗亭登记")
        status, message = await site.call("guard", "open_gate", {"lane": "main-1"})
        assert status == 400 and "reason" in message
        status, opened = await site.call("guard", "open_gate", {"lane": "main-1", "reason": "业主来电确认 访客"})
        assert status == 200 and opened["plate"] == "粤A5***5" and opened["state"] == "opening"
        assert site.commands(IN_GATE) == ["open"]
        session = site.parking.sessions.by_id[opened["session_id"]]
        assert (session.kind, session.rule, session.released_by) == ("temporary", "released", "guard")
        assert session.attention == ["let in by hand by guard: 业主来电确认 访客 (refused: 粤A5***5: a temporary car; lot "
                                     "main takes no temporary cars (visitors are let in when their host confirms))"]
        site.later(hours=2)
        await site.read("cam-2", "粤A55555")
        assert site.fired("parking_payment_due")[0]["due_fen"] == 1000
        status, released = await site.call("guard", "open_gate", {"lane": "main-2", "reason": "司机无手机 明天来补缴"})
        assert status == 200 and (released["session_id"], released["unpaid_fen"]) == (session.id, 1000)
        assert (session.status, session.unpaid_fen) == ("left", 1000)
        assert session.attention[-1] == "let out by hand by guard (司机无手机 明天来补缴): ¥10.00 unpaid"
        assert site.fired("parking_exit")[-1]["rule"] == "released"
        assert site.free() == 10
        assert [(a["lane"], a["by"]) for a in await _audit(site, "parking_gate_opened")] == [("main-1", "guard"),
                                                                                              ("main-2", "guard")]
        assert len(await _audit(site, "barrier_open")) == 2  # and the barrier's own record of a person's raise
        # the driver pays the next day: the debt is settled on the same session
        status, paid = await site.call("finance", "pay", {"session_id": session.id, "amount_fen": 1000,
                                                          "payment_id": "next-day", "method": "cash"})
        assert status == 200 and (paid["paid_fen"], session.unpaid_fen) == (1000, 0)
        status, listed = await site.call("guard", "sessions", {"plate": "粤A55555"})
        assert status == 200 and [(s["plate"], s["unpaid_fen"], s["paid_fen"]) for s in listed["sessions"]] == [
            ("粤A5***5", 0, 1000)]


async def test_the_sessions_by_filter(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        for plate in ("粤B10001", "粤A55555", "粤B66666"):
            await site.read("cam-1", plate)
            site.later(minutes=1)
        status, inside = await site.call("guard", "sessions", {"status": "inside"})
        assert status == 200 and [s["kind"] for s in inside["sessions"]] == ["pass", "temporary", "resident"]
        _status, temporary = await site.call("finance", "sessions", {"kind": "temporary", "limit": 5})
        [car] = temporary["sessions"]
        assert (car["plate"], car["entered_at"], car["entry_lane"], car["due_fen"]) == (
            "粤A5***5", "2026-03-02T10:01:00+08:00", "main-1", 0)
        _status, one = await site.call("manager", "sessions", {"session_id": car["id"]})
        assert [s["id"] for s in one["sessions"]] == [car["id"]]
        _status, none = await site.call("manager", "sessions", {"attention": True})
        assert none["sessions"] == []
