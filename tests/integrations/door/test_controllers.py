"""The hub keeps an offline controller's whitelist in step over a real broker: the full list on
first contact, one delta per burst of changes, each version confirmed; a controller out of
step raises an event listing the difference; decisions it made alone land in the access log
once. The test plays the controller on the broker; access and doors are the real ones."""
from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from tests.conftest import SITE_TZ, START
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub, HubConfig
from xiaoqu.core.rowstore import RowStore
from xiaoqu.core.storage import StoreLockedError
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.door.controllers import EVENT_OUT_OF_STEP, GRACE, QUIET, sync_status
from xiaoqu.integrations.mqtt.device_protocol import load_schema
from xiaoqu.integrations.simulator.actlog import ActLog
from xiaoqu.integrations.simulator.context import SimContext, Timers
from xiaoqu.integrations.simulator.controllers import OfflineController, controller_connection
from xiaoqu.integrations.simulator.estate import Reader
from xiaoqu.integrations.simulator.link import Broker, DeviceConnection
from xiaoqu.integrations.simulator.profile import SimClock
from xiaoqu.integrations.simulator.readers import DoorReader

from .conftest import ACCESS, ROOT

KEY = "x3bVbZ7pxqBbwd6jTDZqz4ZrCP1Wm8C5HqI_6vPo9lU="
#: Door d1 behind controller c1; the gate answered online only.
DOORS: list[dict[str, Any]] = [
    {"id": "d1", "name": "Building 1 unit 1 entrance", "controller": "c1"},
    {"id": "gate", "name": "Pedestrian gate"},
]
TOPIC = f"{ROOT}/controller/c1"
WHITELIST = Draft202012Validator(load_schema("controller_whitelist"))


@asynccontextmanager
async def controller_site(site: Path, broker: BrokerProcess, clock: ManualClock,
                          controller: str = "c1") -> AsyncIterator[Hub]:
    """A hub with residents, access and doors (which keep their controllers in step)."""
    site.mkdir(exist_ok=True)
    doors = [{**DOORS[0], "controller": controller}, DOORS[1]]
    door = {"doors": doors, "controllers": [{"id": controller, "name": "Unit 1 controller"}]}
    config = {"mqtt": broker.hub_config(), "residents": {"encryption_key": KEY}, "access": ACCESS, "door": door}
    async with running_hub(site, config, clock=clock) as hub:
        await mqtt.wait_connected(hub)
        yield hub


def pushed(probe: MqttProbe) -> list[dict[str, Any]]:
    messages = [json.loads(p) for p in probe.payloads(f"{TOPIC}/whitelist")]
    for message in messages:
        assert not list(WHITELIST.iter_errors(message)), message
    return messages


async def confirm(hub: Hub, probe: MqttProbe, version: int, count: int) -> None:
    await probe.publish(f"{TOPIC}/sync", json.dumps({"version": version, "count": count}))
    await probe.wait_until(lambda: sync_status(hub, "c1")["controllers"][0]["confirmed_version"] == version
                           and sync_status(hub, "c1")["controllers"][0]["confirmed_count"] == count)


async def issue(hub: Hub, **credential: Any) -> None:
    await hub.services.call("access", "add_credential", {"groups": ["residents"], **credential})


async def test_full_list_on_first_contact_then_one_delta_per_burst(tmp_path, broker):
    clock = ManualClock(START, SITE_TZ)
    async with MqttProbe(broker, f"{TOPIC}/#") as probe, controller_site(tmp_path / "site", broker, clock) as hub:
        await issue(hub, type="card", card="04A2B3C4")
        await probe.publish(f"{TOPIC}/status", json.dumps({"state": "online"}), retain=True)
        full = (await probe.wait_until(lambda: pushed(probe)))[0]
        assert (full["mode"], full["chunk"], full["chunks"], full["count"]) == ("full", 0, 1, 2)
        assert set(full["put"]) == {"card:04A2B3C4", "w26:162,46020"}
        assert full["put"]["card:04A2B3C4"]["doors"] == {"d1": "always"}, "the gate is not c1's"
        assert full["tz"] == "Asia/Shanghai" and "always" in full["schedules"]
        await confirm(hub, probe, full["version"], 2)
        answer = await hub.services.call("door", "sync_status", {}, return_response=True)
        status = answer["controllers"][0]
        assert (status["controller"], status["doors"], status["state"], status["online"]) == ("c1", ["d1"], "in_step", True)
        assert (status["expected_version"], status["expected_count"]) == (full["version"], 2)
        assert (status["confirmed_version"], status["confirmed_count"]) == (full["version"], 2)
        assert status["last_sync"] == START.isoformat()
        entity = hub.states.get("sensor.unit_1_controller_whitelist")
        assert entity.state == "in_step" and entity.attributes["expected_count"] == 2

        # A burst of changes is one delta, pushed once the changes pause.
        await issue(hub, type="pin", pin="123456")
        await issue(hub, type="pin", pin="654321")
        await hub.services.call("access", "remove_credential", {"card": "04A2B3C4"})
        assert len(pushed(probe)) == 1
        clock.advance(QUIET)
        await hub.block_till_done()
        delta = (await probe.wait_until(lambda: pushed(probe)[1:]))[0]
        assert (delta["mode"], delta["base"], delta["version"], delta["count"]) == (
            "delta", full["version"], full["version"] + 1, 2)
        assert sorted(delta["remove"]) == ["card:04A2B3C4", "w26:162,46020"] and len(delta["put"]) == 2
        assert all(key.startswith("pin:") and len(key) == 68 for key in delta["put"]), "a PIN is sent hashed"
        assert len(full["digest_key"]) == 64, "with the key a controller digests its keypad's PINs with"
        assert sync_status(hub, "c1")["controllers"][0]["state"] == "behind"
        await confirm(hub, probe, delta["version"], 2)
        assert sync_status(hub, "c1")["controllers"][0]["state"] == "in_step"
        assert len(pushed(probe)) == 2


