"""The event bus: delivery by type, match-all, filters, isolation of failing listeners."""
from __future__ import annotations

import asyncio
import logging

from xiaoqu.core.const import MATCH_ALL


async def test_listener_gets_events_of_its_type_only(hub):
    seen = []
    hub.bus.listen("door_forced", lambda e: seen.append(e.data["door"]))
    hub.bus.fire("door_forced", {"door": "east"})
    hub.bus.fire("door_closed", {"door": "east"})
    assert seen == ["east"]


async def test_event_carries_time_from_hub_clock_and_origin(hub, clock):
    events = []
    hub.bus.listen("x", events.append)
    hub.bus.fire("x", {"a": 1}, origin="remote")
    assert events[0].time_fired == clock.time()
    assert events[0].origin == "remote"
    assert events[0].as_dict()["data"] == {"a": 1}


async def test_match_all_sees_every_event(hub):
    seen = []
    hub.bus.listen(MATCH_ALL, lambda e: seen.append(e.event_type))
    hub.bus.fire("a")
    hub.bus.fire("b")
    assert seen[-2:] == ["a", "b"]


async def test_unsubscribe_stops_delivery_and_drops_empty_types(hub):
    seen = []
    unsub = hub.bus.listen("a", seen.append)
    hub.bus.fire("a")
    unsub()
    hub.bus.fire("a")
    assert len(seen) == 1
    assert "a" not in hub.bus.listeners()


async def test_listener_may_unsubscribe_itself_while_running(hub):
    seen = []
    unsub = None

    def once(event):
        seen.append("first")
        unsub()

    unsub = hub.bus.listen("a", once)
    hub.bus.listen("a", lambda e: seen.append("second"))
    hub.bus.fire("a")
    hub.bus.fire("a")
    assert seen == ["first", "second", "second"]


async def test_failing_listener_is_logged_with_event_and_others_still_run(hub, caplog):
    seen = []

    def broken(event):
        raise RuntimeError("reader offline")

    hub.bus.listen("swipe", broken)
    hub.bus.listen("swipe", lambda e: seen.append(e.data["card"]))
    with caplog.at_level(logging.ERROR):
        hub.bus.fire("swipe", {"card": "A1"})
    assert seen == ["A1"]
    assert "reader offline" in caplog.text and "swipe" in caplog.text


async def test_async_listener_runs_as_tracked_task_and_failure_is_isolated(hub, caplog):
    seen = []

    async def slow(event):
        await asyncio.sleep(0)
        seen.append(event.data["n"])

    async def broken(event):
        raise ValueError("boom")

    hub.bus.listen("tick", slow)
    hub.bus.listen("tick", broken)
    hub.bus.fire("tick", {"n": 1})
    assert seen == []
    await hub.block_till_done()
    assert seen == [1]
    assert "boom" in caplog.text


async def test_event_filter_runs_first_and_a_failing_filter_skips_only_that_listener(hub, caplog):
    seen = []
    hub.bus.listen("swipe", lambda e: seen.append("filtered"), event_filter=lambda d: d["door"] == "east")
    hub.bus.listen("swipe", lambda e: seen.append("bad"), event_filter=lambda d: d["missing"])
    hub.bus.fire("swipe", {"door": "west"})
    hub.bus.fire("swipe", {"door": "east"})
    assert seen == ["filtered"]
    assert "Error in event filter" in caplog.text


async def test_listen_once(hub):
    seen = []
    hub.bus.listen_once("a", lambda e: seen.append(1))
    hub.bus.fire("a")
    hub.bus.fire("a")
    assert seen == [1]


async def test_fire_threadsafe_from_another_thread(hub):
    seen = []
    hub.bus.listen("from_thread", lambda e: seen.append(e.data["v"]))
    await hub.run_in_executor(hub.bus.fire_threadsafe, "from_thread", {"v": 7})
    await asyncio.sleep(0)
    assert seen == [7]


async def test_context_links_parent(hub):
    from xiaoqu.core.bus import Context

    parent = Context(user_id="guard1", source="dashboard")
    child = parent.child("automation.arrears_block")
    assert child.parent_id == parent.id
    assert child.user_id == "guard1"
    assert child.source == "automation.arrears_block"


async def test_listen_once_with_async_listener_fired_twice(hub, caplog):
    seen = []

    async def listener(event):
        seen.append(event.data["n"])

    hub.bus.listen_once("a", listener)
    hub.bus.fire("a", {"n": 1})
    hub.bus.fire("a", {"n": 2})
    await hub.block_till_done()
    assert seen == [1]
    assert "Error" not in caplog.text
