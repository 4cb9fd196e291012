"""The simulated barrier gates over a real Modbus TCP connection: commands move the arm
through its states on the hub's clock, the registers show it, safety rules hold."""
from __future__ import annotations

import pytest
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusIOException

from xiaoqu.integrations.simulator.acme_device import COIL_OPEN as ACME_OPEN
from xiaoqu.integrations.simulator.acme_device import REG_STATUS, AcmeMap
from xiaoqu.integrations.simulator.barrier import BarrierGate, BarrierState, FaultCode
from xiaoqu.integrations.simulator.modbus_server import (
    COIL_CLOSE,
    COIL_OPEN,
    COIL_RESET,
    COIL_STOP,
    DI_CLOSED,
    DI_FAULT,
    DI_OPEN,
    DI_VEHICLE,
    HR_AUTO_CLOSE,
    IR_CYCLES_LOW,
    IR_FAULT_CODE,
    IR_POSITION,
    IR_STATE,
    IR_VEHICLE,
    BarrierModbusServer,
    ModbusServerError,
    ReferenceMap,
)


@pytest.fixture
async def gates(clock):
    return {1: BarrierGate(clock, "main-1"), 2: BarrierGate(clock, "main-2")}


@pytest.fixture
async def server(gates):
    server = BarrierModbusServer({unit: (gate, ReferenceMap()) for unit, gate in gates.items()}, "127.0.0.1", 0)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def client(server):
    client = AsyncModbusTcpClient("127.0.0.1", port=server.port)
    assert await client.connect()
    yield client
    client.close()


async def registers(client, unit):
    reply = await client.read_input_registers(0, count=6, device_id=unit)
    assert not reply.isError(), reply
    return reply.registers


async def test_open_command_moves_the_arm_through_its_states(client, gates, clock):
    reply = await client.write_coil(COIL_OPEN, True, device_id=1)
    assert not reply.isError()
    assert (await registers(client, 1))[IR_STATE] == BarrierState.OPENING
    clock.advance(1.5)
    regs = await registers(client, 1)
    assert regs[IR_STATE] == BarrierState.OPENING and regs[IR_POSITION] == 50
    clock.advance(1.5)
    regs = await registers(client, 1)
    assert regs[IR_STATE] == BarrierState.OPEN and regs[IR_POSITION] == 100 and regs[IR_CYCLES_LOW] == 1
    bits = (await client.read_discrete_inputs(0, count=4, device_id=1)).bits
    assert bits[DI_OPEN] and not bits[DI_CLOSED] and not bits[DI_FAULT]
    # No car came: the arm closes by itself after the auto-close delay.
    clock.advance(10)
    assert (await registers(client, 1))[IR_STATE] == BarrierState.CLOSING
    clock.advance(3)
    assert (await registers(client, 1))[IR_STATE] == BarrierState.CLOSED
    assert (await client.read_discrete_inputs(0, count=4, device_id=1)).bits[DI_CLOSED]
    # The other unit id is another gate, untouched.
    assert gates[2].state is BarrierState.CLOSED and gates[2].cycles == 0


async def test_command_coils_are_momentary(client):
    await client.write_coil(COIL_OPEN, True, device_id=1)
    assert (await client.read_coils(0, count=4, device_id=1)).bits[:4] == [False] * 4


async def test_a_car_on_the_loop_keeps_the_arm_up_and_reverses_a_closing_arm(client, gates, clock):
    gate = gates[1]
    await client.write_coil(COIL_OPEN, True, device_id=1)
    clock.advance(3)
    gate.vehicle_arrived()
    assert (await registers(client, 1))[IR_VEHICLE] == 1
    assert (await client.read_discrete_inputs(0, count=1, device_id=1)).bits[DI_VEHICLE]
    await client.write_coil(COIL_CLOSE, True, device_id=1)  # refused: it would hit the car
    clock.advance(60)
    assert gate.state is BarrierState.OPEN
    gate.vehicle_left()
    clock.advance(1.5)  # closes behind the car
    assert gate.state is BarrierState.CLOSING
    gate.vehicle_arrived()  # the next car noses in while the arm comes down
    assert (await registers(client, 1))[IR_STATE] == BarrierState.OPENING


async def test_stop_fault_and_reset(client, gates, clock):
    gate = gates[1]
    await client.write_coil(COIL_OPEN, True, device_id=1)
    clock.advance(0.6)
    await client.write_coil(COIL_STOP, True, device_id=1)
    clock.advance(5)
    regs = await registers(client, 1)
    assert regs[IR_STATE] == BarrierState.STOPPED and regs[IR_POSITION] == 20
    gate.fail(FaultCode.MOTOR_OVERLOAD)
    await client.write_coil(COIL_OPEN, True, device_id=1)  # refused in fault
    regs = await registers(client, 1)
    assert regs[IR_STATE] == BarrierState.FAULT and regs[IR_FAULT_CODE] == FaultCode.MOTOR_OVERLOAD
    assert (await client.read_discrete_inputs(0, count=4, device_id=1)).bits[DI_FAULT]
    await client.write_coil(COIL_RESET, True, device_id=1)
    assert (await registers(client, 1))[IR_STATE] == BarrierState.CLOSING
    clock.advance(1)
    regs = await registers(client, 1)
    assert regs[IR_STATE] == BarrierState.CLOSED and regs[IR_FAULT_CODE] == 0


