"""RTU framing: over TCP, on a real (pseudo-terminal) serial port, and a port that is not there."""
from __future__ import annotations

import pytest

from tests.fixtures_modbus import ModbusTestServer
from xiaoqu.core.const import STATE_UNAVAILABLE
from xiaoqu.integrations.modbus import EVENT_DEVICE_FAULT, ModbusNoResponse, get_hub

from .conftest import modbus_hub, record, state, tick

SENSORS = [{"name": "Counter", "address": 3, "data_type": "uint32", "swap": "word"},
           {"name": "Flag", "address": 5}]


async def test_rtu_over_tcp(tmp_path, clock):
    async with ModbusTestServer(framer="rtu") as server:
        await server.set_registers(1, 3, [0x5678, 0x1234, 9])
        conf = {"name": "gateway", "type": "rtuovertcp", "host": server.host, "port": server.port,
                "timeout": 0.5, "sensors": SENSORS}
        async with modbus_hub(tmp_path, clock, conf) as hub:
            assert state(hub, "sensor.counter") == str(0x12345678)
            assert [(r.address, r.count) for r in server.reads()] == [(3, 3)]
            await get_hub(hub).write_register(1, 5, 10)
            await hub.block_till_done()
            assert state(hub, "sensor.flag") == "10"


async def test_rtu_on_a_serial_port(tmp_path, clock):
    """pyserial opens a pty; pymodbus' serial server answers on the other end of a relayed pair."""
    async with ModbusTestServer(serial=True) as server:
        await server.set_registers(1, 3, [0x5678, 0x1234, 1])
        conf = {"name": "rs485", "type": "rtu", "port": server.serial_port, "baudrate": 115200,
                "timeout": 0.5, "sensors": SENSORS, "binary_sensors": [{"name": "Gate open", "address": 2}]}
        async with modbus_hub(tmp_path, clock, conf) as hub:
            assert state(hub, "sensor.counter") == str(0x12345678)
            assert state(hub, "binary_sensor.gate_open") == "off"
            await hub.services.call("modbus", "write_coil", {"address": 2, "state": True})
            await hub.block_till_done()
            assert state(hub, "binary_sensor.gate_open") == "on"
            assert get_hub(hub).line.nodelay() is None, "no TCP socket on a serial line"
            assert get_hub(hub).settings.message_wait == 0.03, "a quiet gap between frames by default"


async def test_a_serial_port_that_does_not_exist(tmp_path, clock, caplog):
    conf = {"name": "rs485", "type": "rtu", "port": "/dev/ttyUSB9", "timeout": 0.5, "sensors": SENSORS}
    async with modbus_hub(tmp_path, clock, conf) as hub:
        events = record(hub, EVENT_DEVICE_FAULT)
        assert state(hub, "sensor.counter") == STATE_UNAVAILABLE
        with pytest.raises(ModbusNoResponse, match=r"device 2, holding register 0: /dev/ttyUSB9: no such device$"):
            await get_hub(hub).read_registers(2, 0)
        assert [e.data for e in events] == [{"hub": "rs485", "device_id": 2, "reason": "/dev/ttyUSB9: no such device"}]
        for _ in range(3):
            await tick(hub, clock, 10)
        assert state(hub, "sensor.flag") == STATE_UNAVAILABLE
        assert len(events) == 1
        assert "modbus" in hub.plugins.running, "the hub runs on without the port"
    assert caplog.text.count("modbus hub 'rs485': /dev/ttyUSB9: no such device; will keep trying") == 1
