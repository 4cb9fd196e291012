"""A simulated community on a real broker (Mosquitto where installed, else amqtt), a real
Modbus TCP server and a manual clock: the fixtures the simulator's tests share."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


@asynccontextmanager
async def simulated(tmp_path: Path, broker: BrokerProcess, clock: ManualClock, **config: Any) -> AsyncIterator[Hub]:
    """A hub with the mqtt integration on ``broker`` and a simulator on a free Modbus port;
    ``config`` holds more sections (``modbus=...``) and the simulator's options (``simulator=...``)."""
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    sections = {"mqtt": broker.hub_config(), "simulator": {"modbus_port": 0}}
    sections["simulator"].update(config.pop("simulator", {}))
    sections.update(config)
    async with running_hub(site, sections, clock=clock) as hub:
        yield hub


async def run_for(hub: Hub, clock: ManualClock, seconds: float, step: float = 1.0) -> None:
    """Move the hub's clock forward in steps, letting the work each step starts (polls,
    handlers) finish before the next, then wait until every simulated device has delivered
    what it published."""
    elapsed = 0.0
    while elapsed < seconds:
        clock.advance(min(step, seconds - elapsed))
        elapsed += step
        await settle(hub)


async def settle(hub: Hub) -> None:
    await hub.block_till_done()
    for connection in hub.data["simulator"].connections:
        await connection.drain()
    await hub.block_till_done()


async def wait_for(condition, timeout: float = 10.0):
    """Wait (in real time) until ``condition()`` is truthy; return its value."""
    async with asyncio.timeout(timeout):
        while not (value := condition()):
            await asyncio.sleep(0.01)
    return value
