"""The broker the end-to-end tests run over: Mosquitto where installed, else the embedded one."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_mqtt import BrokerProcess


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process
