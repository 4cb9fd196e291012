"""A door's state from its contact and the hub's commands, on the hub's manual clock: forced,
held open, relocked when its time is up, faulty, and unavailable when its controller is
offline or silent."""
from __future__ import annotations

from xiaoqu.integrations.door import get_doors

from .conftest import door_site

SILENT_DOOR = [{"id": "d1", "name": "Building 1 unit 1 entrance", "offline_after": 30, "controller": "c1"}]


async def test_a_door_opened_while_locked_is_forced(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.contact("d1", "open")
        assert site.hub.states.get("door.d1").state == "forced"
        (forced,) = site.fired("door_forced")
        assert forced == {"door": "d1", "entity_id": "door.d1", "name": "Building 1 unit 1 entrance", "area": "b1"}
        await site.contact("d1", "open")
        assert len(site.fired("door_forced")) == 1, "a repeated report is no new forcing"
        site.clock.advance(3600)
        assert site.fired("door_held_open") == [], "a forced door is already an alarm"
        await site.contact("d1", "closed")
        assert site.hub.states.get("door.d1").state == "locked"


async def test_a_door_left_open_after_a_grant_is_held_open_once(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.issue("123456", "residents")
        await site.present("d1", "123456")
        await site.contact("d1", "open")
        site.clock.advance(59)
        assert site.fired("door_held_open") == []
        site.clock.advance(1)
        (held,) = site.fired("door_held_open")
        assert held["door"] == "d1" and held["seconds"] == 60
        assert site.hub.states.get("door.d1").state == "held_open"
        site.clock.advance(600)
        assert len(site.fired("door_held_open")) == 1
        await site.contact("d1", "closed")
        assert site.hub.states.get("door.d1").state == "locked"


async def test_an_unlock_nobody_used_ends_with_its_time(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.issue("123456", "residents")
        await site.present("d1", "123456")
        site.clock.advance(4.9)
        assert site.hub.states.get("door.d1").state == "unlocked"
        site.clock.advance(0.1)
        door = site.hub.states.get("door.d1")
        assert door.state == "locked" and door.attributes["unlocked_by"] is None


async def test_a_fault_the_controller_reports_shows_until_the_contact_is_heard_again(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.contact("d1", "fault", fault="lock coil open circuit")
        door = site.hub.states.get("door.d1")
        assert door.state == "fault" and door.attributes["fault"] == "lock coil open circuit"
        assert [f["reason"] for f in site.fired("door_fault")] == ["lock coil open circuit"]
        await site.contact("d1", "closed")
        assert site.hub.states.get("door.d1").state == "locked"


async def test_a_silent_door_becomes_unavailable_with_its_readers_and_comes_back_when_heard(tmp_path, broker):
    async with door_site(tmp_path, broker, SILENT_DOOR) as site:
        site.clock.advance(20)
        await site.contact("d1", "closed")  # a sign of life: the silence counts from here
        site.clock.advance(29)
        assert site.hub.states.get("door.d1").state == "locked"
        site.clock.advance(1)
        assert site.hub.states.get("door.d1").state == "unavailable"
        assert site.hub.states.get("event.d1_reader").state == "unavailable"
        (gone,) = site.fired("door_unavailable")
        assert gone["reason"] == "nothing heard from the door or its readers for 30 s"
        assert [f["reason"] for f in site.fired("door_fault")] == [gone["reason"]]
        await site.contact("d1", "closed")
        assert site.hub.states.get("door.d1").state == "locked"
        assert site.hub.states.get("event.d1_reader").state != "unavailable"
        assert len(site.fired("door_available")) == 1


async def test_a_controller_offline_takes_its_doors_with_it(tmp_path, broker):
    async with door_site(tmp_path, broker, SILENT_DOOR) as site:
        doors = get_doors(site.hub)
        assert [door.door_id for door in doors.doors_of("c1")] == ["d1"]
        doors.controller_status("c1", False)
        assert site.hub.states.get("door.d1").state == "unavailable"
        assert site.fired("door_unavailable")[0]["reason"] == "controller c1 is offline"
        doors.controller_status("c1", True)
        assert site.hub.states.get("door.d1").state == "locked"
