"""The simulator's lanes through the barrier integration, as the demo runs them: the main gate's
lane on the reference Modbus map (the simulator's pymodbus server) and the back gate on the
device protocol (a real broker), both the same barrier entity to the hub."""
from __future__ import annotations

from tests.conftest import START
from tests.fixtures_mqtt import free_port
from tests.integrations.simulator.conftest import run_for, simulated
from xiaoqu.core.bus import Context
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.barrier import get_barriers
from xiaoqu.integrations.simulator.gates import Car

from .conftest import fired, record

#: Two lanes: main-1 (Modbus, reference map) and back-1 (MQTT); nothing else in the estate.
LANES = {"barriers": 1, "mqtt_barriers": 1, "lpr_cameras": 0, "readers": 0, "smart_home_devices": 0,
         "pos_terminals": 0, "patrol_wands": 0}
PARKING = Context(source="parking")


def sections(port: int) -> dict:
    return {
        "simulator": {**LANES, "modbus_port": port},
        "modbus": [{"name": "gates", "type": "tcp", "host": "127.0.0.1", "port": port, "timeout": 1, "retries": 0}],
        "barrier": {"gates": [
            {"id": "main-1", "name": "Main gate lane 1", "modbus": {"hub": "gates", "device_id": 1, "scan_interval": 0.5}},
            {"id": "back-1", "name": "Back gate", "auto_close": 20},
        ]},
    }


async def test_a_car_through_each_lane_opened_by_the_hub(tmp_path, broker):
    clock = ManualClock(START)
    async with simulated(tmp_path, broker, clock, **sections(free_port())) as hub:
        await run_for(hub, clock, 2, step=0.5)
        assert hub.states.get("barrier.main_1").state == "closed"
        assert hub.states.get("barrier.back_1").state == "closed"
        sim, barriers = hub.data["simulator"], get_barriers(hub)
        main, back = sim.lanes
        for lane, gate in ((main, "barrier.main_1"), (back, "barrier.back_1")):
            lane.arrive(Car("粤B12345", "in", "resident 1-1-0101"))
            await run_for(hub, clock, 1, step=0.5)
            opened = await barriers.open(gate, reason="resident 粤B12345", context=PARKING)
            assert opened.state == "opening", gate
            await run_for(hub, clock, 12, step=0.5)  # up in 3 s, through in 1.5-3.5 s, down in 3 s
            assert lane.passed and lane.guard_opened == 0, gate
            assert hub.states.get(gate).state == "closed", gate
        assert hub.states.get("barrier.main_1").attributes["cycles"] == 1


async def test_the_back_gates_reports_keep_it_available_and_a_fault_is_one_episode(tmp_path, broker):
    clock = ManualClock(START)
    async with simulated(tmp_path, broker, clock, **sections(free_port())) as hub:
        events = record(hub)
        await run_for(hub, clock, 600, step=10)  # ten minutes: its reports every minute keep it heard
        assert hub.states.get("barrier.back_1").state == "closed"
        sim = hub.data["simulator"]
        sim.traffic.barrier_fault()  # the fault stream, on demand: one of the two lanes
        await run_for(hub, clock, 2, step=0.5)
        (fault,) = [e.data for e in events]
        assert hub.states.get(fault["entity_id"]).state == "fault"
        faulty = next(lane for lane in sim.lanes if lane.gate.fault_code)
        faulty.gate.reset()
        await run_for(hub, clock, 5, step=0.5)
        assert [kind for kind, _ in fired(events)] == ["barrier_fault", "barrier_recovered"]


async def test_the_guard_raising_the_back_gate_by_remote_is_recorded(tmp_path, broker):
    clock = ManualClock(START)
    async with simulated(tmp_path, broker, clock, **sections(free_port())) as hub:
        raised = record(hub, "barrier_raised_locally")
        await run_for(hub, clock, 2, step=0.5)
        back = hub.data["simulator"].lanes[1]
        back.arrive(Car("粤B12345", "in", "visitor"))  # no camera, and the hub is told nothing
        await run_for(hub, clock, 20, step=0.5)
        assert back.guard_opened == 1 and back.passed
        assert [e.data["entity_id"] for e in raised] == ["barrier.back_1"]
