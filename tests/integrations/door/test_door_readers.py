"""A reader's credential over a real broker: decided once, answered with the reason and the
rule, the door unlocked on a grant; unknown readers and repeats answered clearly."""
from __future__ import annotations

import logging

from xiaoqu.integrations import mqtt

from .conftest import door_site


async def test_a_granted_credential_unlocks_the_door_and_the_reader_hears_why(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.issue("123456", "residents")
        answer = await site.present("d1", "123456")
        assert answer["granted"] is True and answer["rule"] == "group:residents"
        assert "Residents" in answer["reason"] and answer["request_id"] == "q-1"
        await site.probe.wait_until(lambda: site.commands("d1"))
        assert site.commands("d1") == [{"action": "unlock", "duration": 5.0, "request_id": "q-1"}]
        door = site.hub.states.get("door.d1")
        assert door.state == "unlocked" and door.attributes["unlocked_by"]
        reader = site.hub.states.get("event.d1_reader")
        assert reader.attributes["event_type"] == "granted" and reader.attributes["rule"] == "group:residents"
        await site.contact("d1", "open")
        assert site.hub.states.get("door.d1").state == "open"
        await site.contact("d1", "closed")
        assert site.hub.states.get("door.d1").state == "locked", "a door relocks as it shuts"
        assert site.fired("door_forced") == []


async def test_a_denied_credential_leaves_the_door_shut(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        answer = await site.present("gate-in", "999999")
        assert answer["granted"] is False and answer["reason"].startswith("denied")
        assert answer["rule"] and set(answer) == {"request_id", "granted", "reason", "rule"}
        assert site.hub.states.get("event.gate_in_reader").attributes["event_type"] == "denied"
        await site.contact("gate", "closed")
        assert site.commands("gate") == [] and site.hub.states.get("door.gate").state == "locked"


async def test_a_credential_read_twice_within_200_ms_is_decided_once(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.issue("123456", "residents")
        first = await site.present("d1", "123456")
        second = await site.present("d1", "123456")
        assert second["request_id"] == "q-2"
        assert {**second, "request_id": "q-1"} == first, "the repeat gets the same answer"
        assert len(site.fired("access_granted")) == 1
        await site.contact("d1", "closed")
        assert len(site.commands("d1")) == 1, "and the door is commanded once"
        site.clock.advance(0.2)
        await site.present("d1", "123456")
        assert len(site.fired("access_granted")) == 2, "from 200 ms on it is a new presentation"


async def test_a_reader_no_door_lists_is_refused_counted_and_logged_once(tmp_path, broker, caplog):
    async with door_site(tmp_path, broker) as site:
        caplog.set_level(logging.WARNING)
        for _ in range(3):
            answer = await site.present("r404", "123456")
            assert answer["granted"] is False and answer["rule"] == "reader_not_configured"
            assert answer["reason"] == "reader r404 is not configured at any door"
        assert mqtt.get(site.hub).rejections.by_device["reader/r404"] == {"not_configured": 3}
        logged = [r for r in caplog.records if "r404 is not configured" in r.getMessage()]
        assert len(logged) == 1
        assert site.fired("access_denied") == [], "nothing was decided about anyone"


async def test_garbage_on_the_reader_topic_is_the_routers_and_the_hub_still_answers(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.probe.publish("xiaoqu/demo/reader/d1/credential", b"{not json")
        await site.probe.publish("xiaoqu/demo/reader/d1/credential", b'{"request_id": "x", "type": "iris", "value": "1"}')
        await site.issue("123456", "residents")
        assert (await site.present("d1", "123456"))["granted"] is True
        assert mqtt.get(site.hub).rejections.by_device["reader/d1"] == {"invalid_json": 1, "schema": 1}


async def test_each_reader_of_a_door_answers_for_it_with_its_direction(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.issue("123456", "residents")
        assert (await site.present("gate-out", "123456"))["granted"] is True
        await site.probe.wait_until(lambda: site.commands("gate"))
        (granted,) = site.fired("access_granted")
        assert granted["door"] == "gate"
        gate = site.hub.states.get("door.gate")
        assert gate.attributes["readers"] == ["gate-in", "gate-out"]
        assert site.hub.states.get("event.gate_out_reader").attributes["direction"] == "out"


async def test_a_door_state_from_a_door_no_one_configured_is_counted_and_changes_nothing(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.send("door/d404/state", {"state": "open"})
        assert mqtt.get(site.hub).rejections.by_device["door/d404"] == {"not_configured": 1}
        assert site.fired("door_forced") == [] and site.hub.states.get("door.d404") is None
