"""A real pymodbus server per test, and a hub on the manual clock polling it."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.fixtures_modbus import ModbusTestServer
from xiaoqu.core.bus import Event
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub

#: Short enough that a silent device costs a test little time, long enough for a loaded machine.
TIMEOUT = 0.5


@pytest.fixture
async def server() -> AsyncIterator[ModbusTestServer]:
    async with ModbusTestServer(device_ids=(1, 2, 3)) as srv:
        yield srv


def hub_conf(server: ModbusTestServer, **entries: Any) -> dict[str, Any]:
    """One TCP hub named ``plant`` on ``server``; ``entries`` adds sensors=[...] and the like."""
    return {"name": "plant", "type": "tcp", "host": server.host, "port": server.port,
            "timeout": TIMEOUT, "retries": 1, **entries}


@asynccontextmanager
async def modbus_hub(tmp_path, clock: ManualClock, *hubs: dict[str, Any]) -> AsyncIterator[Hub]:
    async with running_hub(tmp_path, {"modbus": list(hubs)}, clock=clock) as hub:
        yield hub


async def tick(hub: Hub, clock: ManualClock, seconds: float) -> None:
    """Move the clock and let the polls it starts finish."""
    clock.advance(seconds)
    await hub.block_till_done()


def record(hub: Hub, *event_types: str) -> list[Event]:
    events: list[Event] = []
    for event_type in event_types:
        hub.bus.listen(event_type, events.append)
    return events


def state(hub: Hub, entity_id: str) -> str:
    current = hub.states.get(entity_id)
    assert current is not None, f"{entity_id} does not exist; states: {hub.states.entity_ids()}"
    return current.state
