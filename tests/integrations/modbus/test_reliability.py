"""Devices that go down, come back, answer with exceptions, or answer slowly."""
from __future__ import annotations

import logging

from xiaoqu.core.const import STATE_UNAVAILABLE
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.modbus import EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED, get_hub

from .conftest import hub_conf, modbus_hub, record, state, tick

SENSORS = [
    {"name": "One", "address": 0, "device_id": 1},
    {"name": "One slow", "address": 1, "device_id": 1, "scan_interval": 60},
    {"name": "Two", "address": 0, "device_id": 2},
]


async def test_device_that_stops_answering_is_unavailable_and_faults_once(tmp_path, clock, server):
    await server.set_registers(1, 0, [11, 12])
    await server.set_registers(2, 0, [21])
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=SENSORS)) as hub:
        events = record(hub, EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED)
        assert state(hub, "sensor.one") == "11"
        server.silence(1)
        reads_before = len(server.reads(1))
        await tick(hub, clock, 10)  # the first poll after it went quiet
        assert len(server.reads(1)) - reads_before == 2, "one try and the hub's one retry"
        assert state(hub, "sensor.one") == STATE_UNAVAILABLE
        assert state(hub, "sensor.one_slow") == STATE_UNAVAILABLE, "every value of the device, not only the polled one"
        assert state(hub, "sensor.two") == "21", "device 2 on the same line is unaffected"
        assert [(e.event_type, e.data) for e in events] == [
            (EVENT_DEVICE_FAULT, {"hub": "plant", "device_id": 1, "reason": "no answer within 0.5 s"}),
        ]
        reads_before = len(server.reads(1))
        await tick(hub, clock, 10)
        await tick(hub, clock, 10)
        assert len(events) == 1, "the fault fires once per outage"
        assert len(server.reads(1)) - reads_before == 2, "a down device gets one probe per poll, no retries"

        server.heal(1)
        await server.set_registers(1, 0, [13, 14])
        await tick(hub, clock, 10)
        assert state(hub, "sensor.one") == "13"
        assert state(hub, "sensor.one_slow") == "14", "recovery re-reads the device's other schedules at once"
        assert [e.event_type for e in events] == [EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED]
        assert events[1].data == {"hub": "plant", "device_id": 1}


async def test_server_going_away_and_coming_back(tmp_path, clock, server):
    await server.set_registers(1, 0, [5])
    await server.set_registers(2, 0, [6])
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=SENSORS)) as hub:
        events = record(hub, EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED)
        await server.stop()
        await tick(hub, clock, 10)
        assert {state(hub, e) for e in ("sensor.one", "sensor.one_slow", "sensor.two")} == {STATE_UNAVAILABLE}
        faults = sorted((e.data["device_id"], e.data["reason"]) for e in events)
        assert faults[0][0] == 1 and faults[1][0] == 2
        assert all(reason.startswith(("connection to", "cannot connect to", "no answer")) for _, reason in faults)
        for _ in range(3):  # stays down: no more events, and no crash
            await tick(hub, clock, 10)
        assert len(events) == 2

        await server.start()
        await tick(hub, clock, 10)
        assert (state(hub, "sensor.one"), state(hub, "sensor.two")) == ("5", "6")
        assert sorted(e.data["device_id"] for e in events if e.event_type == EVENT_DEVICE_RECOVERED) == [1, 2]


async def test_a_server_not_listening_yet_at_the_first_poll_is_read_once_it_is(tmp_path, clock, server):
    """No integration need be set up before modbus: a device that is not there at the first
    poll (a gateway still booting, the simulator's server) is unavailable until it answers."""
    await server.set_registers(1, 0, [7])
    await server.stop()
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=SENSORS[:1])) as hub:
        await tick(hub, clock, 10)
        assert state(hub, "sensor.one") == STATE_UNAVAILABLE

        await server.start()
        await tick(hub, clock, 10)
        assert state(hub, "sensor.one") == "7"


