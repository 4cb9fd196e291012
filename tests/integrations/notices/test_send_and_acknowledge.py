"""Sending to everyone, a building and a household over a real broker: the households' app
topics and the lobby displays get what they should (a household's own notice on no display),
the built-in fee notice with billing's figures to the fen, the delivery statuses kept; signing:
a resident for their own household only (another household's notice refused as not found, and
audited), staff for a household with a reason, a second signature changing nothing."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.notices.conftest import ALICE, BOB, FEE_DATA, audit_acts, site
from tests.integrations.smart_home.conftest import ROOT
from xiaoqu.core.errors import ServiceValidationError


def _payload(site: Any, topic: str) -> dict[str, Any]:
    return json.loads(site.probe.payloads(topic)[-1])


async def test_a_fee_notice_reaches_the_household_app_and_no_display(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, broker) as here:
        events = []
        here.hub.bus.listen("notice_sent", events.append)
        sent = await here.notices.send({"household": ALICE}, template="fee_notice", data=FEE_DATA,
                                       ref=f"billing:2026-03:{ALICE}")
        assert sent["recipients"] == [ALICE]
        topic = f"{ROOT}/household/{ALICE}/notices/{sent['notice_id']}"
        await here.probe.wait_for(topic)
        shown = _payload(here, topic)
        assert shown["title"] == "物业费缴费通知单（2026-03）"
        assert "1. 物业管理费：¥179.00（89.50 m² × ¥2.00）" in shown["body"]
        assert "本期合计：¥191.50。" in shown["body"] and "请于2026-03-31前" in shown["body"]
        assert "往期欠费" not in shown["body"]  # nothing outstanding: the line is left out
        assert shown["ref"] == f"billing:2026-03:{ALICE}" and shown["household"] == ALICE
        await here.settle()
        assert not [m for m in here.probe.messages if "/display/" in m.topic.value]
        assert [e.data["recipients"] for e in events] == [[ALICE]]
        assert events[0].data["deliveries"] == {"sent": 2, "failed": 0}
        [row] = here.notices.recipients_of(sent["notice_id"])
        assert row["status"] == "sent" and set(row["channels"]) == {"mqtt", "log"}


async def test_a_building_notice_reaches_its_households_and_its_lobby(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, broker) as here:
        async with __import__("tests.fixtures_mqtt", fromlist=["MqttProbe"]).MqttProbe(
                broker, f"{ROOT}/display/#") as displays:
            sent = await here.call("staff", "send", to={"building": "1"}, template="outage",
                                   data={"what": "水", "area": "1栋", "start": "3月5日9:00", "end": "3月5日17:00",
                                         "reason": "二次供水设施清洗"})
            assert sent["recipients"] == [ALICE]
            await displays.wait_for(f"{ROOT}/display/lobby-1/notice")
            await here.settle()
            board = json.loads(displays.payloads(f"{ROOT}/display/lobby-1/notice")[-1])
            assert board["title"] == "停水通知" and "定于3月5日9:00至3月5日17:00对1栋暂停供水" in board["body"]
            assert displays.payloads(f"{ROOT}/display/gate/notice") == []  # the gate's display: everyone's only
            assert here.probe.payloads(f"{ROOT}/household/{BOB}/notices/{sent['notice_id']}") == []
            everyone = await here.call("staff", "send", to={"all": True}, title="春节安排", body="物业服务中心春节值班安排如下。")
            assert everyone["recipients"] == [ALICE, BOB]
            await displays.wait_for(f"{ROOT}/display/gate/notice")


async def test_bad_notices_are_refused_naming_the_field_and_nothing_is_kept(site_dir: Path,
                                                                              broker: BrokerProcess) -> None:
    async with site(site_dir, broker) as here:
        wrong: list[tuple[dict[str, Any], str]] = [
            ({"to": {"building": "9"}, "title": "t", "body": "b"}, "to[0].building: no households in building 9"),
            ({"to": {"household": "9-9-9999"}, "title": "t", "body": "b"}, "to[0].household: no households"),
            ({"to": {"all": True, "building": "1"}, "title": "t", "body": "b"}, "to"),
            ({"to": {"all": True}, "title": "t"}, "body"),
            ({"to": {"all": True}, "template": "outage", "title": "t", "body": "b"}, "not both"),
            ({"to": {"all": True}, "template": "outage"}, "template outage could not be rendered"),
            ({"to": {"all": True}, "template": "fee_notce"}, "did you mean 'fee_notice'"),
            ({"to": {"all": True}, "title": "t", "body": "b", "channels": ["sms"]}, "channels[0]: no channel 'sms'"),
            ({"to": {"all": True}, "title": "t", "body": "b", "at": "2026-03-01 09:00"}, "at: 2026-03-01 09:00 has passed"),
            ({"to": {"all": True}, "title": "{{ data.x.__class__ }}", "body": "b"}, "could not be rendered"),
            ({"to": {"all": True}, "title": "t", "body": "b", "repeat": {"every": {"seconds": 5}, "count": 3}},
             "repeat.every"),
        ]
        for data, why in wrong:
            with pytest.raises(Exception) as err:
                await here.call("staff", "send", **data)
            assert why in str(err.value), (data, str(err.value))
        assert here.notices.notices == {}
        with pytest.raises(ServiceValidationError, match="template outage could not be rendered.*'what' is undefined"):
            await here.notices.send({"all": True}, template="outage", data={"area": "1栋"})


async def test_a_resident_signs_only_their_own_households_notice(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, broker) as here:
        acked = []
        here.hub.bus.listen("notice_acknowledged", acked.append)
        alice = (await here.notices.send({"household": ALICE}, template="fee_notice", data=FEE_DATA,
                                         ref=f"billing:2026-03:{ALICE}"))["notice_id"]
        bob = (await here.notices.send({"household": BOB}, template="fee_notice", data=FEE_DATA))["notice_id"]
        with pytest.raises(ServiceValidationError, match="is not found"):
            await here.call("alice", "acknowledge", notice_id=bob, household=BOB)
        with pytest.raises(ServiceValidationError, match="is not found"):
            await here.call("alice", "acknowledge", notice_id=bob, household=ALICE)
        assert here.notices.notices[bob].signed == {}
        answer = await here.call("alice", "acknowledge", notice_id=alice, household=ALICE)
        assert answer["by"] == "alice" and answer["already"] is False
        again = await here.call("alice", "acknowledge", notice_id=alice, household=ALICE)
        assert again["already"] is True
        assert [(e.data["notice_id"], e.data["household"], e.data["ref"], e.data["by"]) for e in acked] == [
            (alice, ALICE, f"billing:2026-03:{ALICE}", "alice")]
        with pytest.raises(ServiceValidationError, match="reason"):
            await here.call("staff", "acknowledge", notice_id=bob, household=BOB)
        await here.call("staff", "acknowledge", notice_id=bob, household=BOB, reason="业主在前台书面签收")
        assert here.notices.notices[bob].signed[BOB].reason == "业主在前台书面签收"
        listed = (await here.call("alice", "list"))["notices"]
        assert [n["notice_id"] for n in listed] == [alice] and listed[0]["signed"] is True
        with pytest.raises(Exception, match="not allowed|Unauthorized|may not"):
            await here.call("alice", "send", to={"all": True}, title="t", body="b")
        acts = [a["act"] for a in await audit_acts(here.hub) if a["act"].startswith("notice_")]
        assert acts.count("notice_acknowledge_refused") == 2
        assert "notice_acknowledged" in acts and "notice_acknowledged_for_household" in acts
