"""The Acme plugin against a real pymodbus server laid out as Acme's AB-300 controller.

The test plays the controller: it sets the status registers as the firmware would and reads
back the coils the hub pulsed.
"""
from __future__ import annotations

import asyncio

import pytest

from tests.conftest import START
from tests.fixtures_modbus import ModbusTestServer
from xiaoqu.core.bus import Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import HubError
from xiaoqu.core.states import State
from xiaoqu.core.testing import running_hub
from xiaoqu.plugins.acme_barrier.registers import COIL_CLOSE, COIL_OPEN, COIL_STOP, REG_STATUS, Status, decode

ENTITY = "barrier.north_gate_exit"


def status(*flags: Status, fault: int = 0, cycles: int = 0) -> list[int]:
    """The four registers at REG_STATUS as the controller fills them."""
    bits = 0
    for flag in flags:
        bits |= flag
    return [bits, fault, cycles & 0xFFFF, cycles >> 16]


@pytest.fixture
async def controller():
    async with ModbusTestServer(device_ids=(2,)) as server:
        await server.set_registers(2, REG_STATUS, status(Status.CLOSED, cycles=70_000))
        yield server


def site(server: ModbusTestServer, **barrier) -> dict:
    return {
        "modbus": [{"name": "gates", "type": "tcp", "host": server.host, "port": server.port,
                    "timeout": 0.5, "retries": 0}],
        "acme_barrier": [{"name": "North gate exit", "hub": "gates", "device_id": 2, "scan_interval": 1, **barrier}],
    }


async def poll(hub, clock: ManualClock, seconds: float = 1.0) -> None:
    clock.advance(seconds)
    await hub.block_till_done()


def barrier_state(hub) -> State:
    """The barrier's state (the entity exists from set-up on)."""
    state = hub.states.get(ENTITY)
    assert state is not None
    return state


async def test_the_status_register_becomes_the_barrier_state(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller), clock=clock) as hub:
        state = barrier_state(hub)
        assert state.state == "closed"
        assert state.attributes["cycles"] == 70_000  # low word first: 4464 + 1 × 65536
        assert state.attributes["vehicle_present"] is False and state.attributes["fault"] is None
        for flags, expected in [((Status.OPENING, Status.VEHICLE), "opening"), ((Status.OPEN, Status.VEHICLE), "open"),
                                ((Status.CLOSING,), "closing"), ((), "stopped")]:
            await controller.set_registers(2, REG_STATUS, status(*flags))
            await poll(hub, clock)
            assert barrier_state(hub).state == expected
        await controller.set_registers(2, REG_STATUS, status(Status.FAULT, Status.OPENING, fault=0x0301))
        await poll(hub, clock)
        state = barrier_state(hub)
        assert state.state == "fault"
        assert (state.attributes["fault_code"], state.attributes["fault"]) == (0x0301, "arm breakaway")


async def rises_when_told(controller: ModbusTestServer) -> None:
    """The firmware, a moment after the open coil was pulsed: the arm starts rising (the hub
    reads the status back until it does)."""
    await asyncio.sleep(0.15)
    assert await controller.get_bits(2, COIL_OPEN, 1) == [True]
    await controller.set_registers(2, REG_STATUS, status(Status.OPENING))


@pytest.mark.parametrize(("service", "coil"), [("open", COIL_OPEN), ("close", COIL_CLOSE), ("stop", COIL_STOP)])
async def test_services_pulse_the_command_coil_and_poll_at_once(tmp_path, controller, service, coil):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller), clock=clock) as hub:
        reads = len(controller.reads(2))
        call = hub.services.call("barrier", service, {"entity_id": ENTITY})
        if service == "open":  # barrier.open waits until the gate confirms the arm is rising
            await asyncio.gather(call, rises_when_told(controller))
        else:
            await call
        await hub.block_till_done()
        assert await controller.get_bits(2, COIL_OPEN, 3) == [c == coil for c in (COIL_OPEN, COIL_CLOSE, COIL_STOP)]
        assert len(controller.reads(2)) > reads  # re-read without waiting for the next poll


async def test_an_open_the_controller_does_not_act_on_is_refused_naming_the_gate(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller, confirm_timeout=0.2), clock=clock) as hub:
        with pytest.raises(HubError, match=rf"^{ENTITY} did not confirm opening within 0.2 s \(it reports closed\)$"):
            await hub.services.call("barrier", "open", {"entity_id": ENTITY})
        assert await controller.get_bits(2, COIL_OPEN, 1) == [True]


async def test_a_fault_bit_is_one_fault_event_until_the_gate_is_sound(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller), clock=clock) as hub:
        events: list[Event] = []
        for kind in ("barrier_fault", "barrier_recovered"):
            hub.bus.listen(kind, events.append)
        await controller.set_registers(2, REG_STATUS, status(Status.FAULT, fault=0x0102))
        for _ in range(3):  # the controller repeats itself: one episode
            await poll(hub, clock)
        await controller.set_registers(2, REG_STATUS, status(Status.CLOSED))
        await poll(hub, clock)
        assert [(e.event_type, e.data["fault"]) for e in events] == [
            ("barrier_fault", "motor overheated"), ("barrier_recovered", "motor overheated")]


async def test_a_silent_controller_makes_the_barrier_unavailable_until_it_answers(tmp_path, controller):
    clock = ManualClock(START)
    async with running_hub(tmp_path, site(controller), clock=clock) as hub:
        controller.silence(2)
        await poll(hub, clock)
        assert barrier_state(hub).state == "unavailable"
        controller.heal(2)
        for _ in range(3):  # the line backs off before reconnecting
            await poll(hub, clock)
        assert barrier_state(hub).state == "closed"


async def test_an_unknown_modbus_hub_is_named(tmp_path, controller):
    config = site(controller, hub="gate_line")
    async with running_hub(tmp_path, config, expect_problems=True) as hub:
        problems = [str(p) for p in hub.plugins.problems]
    assert any("acme_barrier[0] (North gate exit): no modbus hub 'gate_line'" in p and "gates" in p
               for p in problems), problems


def test_decode_reads_bits_fault_and_the_low_word_first_counter():
    reading = decode([0b100010, 0, 5, 2])
    assert (reading.state, reading.vehicle_present, reading.cycles) == ("open", True, 2 * 65536 + 5)
    assert decode([0b10000, 0x0999, 0, 0]).fault == "unknown fault 0x0999"
    assert decode([0b1000000, 0, 0, 0]).state == "stopped"  # bits Acme does not define are ignored