async def test_exception_answers_make_the_entity_unavailable_and_are_logged_once(tmp_path, clock, server, caplog):
    await server.set_registers(1, 0, [1])
    sensors = [{"name": "Good", "address": 0}, {"name": "Beyond", "address": 2000}]  # the device has 1000
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        events = record(hub, EVENT_DEVICE_FAULT)
        assert state(hub, "sensor.good") == "1"
        assert state(hub, "sensor.beyond") == STATE_UNAVAILABLE
        for _ in range(3):
            await tick(hub, clock, 10)
        warnings = [r.getMessage() for r in caplog.records
                    if r.levelno == logging.WARNING and "sensor.beyond" in r.getMessage()]
        assert warnings == ["sensor.beyond is unavailable: modbus hub 'plant', device 1, holding register 2000: "
                            "illegal data address (exception 2)"], "logged once, not at every poll"
        assert events == [], "a device that answers is not down, even with an exception"

        server.fail(1, 4)  # the whole device reports a failure
        await tick(hub, clock, 10)
        assert state(hub, "sensor.good") == STATE_UNAVAILABLE
        assert "server device failure (exception 4)" in caplog.text
        server.heal(1)
        await tick(hub, clock, 10)
        assert state(hub, "sensor.good") == "1"


async def test_merged_read_refused_is_split_and_only_the_bad_address_fails(tmp_path, clock, server):
    await server.set_registers(1, 995, [1, 2, 3, 4, 5])
    # 995-999 exist, 1003 does not: merged (gap of 3) the read is refused as a whole.
    sensors = [{"name": f"R{a}", "address": a} for a in (995, 997, 999, 1003)]
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        assert [state(hub, f"sensor.r{a}") for a in (995, 997, 999)] == ["1", "3", "5"]
        assert state(hub, "sensor.r1003") == STATE_UNAVAILABLE
        first = [(r.address, r.count) for r in server.reads(1)]
        assert first[0] == (995, 9), "first the merged read"
        server.requests.clear()
        await tick(hub, clock, 10)
        assert sorted((r.address, r.count) for r in server.reads(1)) == [(995, 1), (997, 1), (999, 1), (1003, 1)]


async def test_slow_device_costs_other_devices_one_timeout_per_poll(tmp_path, clock, server):
    await server.set_registers(1, 0, [1, 2])
    await server.set_registers(2, 0, [3])
    conf = hub_conf(server, sensors=SENSORS, devices=[{"device_id": 1, "timeout": 0.3, "retries": 0}])
    async with modbus_hub(tmp_path, clock, conf) as hub:
        modbus = get_hub(hub, "plant")
        server.slow(1, 1.0)  # answers after its 0.3 s timeout
        for value in (30, 31, 32):
            await server.set_registers(2, 0, [value])
            await tick(hub, clock, 10)
            assert state(hub, "sensor.two") == str(value), "device 2 keeps being read, every poll"
        assert state(hub, "sensor.one") == STATE_UNAVAILABLE
        # two schedules read it at start (10 s and 60 s), then one try per 10 s poll: no retries, no pile-up
        assert modbus.line.stats.by_device[1] == 2 + 3
        server.heal(1)
        await tick(hub, clock, 10)
        assert state(hub, "sensor.one") == "1"


async def test_a_connection_that_only_gets_silence_is_made_again(tmp_path, clock, server):
    sensors = [{"name": "One", "address": 0}]
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        line = get_hub(hub).line
        assert line.stats.connects == 1
        server.silence(1)
        await tick(hub, clock, 10)  # two attempts without an answer
        await tick(hub, clock, 10)  # the third: the connection is closed (a gateway may have rebooted)
        assert not line.connected
        server.heal(1)
        await tick(hub, clock, 10)
        assert line.stats.connects == 2
        assert state(hub, "sensor.one") == "0"


async def test_a_recurring_problem_is_logged_again_after_ten_minutes(tmp_path, clock, server, caplog):
    sensors = [{"name": "Beyond", "address": 5000, "scan_interval": 60}]
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        for _ in range(10):
            await tick(hub, clock, 60)
        assert state(hub, "sensor.beyond") == STATE_UNAVAILABLE
    assert caplog.text.count("sensor.beyond is unavailable") == 2, "at start, and once 600 s later"


async def test_an_automation_reacts_to_a_fault(tmp_path, clock, server):
    """The example of docs/modbus.md."""
    automation = [{
        "alias": "Gate controller offline",
        "triggers": [{"trigger": "event", "event_type": "modbus_device_fault", "event_data": {"hub": "plant"}}],
        "actions": [{"event": "staff_alert", "event_data": {
            "text": "Gate controller {{ trigger.event.data.device_id }}: {{ trigger.event.data.reason }}"}}],
    }]
    config = {"modbus": [hub_conf(server, sensors=[{"name": "Arm", "address": 0, "device_id": 3}])],
              "automation": automation}
    async with running_hub(tmp_path, config, clock=clock) as hub:
        alerts = record(hub, "staff_alert")
        server.silence(3)
        await tick(hub, clock, 10)
        assert [e.data for e in alerts] == [{"text": "Gate controller 3: no answer within 0.5 s"}]
