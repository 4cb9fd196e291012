"""The shipped door blueprints, used as a site would: a forced door raises the alarm and tells
the guard room; a door left open is warned about; a silent controller reaches maintenance."""
from __future__ import annotations

from .conftest import door_site

AUTOMATIONS = [
    {"id": "forced", "use_blueprint": {"path": "door_forced_alarm.yaml",
                                       "input": {"notify_service": "notify.guard_room"}}},
    {"id": "held", "use_blueprint": {"path": "door_held_open_warning.yaml",
                                     "input": {"doors": ["door.d1"], "seconds": 30,
                                               "notify_service": "notify.guard_room"}}},
    {"id": "offline", "use_blueprint": {"path": "door_controller_offline.yaml",
                                        "input": {"notify_service": "notify.maintenance"}}},
]
SECTIONS = {"notify": [{"name": "guard_room"}, {"name": "maintenance"}], "automation": AUTOMATIONS}
DOORS = [{"id": "d1", "name": "Building 1 unit 1 entrance", "offline_after": 60}]


async def test_the_door_blueprints_alarm_warn_and_call_maintenance(tmp_path, broker):
    async with door_site(tmp_path, broker, DOORS, **SECTIONS) as site:
        sent, notices = [], []
        site.hub.bus.listen("notification_sent", lambda e: sent.append((e.data["target"], e.data["message"])))
        site.hub.bus.listen("automation_notice", lambda e: notices.append((e.data["level"], e.data["title"])))
        await site.contact("d1", "open")
        await site.hub.block_till_done()
        assert ("guard_room", "Building 1 unit 1 entrance (d1) was forced open") in sent
        assert ("alarm", "Door forced") in notices
        site.clock.advance(30)
        await site.hub.block_till_done()
        assert ("guard_room", "Building 1 unit 1 entrance has been open for 30 s") in sent
        site.clock.advance(60)
        await site.hub.block_till_done()
        assert [t for t, m in sent if t == "maintenance" and "nothing heard" in m] == ["maintenance"]
