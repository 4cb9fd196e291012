"""The cameras' health: a camera checked by a TCP connect goes offline when a real listener goes
away and comes back when it listens again, each event once per change with the figures; a
pushed status over a real broker (``xiaoqu/<site>/cctv/<camera>/status``) says recording or not,
the days kept and the backup; silence past ``stale_after`` is offline; a message that does not
fit is refused and changes nothing."""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.cctv.conftest import Site, site
from xiaoqu.core.errors import HubError
from xiaoqu.integrations import mqtt


async def _until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (found := condition()):
            await asyncio.sleep(0.02)
    return found


async def _listener() -> tuple[asyncio.Server, int]:
    async def answer(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def _state(s: Site, camera: str) -> str | None:
    state = s.hub.states.get(s.cctv.entities[camera].entity_id)
    return None if state is None else state.state


async def test_a_camera_goes_offline_when_its_listener_goes_away_and_back(site_dir: Path) -> None:
    server, port = await _listener()
    async with site(site_dir, address=f"127.0.0.1:{port}") as s:
        entity_id = s.cctv.entities["gate-2"].entity_id
        assert entity_id == "sensor.gate_2_camera"
        await _until(lambda: _state(s, "gate-2") == "online")
        device = s.hub.devices.find("cctv:gate-2")
        assert device is not None and device.name == "北门 North gate"

        server.close()
        await server.wait_closed()
        s.clock.advance(timedelta(seconds=10))  # the next check
        await _until(lambda: s.fired("cctv.camera_offline"))
        offline = s.fired("cctv.camera_offline")
        assert len(offline) == 1 and offline[0]["camera"] == "gate-2" and offline[0]["since"] == "2026-03-02T10:00:10+08:00"
        assert f"cannot connect to 127.0.0.1:{port}" in offline[0]["reason"]
        assert _state(s, "gate-2") == "offline"

        s.clock.advance(timedelta(seconds=10))  # still away: no second event
        await _until(lambda: s.cctv.health["gate-2"].last_checked == s.clock.time())
        assert len(s.fired("cctv.camera_offline")) == 1

        server = await asyncio.start_server(lambda _r, w: w.close(), "127.0.0.1", port)
        s.clock.advance(timedelta(seconds=10))
        await _until(lambda: s.fired("cctv.camera_online"))
        assert s.fired("cctv.camera_online") == [{
            "camera": "gate-2", "since": "2026-03-02T10:00:30+08:00", "offline_since": "2026-03-02T10:00:10+08:00",
            "offline_seconds": 20, "name": "北门 North gate", "location": None}]
        assert _state(s, "gate-2") == "online"
    server.close()


async def test_retention_short_recording_and_backup_once_per_change(site_dir: Path) -> None:
    async with site(site_dir) as s:
        assert s.cctv.report("gate-1", {"recording": True, "retention_days": 30, "backup": {"ok": True}}) == []
        assert _state(s, "gate-1") == "recording"
        assert s.cctv.report("gate-1", {"retention_days": 21}) == ["cctv.retention_short"]
        assert s.cctv.report("gate-1", {"retention_days": 20}) == []  # the same episode
        short = s.fired("cctv.retention_short")
        assert len(short) == 1 and short[0]["days"] == 21 and short[0]["required"] == 30
        assert short[0]["reason"] == "the NVR keeps 21 days, the rules ask 30"
        attributes = s.hub.states.get("sensor.gate_1_camera").attributes
        assert attributes["retention_days"] == 20 and attributes["required_retention_days"] == 30
        assert attributes["retention_ok"] is False
        assert s.cctv.report("gate-1", {"retention_days": 30}) == ["cctv.retention_restored"]

        fired = s.cctv.report("gate-1", {"recording": False, "reason": "disk full"})
        assert fired == ["cctv.not_recording"] and _state(s, "gate-1") == "not_recording"
        assert s.fired("cctv.not_recording")[0]["reason"] == "disk full"
        assert s.cctv.report("gate-1", {"recording": False}) == []
        assert s.cctv.report("gate-1", {"recording": True}) == ["cctv.recording_resumed"]
        assert s.cctv.report("gate-1", {"backup": {"ok": False, "detail": "NAS unreachable"}}) == ["cctv.backup_failed"]
        assert s.cctv.report("gate-1", {"online": False, "reason": "NVR lost the channel"}) == ["cctv.camera_offline"]
        assert _state(s, "gate-1") == "offline"

        with pytest.raises(HubError, match="camera: no camera roof-9"):
            s.cctv.report("roof-9", {"online": True})
        with pytest.raises(Exception, match="retention_days"):
            s.cctv.report("gate-1", {"retention_days": -3})


async def test_a_pushed_camera_unheard_goes_offline(site_dir: Path) -> None:
    async with site(site_dir) as s:
        s.cctv.report("lobby-1", {"recording": True})
        s.clock.advance(timedelta(seconds=119))
        s.cctv.sweep(list(s.cctv.cameras.values()))
        assert [e["camera"] for e in s.fired("cctv.camera_offline")] == []
        s.clock.advance(timedelta(seconds=1))
        s.cctv.sweep([s.cctv.cameras["lobby-1"]])
        offline = s.fired("cctv.camera_offline")
        assert [e["camera"] for e in offline] == ["lobby-1"]
        assert offline[0]["reason"] == "no status for 120 s (a camera reports at least every 120 s)"
        s.cctv.sweep([s.cctv.cameras["lobby-1"]])
        assert len(s.fired("cctv.camera_offline")) == 1
        s.cctv.report("lobby-1", {"recording": True})
        assert [e["camera"] for e in s.fired("cctv.camera_online")] == ["lobby-1"]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[BrokerProcess]:
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


async def test_the_status_over_mqtt(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, config={"mqtt": broker.hub_config(state_stream=False)}) as s:
        await mqtt.wait_connected(s.hub)
        root = mqtt.get(s.hub).router.root
        async with MqttProbe(broker, "nothing/#") as device:
            await device.publish(f"{root}/cctv/gate-1/status", json.dumps(
                {"online": True, "recording": True, "retention_days": 12, "backup": {"ok": True, "last": "2026-03-02T03:00"}}))
            await _until(lambda: s.fired("cctv.retention_short"))
            assert _state(s, "gate-1") == "recording"
            assert s.fired("cctv.retention_short")[0]["days"] == 12
            assert s.hub.states.get("sensor.gate_1_camera").attributes["backup_ok"] is True
            await device.publish(f"{root}/cctv/gate-1/status", json.dumps({"recording": "yes", "retention_days": 40}))
            await device.publish(f"{root}/cctv/roof-9/status", json.dumps({"recording": False}))
            await device.publish(f"{root}/cctv/gate-1/status", json.dumps({"recording": False, "reason": "disk full"}))
            await _until(lambda: s.fired("cctv.not_recording"))
            assert s.cctv.health["gate-1"].retention_days == 12  # the message that did not fit changed nothing
