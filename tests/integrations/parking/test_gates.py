"""The main gate end to end over a real broker: plates read by the lanes' cameras over the
device protocol, decided by parking through access, the barrier's controller raising the arm
when told, the display showing the decision, money through the simulated WeChat Pay."""
from __future__ import annotations

from tests.fixtures_mqtt import BrokerProcess

from .conftest import IN_GATE, OUT_GATE, car_park

__all__ = ["BrokerProcess"]


async def test_a_residents_car_in_and_out_with_the_free_spaces_right(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        assert site.free() == 10
        assert site.last_shown("led-1", "idle")["lines"] == ["余位 10"]
        await site.read("cam-1", "粤B10001")
        assert await site.wait_commands(IN_GATE, 1) == ["open"]
        [entry] = site.fired("parking_entry")
        assert (entry["kind"], entry["rule"], entry["plate_masked"], entry["free"]) == ("resident", "space:A-001",
                                                                                         "粤B1***1", 9)
        assert entry["reason"] == "粤B1***1: a car of household 1-1-0101 on its space A-001"
        assert [e["rule"] for e in site.fired("access_granted")] == ["group:residents_cars"]
        assert site.free() == 9
        assert site.last_shown("led-1") == {"lines": ["粤B1***1", "欢迎回家", "余位 9"], "mode": "event", "seconds": 10,
                                             "colour": "green", "voice": "欢迎回家", "ts": site.clock.time()}
        assert site.last_shown("led-1", "idle")["lines"] == ["余位 9"]
        site.later(hours=3)
        await site.read("cam-2", "粤B10001")
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        [left] = site.fired("parking_exit")
        assert (left["fee_fen"], left["rule"], left["matched"]) == (0, "free", "exact")
        assert site.free() == 10
        [session] = site.parking.sessions.by_id.values()
        assert (session.status, session.exited_at - session.entered_at) == ("left", 3 * 3600)
        assert site.last_shown("led-2")["lines"] == ["粤B1***1", "一路顺风"]


async def test_a_temporary_car_pays_the_right_fee_and_the_gate_opens_only_after(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤A55555")
        assert await site.wait_commands(IN_GATE, 1) == ["open"]
        [entry] = site.fired("parking_entry")
        assert (entry["kind"], entry["rule"], entry["reason"]) == ("temporary", "temporary", "粤A5***5: a temporary car")
        assert site.fired("access_denied") == []  # a stranger is no credential: nothing refused in the access log
        count = site.parking.occupancy["main"]
        assert (count.occupied, count.temporary, count.temporary_free) == (1, 1, 2)
        assert site.last_shown("led-1")["lines"] == ["粤A5***5", "临时车 欢迎光临", "余位 9"]
        site.later(hours=2, minutes=20)
        await site.read("cam-2", "粤A55555")
        [due] = site.fired("parking_payment_due")
        assert (due["fee_fen"], due["paid_fen"], due["due_fen"]) == (900, 0, 900)
        assert due["explanation"] == ["2 h 20 min is over the 15 min free: charged from entry",
                                      "10:00–12:20 day rate 2 h 20 min → 3 h × ¥3.00 = ¥9.00", "total ¥9.00"]
        status, fee = await site.call("manager", "fee", {"lot": "main", "entered_at": "2026-03-02T10:00:00+08:00",
                                                         "exited_at": "2026-03-02 12:20"})
        assert status == 200 and (fee["fee_fen"], fee["explanation"]) == (900, "\n".join(due["explanation"]))
        shown = site.last_shown("led-2")
        assert (shown["lines"], shown["colour"], shown["qr"].startswith("weixin://wxpay/")) == (
            ["粤A5***5", "停车 2 h 20 min", "请缴费 ¥9.00"], "yellow", True)
        assert site.commands(OUT_GATE) == []  # not paid: the arm stays down
        site.later(seconds=30)
        await site.pay_order(due["order_id"])
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        [paid] = site.fired("parking_paid")
        assert (paid["amount_fen"], paid["paid_fen"], paid["method"], paid["order_id"]) == (900, 900, "wechat",
                                                                                           due["order_id"])
        [left] = site.fired("parking_exit")
        assert (left["rule"], left["fee_fen"], left["paid_fen"], left["unpaid_fen"]) == ("paid", 900, 900, 0)
        assert site.free() == 10 and site.parking.occupancy["main"].temporary == 0
        assert site.parking.books.paid(left["session_id"]) == 900
        # the camera reads the car again under the arm: nothing happens twice
        site.later(seconds=20)
        await site.read("cam-2", "粤A55555")
        site.later(seconds=20)
        await site.read("cam-2", "粤A5555S")  # and misread, one camera confusion away
        assert len(site.fired("parking_exit")) == 1 and site.commands(OUT_GATE) == ["open"]
        assert not site.fired("parking_attention")


async def test_a_second_read_at_the_exit_while_asked_to_pay_makes_no_second_order(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤A55555")
        site.later(hours=1)
        await site.read("cam-2", "粤A55555")
        site.later(seconds=30)
        await site.read("cam-2", "粤A55555")
        [due] = site.fired("parking_payment_due")
        [session] = site.parking.sessions.by_id.values()
        assert session.orders == [due["order_id"]] and due["due_fen"] == 300
        assert [s["lines"][-1] for s in site.shown("led-2") if s["mode"] == "event"] == ["请缴费 ¥3.00"] * 2
        assert site.commands(OUT_GATE) == []


async def test_paid_in_advance_at_the_booth_the_car_leaves_at_once(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤A55555")
        site.later(hours=1, minutes=50)
        status, paid = await site.call("finance", "pay", {"plate": "粤A55555", "amount_fen": 600, "payment_id": "booth-1",
                                                          "method": "cash"})
        assert status == 200 and (paid["paid_fen"], paid["due_fen"], paid["repeat"]) == (600, 0, False)
        session_id = paid["session_id"]
        status, again = await site.call("finance", "pay", {"session_id": session_id, "amount_fen": 9999,
                                                           "payment_id": "booth-1", "method": "cash"})
        assert status == 200 and (again["paid_fen"], again["session_id"], again["repeat"]) == (600, session_id, True)
        assert len(site.fired("parking_paid")) == 1
        site.later(minutes=12)  # 2 h 2 min: a third hour started, but within the 15 min grace after paying
        await site.read("cam-2", "粤A55555")
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        [left] = site.fired("parking_exit")
        assert (left["rule"], left["fee_fen"], left["paid_fen"]) == ("paid", 600, 600)
        assert left["explanation"][-1] == ("paid ¥6.00 by 2026-03-02 11:50; left within the 15 min grace after it: "
                                           "charged the stay until then")
        assert site.fired("payment_received") == []  # no order was made: cash at the booth


async def test_a_household_in_arrears_is_refused_with_the_reason_and_passes_once_lifted(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.hub.services.call("access", "restrict", {"household": "2-1-0301", "reason": "欠物业费 6 个月",
                                                            "kind": "arrears", "scope": "vehicle"})
        await site.read("cam-1", "粤B30003")
        [refused] = site.fired("parking_refused")
        assert refused["rule"].startswith("restriction:") and refused["shown"] == "欠费 请到物业缴费"
        assert refused["reason"].startswith("denied: household 2-1-0301 欠物业费 6 个月 2026-03-02 by ")
        assert site.last_shown("led-1") == {"lines": ["粤B3***3", "欠费 请到物业缴费"], "mode": "event", "seconds": 10,
                                             "colour": "red", "voice": "欠费 请到物业缴费", "ts": site.clock.time()}
        assert [e["rule"] for e in site.fired("access_denied")] == [refused["rule"]]
        assert site.commands(IN_GATE) == [] and site.free() == 10
        await site.hub.services.call("access", "lift_restriction", {"household": "2-1-0301"})
        site.later(seconds=10)
        await site.read("cam-1", "粤B30003")
        assert await site.wait_commands(IN_GATE, 1) == ["open"]
        [entry] = site.fired("parking_entry")
        assert (entry["kind"], entry["reason"]) == (
            "temporary", "粤B3***3: a temporary car of household 2-1-0301 with no space or pass in lot main")


async def test_an_order_is_made_again_only_for_a_new_amount(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤A55555")
        site.later(minutes=30)
        await site.read("cam-2", "粤A55555")
        site.later(minutes=3)  # past the repeat window: quoted again, the same ¥3.00
        await site.read("cam-2", "粤A55555")
        site.later(minutes=30)  # a second hour started: ¥6.00
        await site.read("cam-2", "粤A55555")
        dues = site.fired("parking_payment_due")
        assert [(d["due_fen"], d["order_id"][-2:]) for d in dues] == [(300, "-1"), (300, "-1"), (600, "-2")]
        await site.pay_order(dues[-1]["order_id"])
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
