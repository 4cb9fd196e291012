"""Notices in a batch (``Notices.send_many``) over a real broker: every item accepted together
and delivered to its households' apps once, each with its ref, in the items' order; one wrong
item refuses the batch naming its index, nothing kept; a batch accepted but not yet delivered
when the hub stops is delivered when it starts again."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.notices.conftest import ALICE, BOB, FEE_DATA, START, audit_acts, restarted, site
from tests.integrations.smart_home.conftest import ROOT
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.integrations.notices import Notices, get_notices

OUTAGE = {"what": "水", "area": "1栋", "start": "3月5日9:00", "end": "3月5日17:00", "reason": "二次供水设施清洗"}


def fee(household: str, total_fen: int) -> dict[str, Any]:
    return {"to": {"household": household}, "template": "fee_notice", "ref": f"billing:2026-03:{household}",
            "data": {**FEE_DATA, "total_fen": total_fen}}


def own_notices(probe: MqttProbe, household: str) -> list[dict[str, Any]]:
    """What the household's app was sent (its notices' topics, not the signature topics)."""
    prefix = f"{ROOT}/household/{household}/notices/"
    return [json.loads(m.payload) for m in probe.messages
            if m.topic.value.startswith(prefix) and m.topic.value.count("/") == prefix.count("/")]


async def test_a_batch_reaches_each_household_once_with_its_ref(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, broker) as here:
        events = []
        here.hub.bus.listen("notice_sent", events.append)
        answer = await here.notices.send_many(
            [fee(ALICE, 19150), fee(BOB, 30000), {"to": {"building": "1"}, "template": "outage", "data": OUTAGE}])
        assert answer["accepted"] == 3
        assert [(n["ref"], n["recipients"]) for n in answer["notices"]] == [
            (f"billing:2026-03:{ALICE}", [ALICE]), (f"billing:2026-03:{BOB}", [BOB]), (None, [ALICE])]
        ids = [n["notice_id"] for n in answer["notices"]]
        await here.probe.wait_until(lambda: len(own_notices(here.probe, ALICE)) == 2
                                    and len(own_notices(here.probe, BOB)) == 1)
        await here.settle()
        alices, [bobs] = own_notices(here.probe, ALICE), own_notices(here.probe, BOB)
        assert sorted(n["notice_id"] for n in alices) == sorted([ids[0], ids[2]])
        assert bobs["notice_id"] == ids[1] and bobs["ref"] == f"billing:2026-03:{BOB}"
        assert "本期合计：¥300.00。" in bobs["body"] and f"尊敬的{BOB}业主" in bobs["body"]
        assert sorted(e.data["notice_id"] for e in events) == sorted(ids)
        for notice_id in ids:
            rows = here.notices.recipients_of(notice_id)
            assert [row["status"] for row in rows] == ["sent"]
            assert {channel["status"] for row in rows for channel in row["channels"].values()} == {"sent"}
            assert here.notices.notices[notice_id].status == "sent"
        [audited] = [a for a in await audit_acts(here.hub) if a["act"] == "notices_sent"]
        assert (audited["notices"], audited["households"], audited["refs"]) == (3, 3, None)
        assert audited["templates"] == ["fee_notice", "outage"]


@pytest.mark.parametrize(("bad", "said"), [
    ({"to": {"household": "9-9-9999"}, "template": "fee_notice", "data": FEE_DATA},
     "items[1]: to[0].household: no households"),
    ({"to": {"household": BOB}, "template": "fee_notice", "data": {"period": "2026-03"}},
     "items[1]: template fee_notice could not be rendered"),
    ({"to": {"household": BOB}, "template": "fee_notce"}, "items[1]: template: no template 'fee_notce'"),
    ({"to": {"household": BOB}, "title": "t", "body": "b", "at": "2026-03-03 09:00"},
     "items[1]: at: a batch is sent now"),
    ({"to": {"household": BOB}, "title": "t"}, "items[1]: .*body"),
    ({"to": {"household": BOB}, "title": "t", "body": "b", "channels": ["sms"]}, "items[1]: channels[0]: no channel"),
])
async def test_one_wrong_item_refuses_the_batch_naming_it(site_dir: Path, broker: BrokerProcess,
                                                          bad: dict[str, Any], said: str) -> None:
    async with site(site_dir, broker) as here:
        with pytest.raises(ServiceValidationError, match=said.replace("[", r"\[").replace("]", r"\]")):
            await here.notices.send_many([fee(ALICE, 19150), bad, fee(BOB, 30000)])
        await here.settle()
        assert here.notices.notices == {} and here.notices.deliveries == {}
        assert await here.notices.rows.load("notices") == [] and await here.notices.rows.load("deliveries") == []
        assert own_notices(here.probe, ALICE) == []
        assert await here.notices.send_many([]) == {"accepted": 0, "notices": []}


async def test_a_batch_accepted_when_the_hub_stops_is_delivered_at_start(
        site_dir: Path, broker: BrokerProcess, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock(START)
    async with site(site_dir, broker, clock=clock) as here:
        finishing = Notices._finish

        async def stopped(self: Notices, notice_ids: list[str]) -> None:
            """The hub stops before any delivery is made."""

        monkeypatch.setattr(Notices, "_finish", stopped)
        answer = await here.notices.send_many([fee(ALICE, 19150), fee(BOB, 30000)])
        await here.settle()
        ids = [n["notice_id"] for n in answer["notices"]]
        assert [here.notices.notices[i].status for i in ids] == ["sending", "sending"]
        assert own_notices(here.probe, ALICE) == []
        monkeypatch.setattr(Notices, "_finish", finishing)
    async with MqttProbe(broker, f"{ROOT}/household/#") as probe, restarted(site_dir, broker, clock) as hub:
        await probe.wait_until(lambda: own_notices(probe, ALICE) and own_notices(probe, BOB))
        await hub.block_till_done()
        notices = get_notices(hub)
        assert [notices.notices[i].status for i in ids] == ["sent", "sent"]
        for notice_id, household in zip(ids, (ALICE, BOB), strict=True):
            [row] = notices.recipients_of(notice_id)
            assert (row["household"], row["status"]) == (household, "sent")
            assert {d.attempts for d in notices.deliveries[notice_id].values()} == {1}
        assert [n["notice_id"] for n in own_notices(probe, ALICE)] == [ids[0]]
