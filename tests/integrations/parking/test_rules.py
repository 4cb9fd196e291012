"""The gate's rules for what goes wrong, over the real broker: a car leaving with no entry, a
misread at the exit, a cloned plate, a full lot, counts that would go below zero, and data that
is not the car's own (another household's space, another car's session)."""
from __future__ import annotations

from datetime import timedelta

from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.integrations.access import get_access

from .conftest import IN_GATE, LOT, OUT_GATE, START, car_park

__all__ = ["BrokerProcess"]


async def test_a_car_leaving_with_no_entry_is_charged_by_the_rule_and_queued_for_the_guard(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-2", "粤A77777")
        [due] = site.fired("parking_payment_due")
        [attention] = site.fired("parking_attention")
        assert attention["reason"] == ("no car inside is 粤A7***7 or one character away from it; no entry on record: "
                                       "charged ¥36.00 by the no-entry rule")
        _status, day = await site.call("manager", "fee", {"lot": "main", "entered_at": "2026-03-01T10:00:00+08:00",
                                                          "exited_at": "2026-03-02T10:00:00+08:00"})
        assert due["due_fen"] == day["fee_fen"] == 3600  # two calendar days: ¥30.00 (capped) and ¥6.00
        assert due["explanation"][:2] == ["no car inside is 粤A7***7 or one character away from it",
                                          "no entry on record: charged as a stay of 24 h ending now"]
        assert site.commands(OUT_GATE) == []
        await site.pay_order(due["order_id"])
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        assert site.free() == 10 and site.parking.occupancy["main"].occupied == 0  # it was never counted in
        _status, listed = await site.call("guard", "sessions", {"attention": True})
        [session] = listed["sessions"]
        assert (session["matched"], session["entered_at"], session["status"], session["paid_fen"]) == (
            "unmatched", None, "left", 3600)
        # a resident's car whose entry was missed leaves free: nothing to charge, nothing for the guard
        site.later(minutes=5)
        await site.read("cam-2", "粤B10001")
        assert await site.wait_commands(OUT_GATE, 2) == ["open", "open"]
        left = site.fired("parking_exit")[-1]
        assert (left["kind"], left["fee_fen"], left["matched"]) == ("resident", 0, "unmatched")
        assert left["explanation"][-1] == "no entry on record: leaves free"
        assert len(site.fired("parking_attention")) == 1


async def test_a_fixed_fee_for_exits_with_no_entry(tmp_path, broker):
    async with car_park(tmp_path, broker, lots=[{**LOT, "unmatched_fee_fen": 2000}]) as site:
        await site.read("cam-2", "粤A77777")
        [due] = site.fired("parking_payment_due")
        assert (due["due_fen"], due["explanation"][1:]) == (
            2000, ["no entry on record: lot main charges ¥20.00 for a car leaving with no entry"])


async def test_a_misread_at_the_exit_is_matched_when_only_one_car_fits(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        for plate in ("粤A12348", "粤C12346"):
            await site.read("cam-1", plate)
            site.later(seconds=10)
        site.later(hours=1)
        await site.read("cam-2", "粤A1234B")  # B for 8: only 粤A12348 is one camera confusion away
        [due] = site.fired("parking_payment_due")
        session = site.parking.sessions.by_id[due["session_id"]]
        assert (session.plate, session.matched, session.read_as) == ("粤A12348", "fuzzy", "粤A1234B")
        assert due["explanation"][0] == ("read 粤A1***B taken for 粤A1***8, the only car inside one camera confusion "
                                         "away (B for 8)")
        assert due["fee_fen"] == 300


async def test_a_misread_close_to_two_cars_is_not_guessed(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        for plate in ("粤A12348", "粤A12346"):
            await site.read("cam-1", plate)
            site.later(seconds=10)
        site.later(hours=1)
        await site.read("cam-2", "粤A12347")
        [attention] = site.fired("parking_attention")
        assert attention["reason"].startswith("read 粤A1***7 is one character away from 2 cars inside (粤A1***6, "
                                              "粤A1***8): not guessed; no entry on record: charged ¥")
        assert all(s.open for s in site.parking.sessions.by_id.values() if s.plate != "粤A12347")


async def test_a_cloned_plate_is_flagged(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤B10001")
        site.later(hours=2)
        await site.read("cam-1", "粤B10001")  # the same plate entering while it is inside
        [cloned] = site.fired("parking_plate_cloned")
        assert len(cloned["sessions"]) == 2 and cloned["reason"].startswith(
            "plate 粤B1***1 entered at main-1 while inside since 2026-03-02 10:00")
        assert len(site.fired("parking_attention")) == 2
        assert site.parking.occupancy["main"].occupied == 2
        assert await site.wait_commands(IN_GATE, 2) == ["open", "open"]
        # a read again within the repeat window is no clone: nothing happens
        site.later(seconds=30)
        await site.read("cam-1", "粤B10001")
        assert len(site.fired("parking_plate_cloned")) == 1 and len(site.fired("parking_entry")) == 2


async def test_occupancy_never_goes_below_zero_and_staff_correct_it_audited(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤A55555")
        status, message = await site.call("guard", "set_occupancy", {"lot": "main", "occupied": 0, "reason": "walk"})
        assert status == 403, message
        status, answer = await site.call("manager", "set_occupancy", {"lot": "main", "occupied": 0,
                                                                      "reason": "walk round at 10:00: the lot is empty"})
        assert status == 200 and (answer["before"], answer["occupied"], answer["free"]) == (
            {"occupied": 1, "temporary": 1}, 0, 10)
        assert site.free() == 10
        site.later(hours=1)
        status, _ = await site.call("finance", "pay", {"plate": "粤A55555", "amount_fen": 300, "payment_id": "p-1",
                                                       "method": "cash"})
        await site.read("cam-2", "粤A55555")
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        count = site.parking.occupancy["main"]
        assert (count.occupied, count.temporary, site.free()) == (0, 0, 10)
        await site.hub.recorder.flush()
        audit = [r.data for r in await site.hub.recorder.query("audit", limit=None)
                 if r.data.get("act") == "parking_occupancy_set"]
        assert [(a["by"], a["lot"], a["after"], a["reason"]) for a in audit] == [
            ("manager", "main", {"occupied": 0, "temporary": 0}, "walk round at 10:00: the lot is empty")]


async def test_a_full_lot_refuses_temporary_cars_but_not_passes_or_spaces(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        for plate in ("粤A00001", "粤A00002", "粤A00003"):
            await site.read("cam-1", plate)
        await site.read("cam-1", "粤A00004")
        [refused] = site.fired("parking_refused")
        assert (refused["rule"], refused["shown"]) == ("lot_full", "车位已满")
        assert refused["reason"] == ("粤A0***4: a temporary car; lot main is full: 3 of 3 temporary spaces taken, "
                                     "3 cars in 10 spaces")
        assert site.last_shown("led-1", "idle")["lines"] == ["余位 7", "临时车位已满"]
        await site.read("cam-1", "粤B66666")
        await site.read("cam-1", "粤B20002")
        assert [e["kind"] for e in site.fired("parking_entry")][-2:] == ["pass", "resident"]
        assert await site.wait_commands(IN_GATE, 5) == ["open"] * 5


async def test_another_households_space_or_car_is_not_taken(tmp_path, broker):
    mixed = {**LOT, "fixed_spaces": [*LOT["fixed_spaces"],
                                     {"space": "A-003", "household": "1-1-0101", "plates": ["粤B30003"]}]}
    async with car_park(tmp_path, broker, lots=[mixed]) as site:
        await site.read("cam-1", "粤B30003")  # listed for 1-1-0101's space, but 2-1-0301's car
        entry = site.fired("parking_entry")[-1]
        assert (entry["kind"], entry["notes"]) == ("temporary", [
            "粤B3***3 is listed for space A-003 of household 1-1-0101, but residents has it as a car of household "
            "2-1-0301: not taken for that space"])
        await site.read("cam-1", "粤B20002")
        await site.read("cam-1", "粤B20003")  # the household's second car: its one space is taken
        second = site.fired("parking_entry")[-1]
        assert second["kind"] == "temporary" and second["notes"][0].startswith("space A-002 is taken by 粤B2***2")
        sessions = {s.plate: s.id for s in site.parking.sessions.by_id.values()}
        status, message = await site.call("finance", "pay", {"plate": "粤B20002", "session_id": sessions["粤B20003"],
                                                             "amount_fen": 100, "payment_id": "p-9", "method": "cash"})
        assert (status, message) == (400, f"session {sessions['粤B20003']} is not 粤B2***2's: check the plate or the session")
        status, _ = await site.call("resident", "sessions", {})
        assert status == 403
        status, _ = await site.call("resident", "pay", {"plate": "粤B20002", "amount_fen": 100, "payment_id": "p-9",
                                                        "method": "cash"})
        assert status == 403  # guards take the fee at the booth; a resident cannot mark a car paid
        await site.read("cam-9", "粤A99999")  # a camera that is no lane's
        assert len(site.fired("parking_entry")) == 3 and not site.fired("parking_refused")


async def test_a_visitors_car_parks_free_until_its_permission_ends(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await get_access(site.hub).add_credential({"type": "plate", "plate": "粤C88888", "groups": ["visitor_cars"],
                                                   "household": "1-1-0101", "label": "访客 王*",
                                                   "valid_until": START + timedelta(hours=2)}, by="guard")
        await site.read("cam-1", "粤C88888")
        [entry] = site.fired("parking_entry")
        assert (entry["kind"], entry["reason"]) == ("visitor", "粤C8***8: a visitor's car (访客 王*), permitted until "
                                                               "2026-03-02 12:00")
        assert site.parking.occupancy["main"].temporary == 1
        site.later(hours=3)
        await site.read("cam-2", "粤C88888")
        [due] = site.fired("parking_payment_due")
        assert due["fee_fen"] == 300 and due["explanation"][0] == "its permission ended 2026-03-02 12:00: charged from then"
        # after it ended, the same car is refused at the entry with access's reason
        await site.read("cam-1", "粤C88888")
        [refused] = site.fired("parking_refused")
        assert (refused["rule"], refused["shown"]) == ("credential:validity", "授权已过期 请联系业主")


async def test_where_residents_park_free_a_households_car_needs_no_space(tmp_path, broker):
    async with car_park(tmp_path, broker, lots=[{**LOT, "residents_free": True}]) as site:
        await site.read("cam-1", "粤B30003")
        [entry] = site.fired("parking_entry")
        assert (entry["kind"], entry["rule"], entry["reason"]) == (
            "resident", "resident", "粤B3***3: a car of household 2-1-0301; lot main lets residents' cars park free")
        assert site.parking.occupancy["main"].temporary == 0
        site.later(hours=5)
        await site.read("cam-2", "粤B30003")
        [left] = site.fired("parking_exit")
        assert (left["fee_fen"], left["explanation"][-1]) == (0, "a resident's car: not charged")


async def test_a_gate_that_does_not_confirm_opening_calls_the_guard(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        site.gates.obey = False  # the arm is locked: commands are taken, nothing moves
        await site.read("cam-1", "粤B10001")
        await site.probe.wait_until(lambda: site.fired("parking_attention"), timeout=10)
        await site.settle()
        [attention] = site.fired("parking_attention")
        assert attention["reason"] == ("the gate did not open: barrier.main_gate_lane_1 did not confirm opening within "
                                       "2 s (it reports closed)")
        assert site.last_shown("led-1")["lines"] == ["粤B1***1", "请稍候 保安处理中"]


async def test_a_clock_set_back_after_an_entry_does_not_let_a_temporary_car_out_free(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤A66666")
        site.clock.jump(site.clock.now() - timedelta(hours=1))  # an NTP correction: the hub's clock now reads before the entry
        await site.read("cam-2", "粤A66666")
        [due] = site.fired("parking_payment_due")
        assert due["explanation"][0] == ("the hub's clock (2026-03-02 09:00) reads before the entry "
                                         "(2026-03-02 10:00): the stay cannot be measured")
        assert due["explanation"][1] == "no entry on record: charged as a stay of 24 h ending now"
        _status, day = await site.call("manager", "fee", {"lot": "main", "entered_at": "2026-03-01T09:00:00+08:00",
                                                          "exited_at": "2026-03-02T09:00:00+08:00"})
        assert due["due_fen"] == day["fee_fen"] > 0 and site.commands(OUT_GATE) == []
