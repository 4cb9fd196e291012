"""A Modbus device that goes away (its server process killed with SIGKILL) and comes back.

The hub polls on the real clock, as on site. While the device is gone its entities are
``unavailable`` with one ``modbus_device_fault`` naming why, a write to it is refused with a
clear error instead of hanging, and nothing in the hub fails; once a server answers on the same
port again, the values come back with ``modbus_device_recovered``.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from tests.fixtures_mqtt import free_port
from xiaoqu.core.const import STATE_UNAVAILABLE
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.modbus import EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED
from xiaoqu.integrations.modbus.errors import ModbusError

#: The device's own process: the test suite's pymodbus server, registers set, serving until killed.
_SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from tests.fixtures_modbus import ModbusTestServer

    async def main(port, value):
        async with ModbusTestServer(device_ids=(1,), port=port) as server:
            await server.set_registers(1, 0, [value])
            print("serving", flush=True)
            await asyncio.Event().wait()

    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
    """
)
WAIT = 10.0  # seconds: generous bounds for a busy machine; the figures are printed


@contextmanager
def device_process(port: int, value: int) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen([sys.executable, "-c", _SERVER, str(port), str(value)],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "serving"
        yield process
    finally:
        process.kill()
        process.wait(10)
        assert process.stdout is not None
        process.stdout.close()


async def until(condition: Callable[[], bool]) -> float:
    """Wait until ``condition()`` holds; how long that took."""
    start = time.monotonic()
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.05)
    return time.monotonic() - start


def value(hub: Hub) -> str | None:
    current = hub.states.get("sensor.level")
    return None if current is None else current.state


async def test_a_device_killed_and_restarted_goes_unavailable_and_recovers(tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    port = free_port()
    config = {"modbus": [{
        "name": "plant", "type": "tcp", "host": "127.0.0.1", "port": port, "timeout": 0.5, "retries": 1,
        "sensors": [{"name": "Level", "address": 0, "device_id": 1, "scan_interval": 1}],
        "switches": [{"name": "Pump", "address": 7, "device_id": 1, "write_type": "coil", "verify": None}],
    }]}
    with device_process(port, 41) as device:
        async with running_hub(tmp_path, config) as hub:
            events = []
            for event_type in (EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED):
                hub.bus.listen(event_type, events.append)
            await until(lambda: value(hub) == "41")

            device.send_signal(signal.SIGKILL)
            device.wait(10)
            went = await until(lambda: value(hub) == STATE_UNAVAILABLE)
            assert hub.states.get("switch.pump").state == STATE_UNAVAILABLE  # type: ignore[union-attr]
            assert [event.event_type for event in events] == [EVENT_DEVICE_FAULT]
            assert events[0].data["device_id"] == 1 and events[0].data["reason"]
            started = time.monotonic()
            with pytest.raises(ModbusError, match="coil 7: (cannot connect|no answer)") as refused:
                await asyncio.wait_for(
                    hub.services.call("switch", "turn_on", {"entity_id": "switch.pump"}, blocking=True), WAIT)
            assert time.monotonic() - started < WAIT
            await asyncio.sleep(2.5)  # a few polls of a dead device: still one fault, nothing crashes
            assert len(events) == 1

            with device_process(port, 42):
                came_back = await until(lambda: value(hub) == "42")
                assert [event.event_type for event in events] == [EVENT_DEVICE_FAULT, EVENT_DEVICE_RECOVERED]
                await hub.services.call("switch", "turn_on", {"entity_id": "switch.pump"}, blocking=True)
    print(f"\nunavailable {went:.2f} s after the kill; back {came_back:.2f} s after the device listened again; "
          f"a write while it was gone refused: {refused.value}")
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], failures
