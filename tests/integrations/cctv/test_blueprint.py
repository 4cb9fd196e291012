"""The shipped camera_offline_alarm blueprint on a real hub with cctv: the guard room and
maintenance are told once when a camera goes offline (with where, since when and why), stops
recording or keeps footage too short, and once when it is back."""
from __future__ import annotations

from pathlib import Path

from tests.integrations.cctv.conftest import site

AUTOMATION = {"notify": [{"name": "guard_room"}, {"name": "maintenance"}], "automation": [
    {"id": "camera_alarm", "use_blueprint": {"path": "camera_offline_alarm.yaml", "input": {
        "guard_room": "notify.guard_room", "maintenance": "notify.maintenance"}}}]}


async def test_the_guard_room_and_maintenance_are_told_once_per_change(site_dir: Path) -> None:
    async with site(site_dir, config=AUTOMATION) as s:
        sent: list = []
        s.hub.bus.listen("notification_sent", lambda e: sent.append((e.data["target"], e.data["message"])))
        s.cctv.report("gate-1", {"recording": True, "retention_days": 30})
        await s.hub.block_till_done()
        assert sent == []
        s.cctv.report("gate-1", {"online": False, "reason": "NVR lost the channel"})
        s.cctv.report("gate-1", {"online": False, "reason": "still lost"})
        await s.hub.block_till_done()
        told = "南门 South gate (gate-1, South gate) since 2026-03-02T10:00:00+08:00: NVR lost the channel."
        assert sent == [("guard_room", told), ("maintenance", told)]
        s.clock.advance(300)
        s.cctv.report("gate-1", {"online": True})
        s.cctv.report("gate-1", {"retention_days": 7})
        await s.hub.block_till_done()
        assert [m for target, m in sent[2:] if target == "guard_room" and m.startswith("南门")] == [
            "南门 South gate (gate-1, South gate) is back online since 2026-03-02T10:05:00+08:00 (offline since "
            "2026-03-02T10:00:00+08:00, 5 min).",
            "南门 South gate (gate-1, South gate): its NVR keeps 7 days of footage, the rules require 30."]
