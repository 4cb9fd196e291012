"""The simulator's wands walk the demo's patrol plan over a real broker, and the hub judges it.

With ``patrol:`` configured, each simulated wand that a patroller carries walks the rounds the
hub's schedule gives, on the hub's clock: the online wand's scans arrive live, the offline
wand's when it docks. ``DEMO`` is the section proposed for config.yaml (the simulator's
default estate: three buildings, two wands).
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import SITE_TZ
from tests.integrations.patrol.conftest import KEY
from tests.integrations.simulator.conftest import run_for, simulated
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.patrol.const import SCAN_KIND

DEMO: dict[str, Any] = {
    "checkpoints": [
        {"id": "cp-gate", "name": "大门 Main gate", "location": "东门岗亭", "x": 50, "y": 92},
        {"id": "cp-b1", "name": "1号楼 Building 1", "location": "1号楼北门", "x": 20, "y": 30},
        {"id": "cp-b2", "name": "2号楼 Building 2", "location": "2号楼北门", "x": 50, "y": 25},
        {"id": "cp-b3", "name": "3号楼 Building 3", "location": "3号楼北门", "x": 80, "y": 30},
        {"id": "cp-garage", "name": "地库 Car park", "location": "地下车库入口", "x": 30, "y": 70},
        {"id": "cp-pump", "name": "水泵房 Pump room", "location": "地下一层", "x": 70, "y": 70},
        {"id": "cp-fence", "name": "东围墙 East fence", "location": "东侧围墙", "x": 95, "y": 55},
    ],
    "routes": [
        {"id": "buildings", "name": "楼栋巡查 Buildings", "tolerance_minutes": 5, "early_limit_minutes": 10,
         "late_limit_minutes": 20,
         "checkpoints": [{"checkpoint": "cp-gate", "offset_minutes": 0}, {"checkpoint": "cp-b1", "offset_minutes": 8},
                         {"checkpoint": "cp-b2", "offset_minutes": 14}, {"checkpoint": "cp-b3", "offset_minutes": 20},
                         {"checkpoint": "cp-gate", "offset_minutes": 30}]},
        {"id": "perimeter", "name": "周界巡查 Perimeter", "tolerance_minutes": 5, "early_limit_minutes": 10,
         "late_limit_minutes": 20,
         "checkpoints": [{"checkpoint": "cp-garage", "offset_minutes": 0}, {"checkpoint": "cp-pump", "offset_minutes": 8},
                         {"checkpoint": "cp-fence", "offset_minutes": 18}]},
    ],
    "schedules": [{"route": "buildings", "every_hours": 2, "from": "00:00"},
                  {"route": "perimeter", "every_hours": 2, "from": "01:00"}],
    "patrollers": [{"person": "P000167", "wand": "wand-1", "routes": ["buildings"]},   # 保安, day
                   {"person": "P000168", "wand": "wand-2", "routes": ["perimeter"]}],  # 保安, night
}
QUIET = {"readers": 0, "lpr_cameras": 0, "barriers": 0, "mqtt_barriers": 0, "pos_terminals": 0,
         "smart_home_devices": 0, "patrol_wands": 2}


async def test_the_simulated_wands_walk_the_hubs_schedule(tmp_path: Path, broker) -> None:
    clock = ManualClock(datetime(2026, 3, 2, 7, 50, tzinfo=SITE_TZ), SITE_TZ)
    async with simulated(tmp_path, broker, clock, simulator=QUIET, residents={"encryption_key": KEY},
                         patrol=DEMO) as hub:
        uploads: list[dict[str, Any]] = []
        hub.bus.listen("patrol.uploaded", lambda event: uploads.append(dict(event.data)))
        await run_for(hub, clock, 2.2 * 3600, step=20)
        assert await hub.recorder.count(SCAN_KIND) >= 6
        buildings = (await hub.services.call("patrol", "evaluate", {"route": "buildings", "date": "2026-03-02"},
                                             return_response=True))["rounds"]
        perimeter = (await hub.services.call("patrol", "evaluate", {"route": "perimeter", "date": "2026-03-02"},
                                             return_response=True))["rounds"]
        walked = [r for r in buildings + perimeter if r["start"][11:16] in ("08:00", "09:00")]
        assert [r["wands"] for r in walked] == [["wand-1"], ["wand-2"]]
        scanned = [c for r in walked for c in r["checkpoints"] if c["scanned_at"]]
        assert len(scanned) >= 6 and all(c["status"] in ("on_time", "early", "late") for c in scanned)
        assert uploads and all(u["source"] == "offline" and u["rejected"] == 0 for u in uploads)  # wand-2 docked
