"""Gates on the reference register map over real Modbus TCP: a pymodbus server playing the
controller register by register, and the simulator's gate (its mechanics on the hub's clock)
behind its own pymodbus server, so the hub's open, confirmation and auto-close meet a
controller that moves."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import START
from tests.fixtures_modbus import ModbusTestServer
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.barrier import BarrierNotOpened, NotOpenedWhy, get_barriers
from xiaoqu.integrations.barrier.reference_map import decode
from xiaoqu.integrations.simulator.barrier import BarrierGate, FaultCode
from xiaoqu.integrations.simulator.barrier import BarrierState as Arm
from xiaoqu.integrations.simulator.modbus_server import BarrierModbusServer, ReferenceMap

from .conftest import fired, record

GATE = "barrier.main_1"


def site(host: str, port: int, **gate: Any) -> dict[str, Any]:
    return {
        "modbus": [{"name": "gates", "type": "tcp", "host": host, "port": port, "timeout": 0.3, "retries": 0}],
        "barrier": {"gates": [{"id": "main-1", "name": "Main gate lane 1",
                               "modbus": {"hub": "gates", "device_id": 1, "scan_interval": 0.5}, **gate}]},
    }


def status(state: int, fault: int = 0, vehicle: int = 0, position: int = 0, cycles: int = 0) -> list[int]:
    """The six input registers as the reference controller fills them."""
    return [state, fault, vehicle, position, cycles >> 16, cycles & 0xFFFF]


async def poll(hub: Hub, clock: ManualClock, seconds: float = 1.0) -> None:
    clock.advance(seconds)
    await hub.block_till_done()


@pytest.fixture
async def controller() -> AsyncIterator[ModbusTestServer]:
    async with ModbusTestServer(device_ids=(1,)) as server:
        await server.set_registers(1, 0, status(0, cycles=70_000), table="input")
        yield server


@asynccontextmanager
async def simulated_gate(tmp_path: Path, clock: ManualClock, **gate: Any) -> AsyncIterator[tuple[Hub, BarrierGate]]:
    """The simulator's gate (its own auto-close off, so what closes it is the hub) on a real server."""
    arm = BarrierGate(clock, "main-1", auto_close=0)
    server = BarrierModbusServer({1: (arm, ReferenceMap())}, "127.0.0.1", 0)
    await server.start()
    try:
        async with running_hub(tmp_path, site(server.host, server.port, **gate), clock=clock) as hub:
            yield hub, arm
    finally:
        arm.shutdown()
        await server.stop()


async def test_the_status_registers_become_the_gate_state(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller.host, controller.port), clock=clock) as hub:
        state = hub.states.get(GATE)
        assert state.state == "closed" and state.attributes["cycles"] == 70_000  # high word first
        assert state.attributes["friendly_name"] == "Main gate lane 1"
        for values, expected in [(status(1, vehicle=1, position=40), "opening"), (status(2, vehicle=1), "open"),
                                 (status(3), "closing"), (status(4, position=55), "stopped")]:
            await controller.set_registers(1, 0, values, table="input")
            await poll(hub, clock)
            assert hub.states.get(GATE).state == expected
        assert hub.states.get(GATE).attributes["position"] == 55
        await controller.set_registers(1, 0, status(5, fault=3), table="input")
        await poll(hub, clock)
        state = hub.states.get(GATE)
        assert (state.state, state.attributes["fault"], state.attributes["fault_code"]) == ("fault", "arm breakaway", 3)


async def test_a_silent_controller_is_one_fault_episode_until_it_answers(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller.host, controller.port), clock=clock) as hub:
        events = record(hub)
        controller.silence(1)
        for _ in range(3):
            await poll(hub, clock)
        state = hub.states.get(GATE)
        assert state.state == "unavailable" and "no answer within 0.3 s" in state.attributes["fault"]
        with pytest.raises(BarrierNotOpened, match=r"^barrier\.main_1 cannot open: it is unavailable \(modbus hub "
                                                   r"'gates', device 1, input registers 0-5: no answer within 0\.3 s\)"):
            await get_barriers(hub).open(GATE, reason="resident")
        controller.heal(1)
        for _ in range(4):  # the line backs off before reconnecting
            await poll(hub, clock)
        assert hub.states.get(GATE).state == "closed"
        assert [kind for kind, _ in fired(events)] == ["barrier_fault", "barrier_recovered"]
        assert "no answer" in events[0].data["fault"]


async def test_open_writes_the_coil_and_reads_the_status_back_until_the_arm_rises(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller.host, controller.port), clock=clock) as hub:
        async def firmware() -> None:  # a controller that takes a moment to start the motor
            await asyncio.sleep(0.15)
            assert await controller.get_bits(1, 0, 4) == [True, False, False, False]
            await controller.set_registers(1, 0, status(1), table="input")

        reads = len(controller.reads(1))
        opened, _ = await asyncio.gather(get_barriers(hub).open(GATE, reason="resident"), firmware())
        assert opened.state == "opening" and 0.1 < opened.seconds < 1
        assert len(controller.reads(1)) > reads + 1  # read back more than once, without waiting for a poll


