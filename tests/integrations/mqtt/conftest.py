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