async def test_every_row_store_of_a_running_hub_keeps_a_second_writer_out(tmp_path, broker):
    async with controller_site(tmp_path / "site", broker, ManualClock(START, SITE_TZ)) as hub:
        assert hub.config.data_dir is not None
        for name in ("residents.db", "access.db", "door_controllers.db"):
            with pytest.raises(StoreLockedError, match=rf"{name} is already open"):
                await RowStore(hub.config.data_dir / name, ["t"]).open()


async def test_a_controller_out_of_step_is_an_event_listing_the_difference(tmp_path, broker):
    clock = ManualClock(START, SITE_TZ)
    async with MqttProbe(broker, f"{TOPIC}/#") as probe, controller_site(tmp_path / "site", broker, clock) as hub:
        alarms: list[dict[str, Any]] = []
        hub.bus.listen(EVENT_OUT_OF_STEP, lambda event: alarms.append(dict(event.data)))
        await issue(hub, type="pin", pin="123456")
        await probe.publish(f"{TOPIC}/status", json.dumps({"state": "online"}), retain=True)
        version = (await probe.wait_until(lambda: pushed(probe)))[0]["version"]

        # It holds the version but not its entries: out of step at once, and sent the list again.
        await confirm(hub, probe, version, 0)
        assert alarms == [{"controller": "c1", "name": "Unit 1 controller", "expected_version": version,
                           "expected_count": 1, "confirmed_version": version, "confirmed_count": 0,
                           "last_sync": START.isoformat(),
                           "difference": f"confirmed version {version} of {version}; 0 entries of 1 (1 missing)"}]
        again = (await probe.wait_until(lambda: pushed(probe)[1:]))[0]
        assert (again["mode"], again["version"], again["count"]) == ("full", version, 1)
        await confirm(hub, probe, version, 1)
        assert sync_status(hub, "c1")["controllers"][0]["state"] == "in_step"

        # A change it never confirms: out of step once it stays behind past the grace.
        await issue(hub, type="pin", pin="654321")
        clock.advance(QUIET)
        await hub.block_till_done()
        await probe.wait_until(lambda: pushed(probe)[2:])
        clock.advance(GRACE + 10)
        await hub.block_till_done()
        assert alarms[1]["difference"] == f"confirmed version {version} of {version + 1} (1 behind); 1 entries of 2 (1 missing)"
        assert hub.states.get("sensor.unit_1_controller_whitelist").state == "out_of_step"


async def test_decisions_made_alone_land_in_the_access_log_once(tmp_path, broker):
    clock = ManualClock(START, SITE_TZ)
    async with MqttProbe(broker, f"{TOPIC}/#") as probe, controller_site(tmp_path / "site", broker, clock) as hub:
        await issue(hub, type="card", card="04A2B3C4")
        events = [
            {"event_id": "c1-e-000001", "ts": START.timestamp() - 60, "door": "d1", "type": "card",
             "value": "04A2B3C4", "granted": True, "reason": "offline: on the list (always)", "key": "card:04A2B3C4"},
            {"event_id": "c1-e-000002", "ts": START.timestamp() - 30, "door": "d1", "type": "card",
             "value": "DEADBEEF", "granted": False, "reason": "offline: not on this controller's list", "key": None},
        ]
        for attempt in ("up-1", "up-2"):  # the first acknowledgement lost: the controller sends them again
            await probe.publish(f"{TOPIC}/events", json.dumps({"request_id": attempt, "events": events}))
            await probe.wait_until(lambda attempt=attempt: [p for p in map(json.loads, probe.payloads(f"{TOPIC}/ack"))
                                                            if p["request_id"] == attempt])
        acks = [json.loads(p) for p in probe.payloads(f"{TOPIC}/ack")]
        assert [(a["accepted"], a["recorded"]) for a in acks] == [(["c1-e-000001", "c1-e-000002"], 2),
                                                                  (["c1-e-000001", "c1-e-000002"], 0)]
        log = await hub.services.call("access", "log", {"door": "d1"}, return_response=True)
        assert [(r["granted"], r["source"]) for r in log["records"]] == [(False, "offline"), (True, "offline")]
        assert [r["credential"] for r in log["records"]] == ["DEAD****", "04A2****"]
        assert [(r["reason"], r["rule"]) for r in log["records"]] == [
            ("denied: controller c1 reported: offline: not on this controller's list", "offline:c1"),
            ("granted: controller c1 reported: offline: on the list (always)", "offline:c1")]


