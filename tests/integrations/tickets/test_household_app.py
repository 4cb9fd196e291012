"""The household's app over a real broker, on its own prefix only; the household told of each
step through notices when notices is set up; 15 MB over MQTT and over the API."""
from __future__ import annotations

import io
import json
from pathlib import Path

import aiohttp

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.tickets.conftest import ALICE, BOB, ROOT, estate
from xiaoqu.integrations.notices import get_notices


def topic(household: str, tail: str) -> str:
    return f"{ROOT}/household/{household}/tickets/{tail}"


async def test_the_app_opens_for_its_own_household_and_rates_its_own_tickets(site_dir: Path,
                                                                            broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        await site.probe.publish(topic(ALICE, "open"), json.dumps(
            {"request_id": "r0", "category": "repair", "description": "阳台灯不亮", "household": BOB}))
        refused = json.loads((await site.probe.wait_for(topic(ALICE, "answer"))).payload)
        assert refused["request_id"] == "r0" and refused["taken"] is False and "household" in refused["why"]
        site.probe.messages.clear()
        await site.probe.publish(topic(ALICE, "open"), json.dumps(
            {"request_id": "r1", "category": "repair", "description": "阳台灯不亮"}))
        answer = json.loads((await site.probe.wait_for(topic(ALICE, "answer"))).payload)
        ticket = answer["ticket_id"]
        assert answer["request_id"] == "r1" and answer["due"] == "2026-03-02T14:00:00+08:00"
        assert site.tickets.tickets[ticket].household == ALICE  # the topic's household: a message names none
        status = json.loads((await site.probe.wait_for(topic(ALICE, f"{ticket}/status"))).payload)
        assert (status["state"], status["history"][0]["by"]) == ("new", f"household {ALICE} (app)")

        await site.call("tech", "update", ticket_id=ticket, state="in_progress")
        await site.call("tech", "update", ticket_id=ticket, state="resolved", note="换了灯泡")
        site.probe.messages.clear()
        await site.probe.publish(topic(BOB, f"{ticket}/rate"), json.dumps({"rating": 1}))
        refused = json.loads((await site.probe.wait_for(topic(BOB, f"{ticket}/status"))).payload)
        assert refused == {"ticket_id": ticket, "taken": False, "why": f"ticket_id: no ticket {ticket}"}
        await site.probe.publish(topic(ALICE, f"{ticket}/rate"), json.dumps({"rating": 5, "comment": "很快"}))
        await site.probe.wait_until(lambda: site.tickets.tickets[ticket].rating == 5)
        assert not [m for m in site.probe.messages if m.topic.value.startswith(f"{ROOT}/household/{BOB}/")
                    and ticket in bytes(m.payload).decode() and b"taken" not in bytes(m.payload)]

        for payload, why in ((b"{", "not JSON"), (json.dumps({"category": "nope", "description": "x"}),
                                                   "category: no category 'nope'"),
                             (json.dumps({"category": "device_fault", "description": "x"}), "opened by staff"),
                             (b"x" * 5000, "5000 bytes (a message is at most 4096)")):
            site.probe.messages.clear()
            await site.probe.publish(topic(ALICE, "open"), payload)
            reply = json.loads((await site.probe.wait_for(topic(ALICE, "answer"), timeout=30)).payload)
            assert reply["taken"] is False and why in reply["why"]
        # 15 MB: the hub's MQTT client drops it unread (over mqtt.max_payload); the next message is taken
        site.probe.messages.clear()
        await site.probe.publish(topic(ALICE, "open"), b"x" * (15 * 1024 * 1024))
        await site.probe.publish(topic(ALICE, "open"), json.dumps({"request_id": "r2", "category": "complaint",
                                                                   "description": "电梯噪音"}))
        reply = json.loads((await site.probe.wait_for(topic(ALICE, "answer"), timeout=30)).payload)
        assert reply["request_id"] == "r2" and "ticket_id" in reply
        assert len(site.probe.payloads(topic(ALICE, "answer"))) == 1 and len(site.tickets.tickets) == 2


async def test_the_household_is_told_each_step_through_notices(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker, notices={"default_channels": ["log"]}) as site:
        ticket = (await site.call("alice", "open", category="repair", description="水龙头漏水"))["ticket_id"]
        await site.call("staff", "update", ticket_id=ticket, state="assigned", assignee="tech", note="下午到")
        await site.settle()
        sent = [n for n in get_notices(site.hub).notices.values() if n.ref == f"tickets:{ticket}"]
        assert len(sent) == 2 and all(n.recipients == (ALICE,) for n in sent)
        titles = sorted(n.title for n in sent)
        assert titles == sorted([f"报修 Repair {ticket}: 已受理 received", f"报修 Repair {ticket}: 已派单 assigned to staff"])
        assert any("下午到" in n.body for n in sent) and any("期限 Due: 2026-03-02T14:00:00+08:00" in n.body for n in sent)


async def test_a_15_mb_call_over_the_api_is_refused_and_opens_nothing(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        body = io.BytesIO(json.dumps({"category": "repair", "description": "x" * (15 * 1024 * 1024)}).encode())
        async with aiohttp.ClientSession() as session, session.post(
                f"{site.base}/api/services/tickets/open", data=body,
                headers={"Authorization": f"Bearer {site.tokens['alice']}", "Content-Type": "application/json"}) as r:
            status, text = r.status, await r.text()
        assert status == 400 and "description" in text and "2000" in text
        assert site.tickets.tickets == {}
