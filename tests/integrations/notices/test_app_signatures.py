"""The household's app signs a notice over MQTT on a real broker, inside its household's prefix:
the topic is the proof of whose signature it is. A signature on another household's prefix for
this household's notice is refused as not found, logged and audited; a retained, malformed or
oversized one is not taken and the app is told why; with the households' own accounts the broker
itself refuses a publish on another's prefix."""
from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.notices.conftest import ALICE, BOB, FEE_DATA, audit_acts, restarted, site
from tests.integrations.smart_home.conftest import KEY, ROOT, wait_for
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.notices import get_notices
from xiaoqu.integrations.residents import get_residents


def topic(household: str, notice: str, what: str = "ack") -> str:
    return f"{ROOT}/household/{household}/notices/{notice}/{what}"


async def _status(probe: MqttProbe, household: str, notice: str) -> dict[str, Any]:
    return json.loads((await probe.wait_for(topic(household, notice, "status"))).payload)  # type: ignore[arg-type]


async def test_the_households_app_signs_on_its_own_topic(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, broker) as here:
        acked = []
        here.hub.bus.listen("notice_acknowledged", acked.append)
        notice = (await here.notices.send({"household": ALICE}, template="fee_notice", data=FEE_DATA,
                                          ref=f"billing:2026-03:{ALICE}"))["notice_id"]
        await here.probe.wait_for(f"{ROOT}/household/{ALICE}/notices/{notice}")
        await here.probe.publish(topic(ALICE, notice), json.dumps({"signed": True}))
        told = await _status(here.probe, ALICE, notice)
        assert told == {"notice_id": notice, "taken": True, "at": "2026-03-02T10:00:00+08:00", "already": False}
        signature = here.notices.notices[notice].signed[ALICE]
        assert (signature.by, signature.how) == (f"household {ALICE} (app)", "mqtt")
        assert [(e.data["household"], e.data["ref"], e.data["how"]) for e in acked] == [
            (ALICE, f"billing:2026-03:{ALICE}", "mqtt")]
        here.probe.messages.clear()
        await here.probe.publish(topic(ALICE, notice), json.dumps({"signed": True}))
        assert (await _status(here.probe, ALICE, notice))["already"] is True
        await here.settle()
        assert len(acked) == 1
        signed = [a for a in await audit_acts(here.hub) if a["act"] == "notice_acknowledged"]
        assert [(a["source"], a["who"], a["how"]) for a in signed] == [("mqtt", f"household {ALICE} (app)", "mqtt")]


async def test_signatures_that_are_not_taken(site_dir: Path, broker: BrokerProcess,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    async with site(site_dir, broker) as here:
        notice = (await here.notices.send({"household": ALICE}, title="装修须知", body="请于工作日施工。"))["notice_id"]
        # Bob's app, on his own prefix, names Alice's notice: not found, as the API says it
        await here.probe.publish(topic(BOB, notice), json.dumps({"signed": True}))
        assert await _status(here.probe, BOB, notice) == {
            "notice_id": notice, "taken": False, "why": f"notice {notice} is not found for household {BOB}"}
        # malformed, too big, not true, not a notice id
        for payload in (b"{signed: yes", json.dumps({"signed": True, "pad": "x" * 2000}), json.dumps({"signed": 1})):
            here.probe.messages.clear()
            await here.probe.publish(topic(ALICE, notice), payload)
            assert (await _status(here.probe, ALICE, notice))["taken"] is False
        await here.probe.publish(topic(ALICE, "N123"), json.dumps({"signed": True}))
        assert "not a signature" in (await _status(here.probe, ALICE, "N123"))["why"]
        await here.settle()
        assert here.notices.notices[notice].signed == {}
        refused = [a for a in await audit_acts(here.hub) if a["act"] == "notice_acknowledge_refused"]
        assert [(a["source"], a["who"], a["household"], a["why"]) for a in refused] == [
            ("mqtt", f"household {BOB} (app)", BOB, "not sent to the household")]
        assert f"signing {notice} for {BOB} refused" in caplog.text


async def test_a_retained_signature_is_never_replayed(site_dir: Path, broker: BrokerProcess) -> None:
    """A retained signature the broker hands the hub when it (re)subscribes is not taken: a
    signature counts when the household sends it."""
    async with site(site_dir, broker) as here:
        notice = (await here.notices.send({"household": ALICE}, title="装修须知", body="请于工作日施工。"))["notice_id"]
        clock = here.clock
    async with MqttProbe(broker, f"{ROOT}/household/#") as app:
        await app.publish(topic(ALICE, notice), json.dumps({"signed": True}), retain=True)
    async with MqttProbe(broker, f"{ROOT}/household/#") as probe, restarted(site_dir, broker, clock) as hub:
        reply = await _status(probe, ALICE, notice)
        assert reply["taken"] is False and reply["why"].startswith("retained")
        await hub.block_till_done()
        assert get_notices(hub).notices[notice].signed == {}


async def test_the_broker_keeps_each_household_to_its_own_prefix(site_dir: Path) -> None:
    """The embedded broker with each household's account: Alice's app cannot publish on Bob's
    prefix at all, so no forged signature reaches the hub; on her own, hers is taken."""
    from xiaoqu.integrations import mqtt

    accounts = {f"household-{h}": {"password": f"pw-{h}", "household": h} for h in (ALICE, BOB)}
    config = {"mqtt": {"port": 0, "state_stream": False, "users": accounts}, "residents": {"encryption_key": KEY},
              "notices": {"channels": {"mqtt": {}}, "default_channels": ["mqtt"]}}
    async with running_hub(site_dir, config) as hub:
        residents = get_residents(hub)
        for household in (ALICE, BOB):
            await residents.add_household(household)
        await mqtt.wait_connected(hub)
        port = mqtt.get(hub).broker.port
        notices = get_notices(hub)
        sent = {household: (await notices.send({"household": household}, title="通知", body="正文"))["notice_id"]
                for household in (ALICE, BOB)}
        async with aiomqtt.Client("127.0.0.1", port, username=f"household-{ALICE}", password=f"pw-{ALICE}",
                                  identifier="alice-app") as app:
            await app.publish(topic(BOB, sent[BOB]), json.dumps({"signed": True}), qos=1)
            await app.publish(topic(ALICE, sent[ALICE]), json.dumps({"signed": True}), qos=1)
            await wait_for(lambda: ALICE in notices.notices[sent[ALICE]].signed)
        await asyncio.sleep(0.2)
        assert notices.notices[sent[BOB]].signed == {}