async def test_a_controller_records_only_its_own_doors_within_the_logs_time(tmp_path, broker):
    """c1 serves d1 only: a grant it uploads for the gate, for a door that does not exist or
    dated 1970 is refused (answered as such); a grant for a card it was never sent is an alarm."""
    clock = ManualClock(START, SITE_TZ)
    async with MqttProbe(broker, f"{TOPIC}/#") as probe, controller_site(tmp_path / "site", broker, clock) as hub:
        mismatches: list[dict] = []
        hub.bus.listen("access_offline_mismatch", lambda e: mismatches.append(e.data))
        await issue(hub, type="card", card="04A2B3C4")
        await hub.block_till_done()
        event = {"ts": START.timestamp() - 60, "door": "d1", "type": "card", "value": "04A2B3C4", "granted": True}
        events = [{**event, "event_id": "x1", "door": "gate", "reason": "granted by group Residents (residents)"},
                  {**event, "event_id": "x2", "door": "no-such-door"}, {**event, "event_id": "x3", "ts": 1},
                  {**event, "event_id": "x4", "value": "0A1B2C3D"}]
        await probe.publish(f"{TOPIC}/events", json.dumps({"request_id": "forge-1", "events": events}))
        acks = await probe.wait_until(lambda: [p for p in map(json.loads, probe.payloads(f"{TOPIC}/ack"))
                                               if p["request_id"] == "forge-1"])
        assert (acks[0]["accepted"], acks[0]["refused"], acks[0]["recorded"]) == (["x4"], ["x1", "x2", "x3"], 1)
        for door in ("gate", "no-such-door"):
            assert (await hub.services.call("access", "log", {"door": door}, return_response=True))["records"] == []
        await hub.block_till_done()
        assert [(m["event_id"], m["controller"], m["problem"]) for m in mismatches] == [
            ("x4", "c1", "not on the list it was sent")]


@asynccontextmanager
async def simulated_reader(devices_dir: Path, broker: BrokerProcess) -> AsyncIterator[DoorReader]:
    """The simulator's reader d1 and its controller, on a process of their own (a hub with no
    integrations): they stay up while the site's hub is stopped."""
    devices_dir.mkdir()
    devices = Hub(HubConfig(config_dir=devices_dir), clock=ManualClock(START, SITE_TZ))
    await devices.start()
    where = Broker(broker.host, broker.port)
    gateway = DeviceConnection(devices, where, "simulated-gateway")
    timers = Timers(devices)
    ctx = SimContext(devices, random.Random(1), SimClock(devices.clock, 1.0, None), ActLog(lambda: "08:00"),
                     gateway, timers)
    reader = Reader("d1", "Building 1 unit 1 entrance", "card", 1, 1)
    connection = controller_connection(devices, where, reader)
    door = DoorReader(ctx, reader, OfflineController(ctx, reader, connection))
    for link in (gateway, connection):
        link.start()
    try:
        await asyncio.gather(gateway.wait_connected(), connection.wait_connected())
        yield door
    finally:
        timers.cancel_all()
        await asyncio.gather(gateway.stop(), connection.stop())
        await devices.stop()


async def test_with_the_hub_stopped_the_controller_decides_alone_and_the_log_gets_it_once(tmp_path, broker):
    """issue 9: with the hub stopped, a simulated controller keeps deciding from its pushed
    whitelist, and the decisions it made land in the access log once when the hub is back."""
    site = tmp_path / "site"
    async with simulated_reader(tmp_path / "devices", broker) as reader:
        controller = reader.controller
        assert controller is not None
        async with controller_site(site, broker, ManualClock(START, SITE_TZ), controller="d1") as hub:
            await issue(hub, type="card", card="04A2B3C4")
            await probe_until(lambda: "card:04A2B3C4" in controller.whitelist.entries and sync_status(
                hub, "d1")["controllers"][0]["in_step"])

        await probe_until(lambda: controller.hub_online is False)
        reader.present("card", "04A2B3C4", "a resident")
        reader.present("card", "DEADBEEF", "a stranger")
        assert controller.decided_alone == {"granted": 1, "denied": 1} and reader.door_open
        decided = list(controller.unsent.values())
        assert len(decided) == 2

        async with controller_site(site, broker, ManualClock(START, SITE_TZ), controller="d1") as hub:
            await probe_until(lambda: not controller.unsent)
            log = await hub.services.call("access", "log", {"door": "d1"}, return_response=True)
            assert [(r["granted"], r["source"], r["credential"]) for r in log["records"]] == [
                (False, "offline", "DEAD****"), (True, "offline", "04A2****")]
            # The same decisions uploaded again (as after a lost acknowledgement) change nothing.
            controller.unsent.update((e["event_id"], e) for e in decided)
            controller.upload()
            await probe_until(lambda: not controller.unsent)
            log_again = await hub.services.call("access", "log", {"door": "d1"}, return_response=True)
            assert log_again == log


async def probe_until(condition: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
