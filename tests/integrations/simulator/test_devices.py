"""Smart-home devices found through discovery and obeying the hub; barriers polled and
commanded through the modbus integration; everything let go when the hub stops."""
from __future__ import annotations

import asyncio
import socket

import pytest

from tests.conftest import START
from tests.fixtures_mqtt import free_port
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.const import EVENT_STATE_CHANGED
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.simulator.barrier import BarrierState
from xiaoqu.integrations.simulator.gates import Car
from xiaoqu.integrations.simulator.modbus_server import COIL_OPEN, IR_STATE

from .conftest import run_for, simulated, wait_for

SMART_HOME = {"buildings": 1, "units_per_building": 1, "floors": 2, "smart_home_devices": 3, "barriers": 0,
              "mqtt_barriers": 0, "readers": 0, "pos_terminals": 0, "patrol_wands": 0}


def one(hub, domain: str, suffix: str = "") -> str:
    found = [e for e in hub.states.entity_ids(domain) if e.endswith(suffix) and "mqtt_" not in e]
    assert len(found) == 1, (domain, suffix, hub.states.entity_ids(domain))
    return found[0]


async def test_smart_home_devices_appear_and_obey(tmp_path, broker):
    clock = ManualClock(START)
    async with simulated(tmp_path, broker, clock, simulator=SMART_HOME) as hub:
        await wait_for(lambda: len(hub.states.entity_ids("switch")) and len(hub.states.entity_ids("light"))
                       and len(hub.states.entity_ids("sensor")) >= 3)
        await mqtt.get(hub).client.wait_subscribed()
        plug, power = one(hub, "switch"), one(hub, "sensor", "_power")
        light, temperature = one(hub, "light"), one(hub, "sensor", "_temperature")
        assert hub.states.get(plug).state == "off" and float(hub.states.get(power).state) == 0
        assert 15 < float(hub.states.get(temperature).state) < 30
        assert hub.states.get(temperature).attributes["unit_of_measurement"] == "°C"

        await hub.services.call("switch", "turn_on", {"entity_id": plug})
        await wait_for(lambda: hub.states.is_state(plug, "on"))
        await wait_for(lambda: float(hub.states.get(power).state) > 0)
        await hub.services.call("light", "turn_on", {"entity_id": light, "brightness_pct": 40})
        await wait_for(lambda: hub.states.is_state(light, "on"))
        assert hub.states.get(light).attributes["brightness"] == 102
        await hub.services.call("light", "turn_off", {"entity_id": light})
        await wait_for(lambda: hub.states.is_state(light, "off"))

        lamp = next(d for d in hub.data["simulator"].smart_home if d.device.kind == "light")
        lamp.press()  # the resident flicks the wall switch
        await wait_for(lambda: hub.states.is_state(light, "on"))

        before = hub.states.get(temperature).last_updated
        await run_for(hub, clock, 31)
        await wait_for(lambda: hub.states.get(temperature).last_updated > before)


async def test_devices_go_offline_when_the_simulator_stops(tmp_path, broker):
    clock = ManualClock(START)
    async with simulated(tmp_path, broker, clock, simulator=SMART_HOME) as hub:
        await wait_for(lambda: hub.states.entity_ids("light") and hub.states.entity_ids("switch"))
        light, plug = one(hub, "light"), one(hub, "switch")
        await wait_for(lambda: hub.states.get(light).state != "unavailable")
        sim = hub.data["simulator"]
        await sim.stop()
        await wait_for(lambda: hub.states.is_state(light, "unavailable") and hub.states.is_state(plug, "unavailable"))


def barrier_modbus(port: int) -> dict:
    """The modbus integration polling the simulated barriers (as the demo config does)."""
    sensors = [{"name": f"Gate {unit} state", "address": IR_STATE, "input_type": "input", "device_id": unit,
                "scan_interval": 1} for unit in (1, 2)]
    vehicles = [{"name": f"Gate {unit} vehicle", "address": 0, "input_type": "discrete_input", "device_id": unit,
                 "scan_interval": 1} for unit in (1, 2)]
    return {"name": "gates", "type": "tcp", "host": "127.0.0.1", "port": port, "timeout": 1, "retries": 0,
            "sensors": sensors, "binary_sensors": vehicles}


