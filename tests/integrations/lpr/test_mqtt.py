"""Reads over the device protocol through a real broker: the contract's event, the
confidence rule with a second agreeing read, folding, and cameras nobody listed."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess, MqttProbe

from .conftest import Site, lpr_site

ROOT = "xiaoqu/demo"


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


async def _send(site: Site, probe: MqttProbe, camera: str, payload: dict[str, Any]) -> None:
    """Publish a read; returns once the hub has taken it."""
    arrived = asyncio.Event()
    unsubscribe = site.hub.bus.listen("device_message", lambda e: arrived.set() if e.data["payload"] == payload else None)
    try:
        await probe.publish(f"{ROOT}/lpr/{camera}/plate", json.dumps(payload, ensure_ascii=False))
        async with asyncio.timeout(10):
            await arrived.wait()
    finally:
        unsubscribe()
    for _ in range(3):
        await site.hub.block_till_done()


async def test_reads_over_the_broker(tmp_path: Path, broker: BrokerProcess) -> None:
    (tmp_path / "site").mkdir()
    async with lpr_site(tmp_path / "site", mqtt=broker.hub_config()) as site, MqttProbe(broker, f"{ROOT}/#") as probe:
        from xiaoqu.integrations import mqtt

        await mqtt.wait_connected(site.hub)
        await _send(site, probe, "cam-1", {"plate": "粤b·1234o", "confidence": 0.97, "color": "blue", "ts": 1772409600})
        [read] = site.fired("plate_read")
        assert {k: read[k] for k in ("camera", "plate", "raw", "confidence", "colour", "direction", "snapshot",
                                     "source", "lane")} == {
            "camera": "cam-1", "plate": "粤B12340", "raw": "粤b·1234o", "confidence": 0.97, "colour": "blue",
            "direction": "in", "snapshot": None, "source": "mqtt", "lane": "main-1"}
        assert read["camera_time"] == "2026-03-02T08:00:00+08:00"
        # the same car read twice more within fold_seconds: folded
        site.clock.advance(2)
        await _send(site, probe, "cam-1", {"plate": "粤B12340", "confidence": 0.99})
        # a doubtful read of another car, then a second one agreeing with it
        site.clock.advance(30)
        await _send(site, probe, "cam-1", {"plate": "粤B8S678", "confidence": 0.6})
        assert [e["plate"] for e in site.fired("plate_read_uncertain")] == ["粤B8S678"]
        site.clock.advance(1)
        await _send(site, probe, "cam-1", {"plate": "粤B8S678", "confidence": 0.65, "direction": "out"})
        reads = site.fired("plate_read")
        assert [r["plate"] for r in reads] == ["粤B12340", "粤B8S678"]
        assert reads[1]["agreed_with"] == site.fired("plate_read_uncertain")[0]["read_id"]
        assert reads[1]["direction"] == "out"  # the device said so
        # a camera lpr does not list is not decided
        await _send(site, probe, "cam-9", {"plate": "粤B11111", "confidence": 0.99})
        assert len(site.fired("plate_read")) == 2
