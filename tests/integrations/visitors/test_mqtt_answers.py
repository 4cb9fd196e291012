"""The host's app answers over MQTT, on a real broker, inside its household's prefix: the topic
is the proof of who answers. An answer on another household's topic for this household's visit,
a retained answer, a malformed one and an oversized one are not taken, and the app is told why;
with the households' own accounts the broker itself refuses a publish on another's prefix."""
from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import aiomqtt

from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.smart_home.conftest import KEY, wait_for
from tests.integrations.visitors.conftest import ALICE, BOB, VISITORS, audit_acts, estate, restarted
from xiaoqu.core.bus import Context
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.visitors import get_visitors

ROOT = "xiaoqu/demo"


def topic(household: str, visit: str, what: str = "answer") -> str:
    return f"{ROOT}/household/{household}/visitors/{visit}/{what}"


async def test_the_hosts_app_confirms_on_its_own_topic(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE)
        await site.probe.wait_for(f"{ROOT}/household/{ALICE}/visitors/request")
        await site.probe.publish(topic(ALICE, visit), json.dumps({"accept": True}))
        sent = await site.probe.wait_for(topic(ALICE, visit, "pass"))
        token = json.loads(sent.payload)["token"]
        await site.settle()
        confirmed = site.visitors.visits[visit]
        assert (confirmed.status, confirmed.answered_by, confirmed.answered_how) == (
            "confirmed", f"household {ALICE} (app)", "mqtt")
        assert site.access.check("qr", token, "b1-u1").granted
        status = json.loads(site.probe.payloads(topic(ALICE, visit, "status"))[-1])
        assert (status["status"], status["step"], status["accept"]) == ("confirmed", "answered", True)
        answered = [a for a in await audit_acts(site.hub) if a["act"] == "visitor_answered"]
        assert [(a["source"], a["who"], a["how"]) for a in answered] == [("mqtt", f"household {ALICE} (app)", "mqtt")]


async def test_answers_that_are_not_taken(site_dir: Path, broker: BrokerProcess) -> None:
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE)
        # Bob's app, on his own prefix, names Alice's visit: not found, as the API says it
        await site.probe.publish(topic(BOB, visit), json.dumps({"accept": True}))
        told = await site.probe.wait_for(topic(BOB, visit, "status"))
        assert json.loads(told.payload) == {"visit_id": visit, "taken": False, "why": f"visit {visit} is not found"}
        # malformed, too big, not a boolean
        for payload in (b"{accept: yes", json.dumps({"accept": True, "pad": "x" * 2000}), json.dumps({"accept": "true"})):
            site.probe.messages.clear()
            await site.probe.publish(topic(ALICE, visit), payload)
            reply = json.loads((await site.probe.wait_for(topic(ALICE, visit, "status"))).payload)
            assert reply["taken"] is False
        await site.settle()
        assert site.visitors.visits[visit].status == "pending"
        refused = [a for a in await audit_acts(site.hub) if a["act"] == "visitor_answer_refused"]
        assert [(a["source"], a["who"], a["why"]) for a in refused] == [
            ("mqtt", f"household {BOB} (app)", "another household's visit")]


async def test_a_retained_answer_is_never_replayed_into_a_decision(site_dir: Path, broker: BrokerProcess) -> None:
    """A retained answer the broker hands the hub when it (re)subscribes is not taken: an answer
    counts when it is sent, and a stale one must not confirm a visit registered since."""
    async with estate(site_dir, broker) as site:
        visit = await site.register(ALICE)
        clock = site.clock
    async with MqttProbe(broker, f"{ROOT}/household/#") as app:
        await app.publish(topic(ALICE, visit), json.dumps({"accept": True}), retain=True)
    async with MqttProbe(broker, f"{ROOT}/household/#") as probe, restarted(site_dir, broker, clock) as hub:
        reply = json.loads((await probe.wait_for(topic(ALICE, visit, "status"))).payload)
        assert reply["taken"] is False and reply["why"].startswith("retained")
        await hub.block_till_done()
        assert get_visitors(hub).visits[visit].status == "pending"


async def test_the_broker_keeps_each_household_to_its_own_prefix(site_dir: Path, broker: BrokerProcess) -> None:
    """The embedded broker with each household's account: Alice's app cannot publish on Bob's
    prefix at all, so no forged answer reaches the hub; on her own, hers is taken."""
    accounts = {f"household-{h}": {"password": f"pw-{h}", "household": h} for h in (ALICE, BOB)}
    config = {"mqtt": {"port": 0, "state_stream": False, "users": accounts}, "residents": {"encryption_key": KEY},
              "access": {"groups": []}, "visitors": VISITORS}
    async with running_hub(site_dir, config) as hub:
        residents = get_residents(hub)
        for household in (ALICE, BOB):
            await residents.add_household(household)
        await mqtt.wait_connected(hub)
        port = mqtt.get(hub).broker.port
        visitors = get_visitors(hub)
        visit_of = {}
        for household in (ALICE, BOB):
            answer = await hub.services.call("visitors", "register", {
                "name": "张三", "phone": "13800000000", "host_household": household, "purpose": "visit",
                "leave_by": (hub.clock.now() + timedelta(hours=1)).isoformat()}, context=Context(), return_response=True)
            visit_of[household] = answer["visit_id"]
        async with aiomqtt.Client("127.0.0.1", port, username=f"household-{ALICE}", password=f"pw-{ALICE}",
                                  identifier="alice-app") as app:
            await app.publish(topic(BOB, visit_of[BOB]), json.dumps({"accept": True}), qos=1)
            await app.publish(topic(ALICE, visit_of[ALICE]), json.dumps({"accept": False}), qos=1)
            await wait_for(lambda: visitors.visits[visit_of[ALICE]].status == "refused")
        await asyncio.sleep(0.2)
        assert visitors.visits[visit_of[BOB]].status == "pending"

