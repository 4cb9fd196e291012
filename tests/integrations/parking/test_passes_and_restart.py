"""Monthly passes reminded once before they end; sessions, counts and money kept across a restart."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.conftest import SITE_TZ
from tests.fixtures_mqtt import BrokerProcess

from .conftest import OUT_GATE, START, car_park

__all__ = ["BrokerProcess"]


async def test_a_pass_is_reminded_once_before_it_ends_and_charged_after(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤B66666")
        assert site.fired("parking_pass_expiring") == []
        site.clock.set(datetime(2026, 3, 25, 9, 0, 1, tzinfo=SITE_TZ))  # its end is 7 days away now
        await site.settle()
        [reminder] = site.fired("parking_pass_expiring")
        assert reminder == {"plate_masked": "粤B6***6", "lot": "main", "until": "2026-03-31T23:59:59+08:00",
                            "days_left": 6, "name": None}
        site.later(days=1)
        await site.settle()
        assert len(site.fired("parking_pass_expiring")) == 1
        site.clock.set(datetime(2026, 4, 1, 1, 0, tzinfo=SITE_TZ))  # out after the pass ended at midnight
        await site.read("cam-2", "粤B66666")
        [due] = site.fired("parking_payment_due")
        assert due["explanation"][0] == "its pass ended 2026-03-31 23:59: charged from then"
        assert due["fee_fen"] == 500  # one night


async def test_sessions_counts_and_payments_survive_a_restart(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await site.read("cam-1", "粤A55555")
        site.later(hours=1)
        status, paid = await site.call("finance", "pay", {"plate": "粤A55555", "amount_fen": 300, "payment_id": "adv-1",
                                                          "method": "cash"})
        assert status == 200
    async with car_park(tmp_path, broker, start=START + timedelta(hours=2)) as site:
        [session] = site.parking.sessions.by_id.values()
        assert (session.status, session.paid_fen, site.free()) == ("inside", 300, 9)
        await site.read("cam-2", "粤A55555")
        [due] = site.fired("parking_payment_due")
        assert (due["fee_fen"], due["paid_fen"], due["due_fen"]) == (600, 300, 300)
        status, again = await site.call("finance", "pay", {"plate": "粤A55555", "amount_fen": 300, "payment_id": "adv-1",
                                                           "method": "cash"})
        assert status == 200 and again["repeat"] and again["paid_fen"] == 300
        await site.pay_order(due["order_id"])
        assert await site.wait_commands(OUT_GATE, 1) == ["open"]
        assert site.free() == 10
