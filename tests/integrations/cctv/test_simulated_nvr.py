"""The simulator's NVR on a real broker: each camera the cctv section lists without an address
is reported over ``cctv/<camera>/status`` every minute, so the hub's cameras are recording with
the days the NVR keeps, and a camera whose rules ask more than that is reported short."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import SITE_TZ
from tests.integrations.cctv.conftest import START, cctv_config
from tests.integrations.simulator.conftest import broker, run_for, simulated, wait_for
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.cctv import get_cctv

__all__ = ["broker"]


async def test_the_simulated_nvr_reports_the_cameras(tmp_path: Path, broker) -> None:
    clock = ManualClock(START, SITE_TZ)
    section = cctv_config()
    section["cameras"][1]["retention_days"] = 45  # more than the simulated NVR keeps (30)
    async with simulated(tmp_path, broker, clock, cctv=section) as hub:
        short: list = []
        hub.bus.listen("cctv.retention_short", lambda e: short.append(dict(e.data)))
        await run_for(hub, clock, 61)
        cctv = get_cctv(hub)
        await wait_for(lambda: all(health.state == "recording" for health in cctv.health.values()))
        assert {camera: health.retention_days for camera, health in cctv.health.items()} == {"gate-1": 30,
                                                                                           "lobby-1": 30}
        assert [(e["camera"], e["days"], e["required"]) for e in short] == [("lobby-1", 30, 45)]
        assert hub.states.get("sensor.gate_1_camera").attributes["backup_ok"] is True