async def test_auto_close_delay_is_a_holding_register(client, gates, clock):
    assert (await client.write_register(HR_AUTO_CLOSE, 30, device_id=2)).isError() is False
    assert (await client.read_holding_registers(HR_AUTO_CLOSE, count=1, device_id=2)).registers == [30]
    await client.write_coil(COIL_OPEN, True, device_id=2)
    clock.advance(3 + 20)
    assert gates[2].state is BarrierState.OPEN
    clock.advance(10)
    assert gates[2].state is BarrierState.CLOSING


async def test_reading_past_the_map_is_an_illegal_address(client):
    reply = await client.read_input_registers(0, count=7, device_id=1)
    assert reply.isError() and reply.exception_code == 2


async def test_a_taken_port_names_the_setting(server, gates):
    clash = BarrierModbusServer({1: (gates[1], ReferenceMap())}, "127.0.0.1", server.port)
    with pytest.raises(ModbusServerError, match="simulator.modbus_port"):
        await clash.start()


async def test_a_unit_id_without_a_barrier_does_not_answer(server):
    client = AsyncModbusTcpClient("127.0.0.1", port=server.port, timeout=0.3, retries=0)
    assert await client.connect()
    try:
        with pytest.raises(ModbusIOException):
            await client.read_input_registers(0, count=1, device_id=9)
    finally:
        client.close()


async def test_a_second_open_command_while_opening_does_not_stall_the_arm(client, gates, clock):
    await client.write_coil(COIL_OPEN, True, device_id=1)
    clock.advance(1)
    await client.write_coil(COIL_OPEN, True, device_id=1)
    clock.advance(2)
    assert gates[1].state is BarrierState.OPEN


async def test_an_acme_unit_speaks_acmes_map(gates, clock):
    server = BarrierModbusServer({7: (gates[1], AcmeMap())}, "127.0.0.1", 0)
    await server.start()
    client = AsyncModbusTcpClient("127.0.0.1", port=server.port)
    try:
        assert await client.connect()
        assert (await client.read_holding_registers(REG_STATUS, count=4, device_id=7)).registers == [0b1000, 0, 0, 0]
        await client.write_coil(ACME_OPEN, True, device_id=7)
        clock.advance(3)
        gates[1].vehicle_arrived()
        assert (await client.read_holding_registers(REG_STATUS, count=4, device_id=7)).registers == [0b100010, 0, 1, 0]
        gates[1].fail(FaultCode.ENCODER_LOST)
        status, code, *_ = (await client.read_holding_registers(REG_STATUS, count=4, device_id=7)).registers
        assert status == 0b110000 and code == 0x0201
        assert (await client.write_register(REG_STATUS, 0, device_id=7)).isError()  # read-only
        assert (await client.read_input_registers(0, count=1, device_id=7)).isError()  # Acme has none
    finally:
        client.close()
        await server.stop()


async def test_a_controller_without_power_answers_nothing_until_it_is_back(server, gates, clock):
    client = AsyncModbusTcpClient("127.0.0.1", port=server.port, timeout=0.3, retries=0)
    assert await client.connect()
    try:
        await client.write_coil(COIL_OPEN, True, device_id=1)
        clock.advance(1.5)
        gates[1].power_off()
        with pytest.raises(ModbusIOException):
            await client.read_input_registers(0, count=6, device_id=1)
        clock.advance(10)  # the motor has no power either: the arm stays half-way
        gates[1].power_on()
        regs = await registers(client, 1)
        assert regs[IR_STATE] == BarrierState.STOPPED and regs[IR_POSITION] == 50
        assert (await registers(client, 2))[IR_STATE] == BarrierState.CLOSED  # the other gate never stopped answering
    finally:
        client.close()


async def test_a_locked_arm_takes_commands_and_does_not_move(client, gates, clock):
    gates[1].lock()
    assert not (await client.write_coil(COIL_OPEN, True, device_id=1)).isError()
    clock.advance(5)
    assert (await registers(client, 1))[IR_STATE] == BarrierState.CLOSED
    gates[1].unlock()
    await client.write_coil(COIL_OPEN, True, device_id=1)
    assert (await registers(client, 1))[IR_STATE] == BarrierState.OPENING
