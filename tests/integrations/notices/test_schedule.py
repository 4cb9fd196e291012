"""Scheduled and repeated notices on the hub's clock, and across a restart: a notice for 18:00
is sent at 18:00, not before; a reminder repeated daily reaches only the households that have not
signed, stops after its count, and keeps its schedule when the hub stops and starts again (a
time passed while it was down: sent once at start); a cancelled one sends nothing more."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.notices.conftest import ALICE, BOB, START, restarted, site
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.notices import get_notices

REMINDER = {"outstanding_fen": 57450, "late_fee_fen": 1724, "due": "2026-01-31", "deadline": "2026-03-15"}


async def test_a_repeated_reminder_survives_a_restart_and_skips_who_signed(site_dir: Path,
                                                                           broker: BrokerProcess) -> None:
    clock = ManualClock(START)
    async with site(site_dir, broker, clock=clock) as here:
        later = await here.call("staff", "send", to={"all": True}, title="停电通知", body="今晚停电。",
                                at=(START + timedelta(hours=8)).replace(tzinfo=None).isoformat())
        assert later["status"] == "scheduled" and later["next_at"] == "2026-03-02T18:00:00+08:00"
        daily = await here.call("staff", "send", to=[{"household": ALICE}, {"household": BOB}], template="reminder",
                                data={**REMINDER, "household": "相关"}, repeat={"every": {"days": 1}, "count": 3})
        await here.settle()
        notice = here.notices.notices[daily["notice_id"]]
        assert notice.sendings == 1 and notice.status == "scheduled"
        assert "贵户尚欠物业服务费等费用¥574.50" in notice.body and "滞纳金¥17.24" in notice.body
        assert here.notices.notices[later["notice_id"]].sendings == 0
        clock.advance(timedelta(hours=8))
        await here.settle()
        assert here.notices.notices[later["notice_id"]].status == "sent"
        await here.call("alice", "acknowledge", notice_id=daily["notice_id"], household=ALICE)
    clock.advance(timedelta(days=1, hours=1))  # the second sending fell due while the hub was down
    async with restarted(site_dir, broker, clock) as hub:
        notices = get_notices(hub)
        await hub.block_till_done()
        notice = notices.notices[daily["notice_id"]]
        assert notice.sendings == 2 and notice.signed.keys() == {ALICE}
        found = notices.deliveries[notice.id]
        assert found[(ALICE, "mqtt")].attempts == 1 and found[(BOB, "mqtt")].attempts == 2  # Alice had signed
        clock.advance(timedelta(days=1))
        await hub.block_till_done()
        notice = notices.notices[daily["notice_id"]]
        assert notice.sendings == 3 and notice.status == "sent" and notice.next_at is None
        clock.advance(timedelta(days=3))
        await hub.block_till_done()
        assert notices.notices[daily["notice_id"]].sendings == 3


async def test_a_cancelled_notice_sends_nothing_more(site_dir: Path, broker: BrokerProcess) -> None:
    clock = ManualClock(START)
    async with site(site_dir, broker, clock=clock) as here:
        daily = await here.call("staff", "send", to={"all": True}, title="请勿高空抛物", body="请勿高空抛物。",
                                repeat={"every": {"days": 1}, "count": 5})
        await here.settle()
        await here.call("staff", "cancel", notice_id=daily["notice_id"])
        clock.advance(timedelta(days=2))
        await here.settle()
        notice = here.notices.notices[daily["notice_id"]]
        assert notice.status == "cancelled" and notice.sendings == 1
