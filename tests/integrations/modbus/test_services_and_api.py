"""modbus.write_register / write_coil, and the API other plugins call (get_hub and friends)."""
from __future__ import annotations

import pytest

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.integrations.modbus import ModbusError, ModbusExceptionResponse, ModbusNoResponse, Table, get_hub
from xiaoqu.integrations.modbus.hub import ModbusHub

from .conftest import hub_conf, modbus_hub, state


async def test_write_register_single_and_many_and_the_sensor_follows_at_once(tmp_path, clock, server):
    sensors = [{"name": "Setpoint", "address": 20, "scan_interval": 3600}]
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        assert state(hub, "sensor.setpoint") == "0"
        await hub.services.call("modbus", "write_register", {"address": 20, "value": 215})
        await hub.block_till_done()
        assert state(hub, "sensor.setpoint") == "215", "a write re-reads what polls that address"
        await hub.services.call("modbus", "write_register",
                                {"hub": "plant", "device_id": 2, "address": 5, "value": [1, 2, 0xFFFF]})
        assert await server.get_registers(2, 5, 3) == [1, 2, 0xFFFF]
        written = [(r.device_id, r.function_code, r.address, r.count) for r in server.requests
                   if r.function_code in (6, 16)]
        assert written == [(1, 6, 20, 1), (2, 16, 5, 3)]


async def test_write_coil_single_and_many(tmp_path, clock, server):
    async with modbus_hub(tmp_path, clock, hub_conf(server)) as hub:
        await hub.services.call("modbus", "write_coil", {"device_id": 3, "address": 8, "state": "on"})
        await hub.services.call("modbus", "write_coil", {"slave": 3, "address": 10, "state": [True, False, True]})
        assert await server.get_bits(3, 8, 5) == [True, False, True, False, True]
        assert [r.function_code for r in server.requests] == [5, 15]


@pytest.mark.parametrize(("data", "message"), [
    ({"address": 1, "value": 70000},
     "modbus.write_register: expected a register value, 0 to 65535 for 'value', got 70000"),
    ({"address": 1, "value": list(range(124))},
     "modbus.write_register: expected a list of 1 to 123 register values (this one has 124) for 'value'"),
    ({"value": 1}, "modbus.write_register: address: required key not provided"),
    ({"address": 1, "value": 1, "device_id": 300},
     "modbus.write_register: expected a device id (unit id), 0 to 255 for 'device_id', got 300"),
    ({"address": 1, "value": 1, "hub": "office"},
     "modbus.write_register: no modbus hub 'office'; configured: plant"),
])
async def test_bad_service_data_is_refused_with_the_field_named(tmp_path, clock, server, data, message):
    async with modbus_hub(tmp_path, clock, hub_conf(server)) as hub:
        with pytest.raises(ServiceValidationError) as err:
            await hub.services.call("modbus", "write_register", data)
        assert str(err.value).startswith(message)
        assert server.requests == []


async def test_with_two_hubs_a_service_call_must_name_one(tmp_path, clock, server):
    second = {**hub_conf(server), "name": "office"}
    async with modbus_hub(tmp_path, clock, hub_conf(server), second) as hub:
        with pytest.raises(ServiceValidationError, match="name the hub, one of plant, office"):
            await hub.services.call("modbus", "write_coil", {"address": 1, "state": True})
        await hub.services.call("modbus", "write_coil", {"hub": "office", "address": 1, "state": True})
        assert await server.get_bits(1, 1) == [True]


async def test_a_device_error_reaches_the_caller_in_words(tmp_path, clock, server):
    async with modbus_hub(tmp_path, clock, hub_conf(server)) as hub:
        server.fail(2, 2)
        with pytest.raises(ModbusExceptionResponse) as err:
            await hub.services.call("modbus", "write_register", {"device_id": 2, "address": 7, "value": [1, 2]})
        assert str(err.value) == ("modbus hub 'plant', device 2, holding registers 7-8: "
                                  "illegal data address (exception 2)")


async def test_the_api_other_plugins_use(tmp_path, clock, server):
    await server.set_registers(3, 100, [7, 8, 9])
    await server.set_registers(3, 5, [42], table="input")
    await server.set_bits(3, 0, [True, False, True])
    await server.set_bits(3, 4, [True], table="discrete_input")
    async with modbus_hub(tmp_path, clock, hub_conf(server)) as hub:
        line = get_hub(hub, "plant")
        assert get_hub(hub) is line, "the only hub needs no name"
        assert isinstance(line, ModbusHub)
        assert await line.read_registers(3, 100, 3) == [7, 8, 9]
        assert await line.read_registers(3, 5, input=True) == [42]
        assert await line.read_coils(3, 0, 3) == [True, False, True]
        assert await line.read_coils(3, 4, discrete=True) == [True]
        await line.write_register(3, 100, 65535)
        await line.write_register(3, 101, [1, 2])
        await line.write_coil(3, 1, True)
        await line.write_coil(3, 10, [True, True])
        assert await server.get_registers(3, 100, 3) == [65535, 1, 2]
        assert await server.get_bits(3, 0, 3) + await server.get_bits(3, 10, 2) == [True] * 5
        assert line.line.nodelay() is True, "TCP_NODELAY on the hub's socket"

        with pytest.raises(ModbusError, match=r"^modbus hub 'plant', device 3, holding register 5: "
                                              r"register values are whole numbers 0-65535, got -1$"):
            await line.write_register(3, 5, -1)
        with pytest.raises(ModbusError, match=r"input registers 0-199: one request covers 1 to 125 values, not 200"):
            await line.read_registers(3, 0, 200, input=True)
        server.silence(3)
        with pytest.raises(ModbusNoResponse, match=r"^modbus hub 'plant', device 3, coil 0: no answer within 0.5 s$"):
            await line.read_coils(3, 0)
        with pytest.raises(LookupError, match="no modbus hub 'office' to use; configured hubs: plant"):
            get_hub(hub, "office")


async def test_a_plugin_polls_through_the_hub_batched_with_everything_else(tmp_path, clock, server):
    await server.set_registers(2, 0, [10, 11, 12, 13])
    sensors = [{"name": "A", "address": 0, "device_id": 2, "scan_interval": 5}]
    async with modbus_hub(tmp_path, clock, hub_conf(server, sensors=sensors)) as hub:
        line = get_hub(hub)
        seen, errors = [], []
        stop = line.poll(2, Table.HOLDING, 2, 2, 5, seen.append, errors.append)
        await hub.block_till_done()
        assert seen == [[12, 13]]
        server.requests.clear()
        clock.advance(5)
        await hub.block_till_done()
        assert seen[-1] == [12, 13] and state(hub, "sensor.a") == "10"
        assert [(r.address, r.count) for r in server.reads()] == [(0, 4)], "the entity and the plugin in one read"
        stop()
        server.requests.clear()
        clock.advance(5)
        await hub.block_till_done()
        assert [(r.address, r.count) for r in server.reads()] == [(0, 1)]
        assert errors == []
