"""Tracking the state changes of particular entities."""
from __future__ import annotations

from xiaoqu.core.tracking import track_state_change


async def test_only_tracked_entities_reach_the_action(hub):
    seen = []
    unsub = track_state_change(hub, ["door.a", "door.b"], lambda e: seen.append(e.data["entity_id"]))
    hub.states.set("door.a", "open")
    hub.states.set("door.c", "open")
    hub.states.set("door.b", "open")
    unsub()
    hub.states.set("door.a", "closed")
    assert seen == ["door.a", "door.b"]


async def test_async_action_and_failure_isolation(hub, caplog):
    seen = []

    async def action(event):
        seen.append(event.data["new_state"].state)

    track_state_change(hub, "door.a", lambda e: 1 / 0)
    track_state_change(hub, "door.a", action)
    hub.states.set("door.a", "open")
    await hub.block_till_done()
    assert seen == ["open"]
    assert "ZeroDivisionError" in caplog.text
