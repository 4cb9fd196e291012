"""The patrol_missed_alert blueprint: a missed checkpoint told to the guard room once, with the why."""
from __future__ import annotations

from pathlib import Path

from tests.integrations.patrol.conftest import at, site

BLUEPRINT = {"id": "missed", "use_blueprint": {"path": "patrol_missed_alert.yaml",
                                               "input": {"notify_service": "notify.guard_room", "routes": ["night"]}}}


async def test_the_guard_room_is_told_of_each_missed_checkpoint_of_a_watched_route(tmp_path: Path) -> None:
    async with site(tmp_path, at(20, 40), automation=[BLUEPRINT], notify=[{"name": "guard_room"}]) as s:
        sent: list[str] = []
        s.hub.bus.listen("notification_sent", lambda e: sent.append(e.data["message"]))
        await s.call("upload", {"wand": "wand-1", "scans": [
            {"checkpoint": c, "ts": at(20, m).isoformat(), "scan_id": c} for c, m in
            (("cp-gate", 0), ("cp-b1", 10), ("cp-pump", 30))]})
        await s.move(at(21, 30))  # the 20:00 round closed at 21:00, settled by 21:10
        assert sent == ["Patrol night, round of 20:00: 2号楼 (cp-b2, 2号楼北门) was not scanned — expected 20:20 "
                        "(±5 min on time, early up to 15, late up to 30); no scan from 20:05 to 20:50"]
        await s.move(at(23, 30))  # the 22:00 round: four missed; the day route's are not watched
        assert len(sent) == 5