async def test_a_barrier_moves_through_its_states_over_modbus(tmp_path, broker):
    port = free_port()
    clock = ManualClock(START)
    config = {"barriers": 2, "mqtt_barriers": 0, "readers": 0, "smart_home_devices": 0, "pos_terminals": 0,
              "patrol_wands": 0, "modbus_port": port}
    async with simulated(tmp_path, broker, clock, simulator=config, modbus=[barrier_modbus(port)]) as hub:
        seen: list[str] = []
        hub.bus.listen(EVENT_STATE_CHANGED, lambda e: seen.append(e.data["new_state"].state)
                       if e.data["entity_id"] == "sensor.gate_1_state" else None)
        await run_for(hub, clock, 2, step=0.5)
        assert hub.states.is_state("sensor.gate_1_state", str(int(BarrierState.CLOSED)))
        # A car rolls up; nobody in the hub opens the arm, so after a while the guard does.
        sim = hub.data["simulator"]
        sim.lanes[0].arrive(Car("粤B12345", "in", "visitor"))
        await run_for(hub, clock, 1, step=0.5)
        assert hub.states.is_state("binary_sensor.gate_1_vehicle", "on")
        await run_for(hub, clock, 30, step=0.5)
        assert seen == ["1", "2", "3", "0"]  # opening, open, closing, closed
        assert hub.states.is_state("binary_sensor.gate_1_vehicle", "off")
        # The hub opens gate 2 with the modbus integration's write service.
        await hub.services.call("modbus", "write_coil", {"hub": "gates", "device_id": 2, "address": COIL_OPEN,
                                                         "state": True})
        await run_for(hub, clock, 1, step=0.5)
        assert hub.states.is_state("sensor.gate_2_state", str(int(BarrierState.OPENING)))
        await run_for(hub, clock, 3, step=0.5)
        assert hub.states.is_state("sensor.gate_2_state", str(int(BarrierState.OPEN)))


async def test_stopping_the_hub_closes_the_server_and_ends_every_task(tmp_path, broker):
    clock = ManualClock(START)
    port = free_port()
    async with simulated(tmp_path, broker, clock, simulator={"modbus_port": port}) as hub:
        await run_for(hub, clock, 60, step=5)
        assert [t for t in asyncio.all_tasks() if t.get_name().startswith("simulator device")]
    await asyncio.sleep(0)
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("simulator device")]
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


async def test_readers_and_pos_terminals_wait_for_the_hubs_answer(tmp_path, broker):
    """The test plays the access and cards integrations: it answers on the device protocol."""
    clock = ManualClock(START)
    config = {**SMART_HOME, "smart_home_devices": 0, "readers": 1, "pos_terminals": 1}
    async with simulated(tmp_path, broker, clock, simulator=config) as hub:
        sim = hub.data["simulator"]
        reader, terminal = sim.readers[0], sim.pos[0]
        resident = sim.estate.residents[0]
        doors: list[str] = []

        def decide(message, reply):
            granted = message.payload["value"] == resident.card
            reply({"granted": granted, **({} if granted else {"reason": "unknown card"})})
            if granted:
                mqtt.publish_nowait(hub, f"xiaoqu/demo/door/{message.device_id}/command", {"action": "unlock"}, qos=1)

        mqtt.register_device_message(hub, "reader/credential", "reader_credential", decide)
        mqtt.register_device_message(hub, "door/state", "door_state", lambda m, _r: doors.append(m.payload["state"]))
        mqtt.register_device_message(hub, "pos/charge", "pos_charge",
                                     lambda m, reply: reply({"ok": m.payload["amount"] < 100_000, "balance": 5000}))

        reader.present("card", resident.card, resident.name)
        reader.present("card", "DEADBEEF", "a stranger")
        terminal.charge(resident.name, resident.card)
        await wait_for(lambda: reader.answers["granted"] == 1 and reader.answers["denied"] == 1
                       and terminal.results["ok"] == 1)
        await wait_for(lambda: doors == ["open"])  # the resident pushes the unlocked door
        await run_for(hub, clock, 10)
        await wait_for(lambda: doors == ["open", "closed"])  # and it swings shut behind them
        assert reader.answers["unanswered"] == 0
