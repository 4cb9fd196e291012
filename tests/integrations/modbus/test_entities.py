"""Entities read from a real pymodbus server: every data type and order, bits, switches."""
from __future__ import annotations

import pytest

from xiaoqu.core.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.modbus.codec import DataType, Swap, encode

from .conftest import hub_conf, modbus_hub, state, tick

VALUES = {
    DataType.INT16: -1234, DataType.UINT16: 54321, DataType.INT32: -123456789,
    DataType.UINT32: 3_000_000_000, DataType.INT64: -(2**40) - 7, DataType.UINT64: 2**63 + 11,
    DataType.FLOAT32: 21.5, DataType.FLOAT64: -1234.125,
}


async def test_every_data_type_in_every_order_reads_right(tmp_path, clock, server):
    sensors, address = [], 0
    for data_type, value in VALUES.items():
        for swap in Swap:
            if swap.swaps_words and data_type.registers == 1:
                continue
            registers = encode(value, data_type, swap)
            await server.set_registers(1, address, registers)
            sensors.append({"name": f"{data_type} {swap}", "address": address, "data_type": str(data_type),
                            "swap": str(swap), "precision": 3 if data_type.is_float else None})
            address += len(registers)
    for sensor in sensors:
        if sensor["precision"] is None:
            del sensor["precision"]
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        for sensor in sensors:
            data_type = DataType(sensor["data_type"].split()[0])
            expected = f"{VALUES[data_type]:.3f}" if data_type.is_float else str(VALUES[data_type])
            entity_id = "sensor." + sensor["name"].replace(" ", "_")
            assert state(hub, entity_id) == expected, sensor
    # 34 sensors, 90 registers next to each other: one read of 90 holding registers.
    assert [(r.address, r.count) for r in server.reads(1)] == [(0, address)]


async def test_text_scale_offset_precision_and_input_registers(tmp_path, clock, server):
    await server.set_registers(1, 10, [0x5849, 0x414F, 0x5155, 0x2D31])  # "XIAOQU-1"
    await server.set_registers(1, 20, [2981], table="input")
    await server.set_registers(1, 21, encode(float("nan"), DataType.FLOAT32), table="input")
    sensors = [
        {"name": "Model", "address": 10, "data_type": "string", "count": 4},
        {"name": "Water", "address": 20, "input_type": "input", "scale": 0.1, "offset": -273.15,
         "precision": 2, "unit_of_measurement": "°C", "device_class": "temperature"},
        {"name": "Unfilled", "address": 21, "input_type": "input", "data_type": "float32"},
    ]
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        assert state(hub, "sensor.model") == "XIAOQU-1"
        water = hub.states.get("sensor.water")
        assert water.state == "24.95"
        assert water.attributes["unit_of_measurement"] == "°C"
        assert water.attributes["device_class"] == "temperature"
        assert state(hub, "sensor.unfilled") == STATE_UNKNOWN


async def test_values_follow_the_device_at_each_scan_interval(tmp_path, clock, server):
    await server.set_registers(2, 0, [100])
    sensors = [{"name": "Level", "address": 0, "device_id": 2, "scan_interval": 5}]
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        assert state(hub, "sensor.level") == "100"
        await server.set_registers(2, 0, [101])
        await tick(hub, clock, 4.9)
        assert state(hub, "sensor.level") == "100", "not due yet"
        await tick(hub, clock, 0.1)
        assert state(hub, "sensor.level") == "101"
        assert len(server.reads(2)) == 2


async def test_binary_sensors_from_coils_inputs_and_register_bits(tmp_path, clock, server):
    await server.set_bits(1, 3, [True])
    await server.set_bits(1, 4, [False], table="discrete_input")
    await server.set_registers(1, 50, [0b1000_0000_0000_0100])
    binary_sensors = [
        {"name": "Coil", "address": 3},
        {"name": "Input", "address": 4, "input_type": "discrete_input", "device_class": "door"},
        {"name": "Bit 2", "address": 50, "input_type": "holding", "bit": 2},
        {"name": "Bit 3", "address": 50, "input_type": "holding", "bit": 3},
        {"name": "Bit 15", "address": 50, "input_type": "holding", "bit": 15},
        {"name": "Nonzero", "address": 50, "input_type": "holding"},
    ]
    async with modbus_hub(tmp_path, clock, hub_conf(server, binary_sensors=binary_sensors)) as hub:
        assert [state(hub, f"binary_sensor.{n}") for n in ("coil", "input", "bit_2", "bit_3", "bit_15", "nonzero")] \
            == ["on", "off", "on", "off", "on", "on"]
        assert hub.states.get("binary_sensor.input").attributes["device_class"] == "door"


async def test_coil_switch_with_verify_reads_back_after_each_write(tmp_path, clock, server):
    switches = [{"name": "Pump", "address": 7, "write_type": "coil", "verify": None}]
    async with modbus_hub(tmp_path, clock, hub_conf(server, switches=switches)) as hub:
        assert state(hub, "switch.pump") == "off"
        await hub.services.call("switch", "turn_on", {"entity_id": "switch.pump"})
        await hub.block_till_done()
        assert await server.get_bits(1, 7) == [True]
        assert state(hub, "switch.pump") == "on", "read back at once, not at the next scan"
        await server.set_bits(1, 7, [False])  # someone switched it off at the panel
        await tick(hub, clock, 10)
        assert state(hub, "switch.pump") == "off"
        await hub.services.call("switch", "toggle", {"entity_id": "switch.pump"})
        await hub.block_till_done()
        assert state(hub, "switch.pump") == "on"


async def test_register_switch_writes_commands_and_verifies_elsewhere(tmp_path, clock, server):
    switches = [{"name": "Fan", "address": 30, "command_on": 0xA5, "command_off": 0x5A,
                 "verify": {"address": 31, "input_type": "input", "state_on": 2, "state_off": 1}}]
    async with modbus_hub(tmp_path, clock, hub_conf(server, switches=switches)) as hub:
        assert state(hub, "switch.fan") == STATE_UNAVAILABLE, "status register 31 reads 0: neither on nor off"
        await server.set_registers(1, 31, [2], table="input")
        await hub.services.call("switch", "turn_off", {"entity_id": "switch.fan"})
        await hub.block_till_done()
        assert await server.get_registers(1, 30) == [0x5A]
        assert state(hub, "switch.fan") == "on", "the status register says on, whatever was written"
        await server.set_registers(1, 31, [1], table="input")
        await tick(hub, clock, 10)
        assert state(hub, "switch.fan") == "off"


async def test_switch_without_verify_assumes_what_it_wrote(tmp_path, clock, server):
    switches = [{"name": "Light", "address": 40}]
    async with modbus_hub(tmp_path, clock, hub_conf(server, switches=switches)) as hub:
        assert state(hub, "switch.light") == STATE_UNKNOWN
        await hub.services.call("switch", "turn_on", {"entity_id": "switch.light"})
        assert await server.get_registers(1, 40) == [1]
        assert state(hub, "switch.light") == "on"
        assert server.reads() == [], "nothing to poll"
        server.silence(1)
        with pytest.raises(HubError, match=r"modbus hub 'plant', device 1, holding register 40: no answer"):
            await hub.services.call("switch", "turn_off", {"entity_id": "switch.light"})
        assert state(hub, "switch.light") == STATE_UNAVAILABLE