async def test_a_controller_that_does_not_act_is_named_with_the_wait(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller.host, controller.port, confirm_timeout=0.3), clock=clock) as hub:
        with pytest.raises(BarrierNotOpened, match=r"^barrier\.main_1 did not confirm opening within 0\.3 s "
                                                   r"\(it reports closed\)$"):
            await get_barriers(hub).open(GATE, reason="resident")


async def test_a_refused_command_is_the_modbus_error(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller.host, controller.port), clock=clock) as hub:
        controller.fail(1, 4)  # server device failure, on the write as on every request
        with pytest.raises(BarrierNotOpened, match=r"^barrier\.main_1 did not take the open command: modbus hub "
                                                   r"'gates', device 1, coil 0: server device failure") as caught:
            await get_barriers(hub).open(GATE, reason="resident")
        assert caught.value.why is NotOpenedWhy.COMMAND_FAILED


async def test_a_car_through_the_simulated_gate_and_the_arm_down_behind_it(tmp_path):
    clock = ManualClock(START)
    # the simulated controller lowers the arm 1 s after the car itself; the hub is quicker here
    async with simulated_gate(tmp_path, clock, close_after_pass=0.25) as (hub, arm):
        arm.vehicle_arrived()
        await poll(hub, clock)
        assert hub.states.get(GATE).attributes["vehicle_present"] is True
        opened = await get_barriers(hub).open(GATE, reason="resident 粤B12345")
        assert opened.state == "opening" and arm.state is Arm.OPENING
        await poll(hub, clock, 3)
        assert hub.states.get(GATE).state == "open"
        arm.vehicle_left()
        await poll(hub, clock, 0.5)  # the hub sees the loop empty at its next poll
        await poll(hub, clock, 0.25)  # ... and closes the arm behind the car
        assert arm.state is Arm.CLOSING
        assert hub.states.get(GATE).attributes["command_reason"] == "auto-close: the car has passed"
        await poll(hub, clock, 3)
        assert hub.states.get(GATE).state == "closed" and arm.cycles == 1


async def test_an_arm_no_car_went_under_comes_down_after_n_seconds(tmp_path):
    clock = ManualClock(START)
    async with simulated_gate(tmp_path, clock, auto_close=15) as (hub, arm):
        await get_barriers(hub).open(GATE, reason="visitor")
        await poll(hub, clock, 3)  # up: 15 s from now
        await poll(hub, clock, 14.5)
        assert arm.state is Arm.OPEN
        await poll(hub, clock, 0.5)
        assert arm.state is Arm.CLOSING


async def test_a_fault_on_the_simulated_gate_and_the_technicians_reset(tmp_path):
    clock = ManualClock(START)
    async with simulated_gate(tmp_path, clock) as (hub, arm):
        events = record(hub)
        arm.fail(FaultCode.ENCODER_LOST)
        await poll(hub, clock)
        with pytest.raises(BarrierNotOpened, match=r"it reports a fault \(encoder lost\) since 2026-03-02T08:00:01"):
            await get_barriers(hub).open(GATE, reason="resident")
        arm.reset()
        await poll(hub, clock)
        assert fired(events) == [("barrier_fault", "encoder lost"), ("barrier_recovered", "encoder lost")]


async def test_an_unknown_modbus_hub_is_named(tmp_path, controller):
    config = site(controller.host, controller.port)
    config["barrier"]["gates"][0]["modbus"]["hub"] = "gate_line"
    async with running_hub(tmp_path, config, expect_problems=True) as hub:
        problems = [str(p) for p in hub.plugins.problems]
    assert any("barrier.gates[0] (main-1): no modbus hub 'gate_line'" in p and "gates" in p for p in problems), problems


def test_decode_reads_the_reference_map():
    reading = decode([2, 0, 1, 100, 1, 4464])
    assert (reading.state, reading.vehicle_present, reading.position, reading.cycles) == ("open", True, 100, 70_000)
    assert decode([5, 9, 0, 0, 0, 0]).fault == "unknown fault code 9"
    unknown = decode([7, 0, 0, 0, 0, 0])
    assert (unknown.state, unknown.fault) == ("fault", "unknown state 7 in input register 0")


async def test_a_locked_simulated_arm_never_confirms_an_open(tmp_path):
    clock = ManualClock(START)
    async with simulated_gate(tmp_path, clock, confirm_timeout=0.3) as (hub, arm):
        arm.lock()  # the guard's key switch: the coil write is answered, the arm stays down
        with pytest.raises(BarrierNotOpened, match=r"^barrier\.main_1 did not confirm opening within 0\.3 s") as caught:
            await get_barriers(hub).open(GATE, reason="resident")
        assert caught.value.why is NotOpenedWhy.TIMEOUT and arm.state is Arm.CLOSED


async def test_a_simulated_controller_losing_power_is_silent_then_sound(tmp_path):
    clock = ManualClock(START)
    async with simulated_gate(tmp_path, clock) as (hub, arm):
        events = record(hub)
        arm.power_off()
        for _ in range(3):
            await poll(hub, clock)
        assert hub.states.get(GATE).state == "unavailable"
        arm.power_on()
        for _ in range(4):  # the line backs off before reconnecting
            await poll(hub, clock)
        assert hub.states.get(GATE).state == "closed"
        assert [kind for kind, _ in fired(events)] == ["barrier_fault", "barrier_recovered"]
