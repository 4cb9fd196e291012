"""Shared fixtures: a real broker per test (Mosquitto where installed, else amqtt)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_mqtt import BrokerProcess


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    """A broker process on a free port; the test may stop, kill and start it."""
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


@pytest.fixture
def hub_dir(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path


async def wait_state(hub, entity_id: str, expected=None, timeout: float = 5.0):
    """Wait until ``entity_id`` exists (and has state ``expected``, or passes it as a predicate)."""
    import asyncio

    async with asyncio.timeout(timeout):
        while True:
            state = hub.states.get(entity_id)
            if state is not None and (
                expected is None or (expected(state) if callable(expected) else state.state == expected)
            ):
                return state
            await asyncio.sleep(0.01)


async def discovered(hub, *entity_ids: str) -> None:
    """Wait until the entities exist and the broker has their subscriptions."""
    from xiaoqu.integrations import mqtt

    for entity_id in entity_ids:
        await wait_state(hub, entity_id)
    await mqtt.get(hub).client.wait_subscribed()
