"""The state machine: ids, change detection, last_changed, removal, domain index."""
from __future__ import annotations

import pytest

from xiaoqu.core.const import EVENT_STATE_CHANGED
from xiaoqu.core.errors import InvalidEntityId, InvalidState
from xiaoqu.core.states import State


@pytest.fixture
def changes(hub):
    seen = []
    hub.bus.listen(EVENT_STATE_CHANGED, seen.append)
    return seen


async def test_set_fires_state_changed_with_old_and_new(hub, changes):
    hub.states.set("door.east", "closed")
    hub.states.set("door.east", "open", {"by": "card"})
    assert [e.data["new_state"].state for e in changes] == ["closed", "open"]
    assert changes[1].data["old_state"].state == "closed"
    assert hub.states.get("door.east").attributes["by"] == "card"


async def test_unchanged_state_and_attributes_fire_nothing(hub, changes):
    hub.states.set("door.east", "closed", {"a": 1})
    hub.states.set("door.east", "closed", {"a": 1})
    assert len(changes) == 1
    hub.states.set("door.east", "closed", {"a": 2})
    assert len(changes) == 2
    hub.states.set("door.east", "closed", {"a": 2}, force_update=True)
    assert len(changes) == 3


async def test_last_changed_kept_when_only_attributes_change(hub, clock):
    hub.states.set("sensor.t", "20", {"unit": "C"})
    first = hub.states.get("sensor.t")
    clock.advance(60)
    hub.states.set("sensor.t", "20", {"unit": "°C"})
    second = hub.states.get("sensor.t")
    assert second.last_changed == first.last_changed
    assert second.last_updated == first.last_updated + 60


async def test_invalid_entity_ids_are_refused_with_the_id(hub):
    for bad in ["door", "Door.east", "door.east__1", "door._x", ".x", "door.x-y"]:
        with pytest.raises(InvalidEntityId, match="invalid entity id"):
            hub.states.set(bad, "on")


async def test_state_too_long_refused(hub):
    with pytest.raises(InvalidState, match="longer than 255"):
        hub.states.set("sensor.x", "x" * 256)


async def test_non_string_states_are_stored_as_strings(hub):
    hub.states.set("sensor.count", 3)
    hub.states.set("sensor.none", None)
    assert hub.states.get("sensor.count").state == "3"
    assert hub.states.get("sensor.none").state == "unknown"


async def test_domain_index_and_remove(hub, changes):
    hub.states.set("door.a", "closed")
    hub.states.set("door.b", "closed")
    hub.states.set("barrier.gate", "closed")
    assert sorted(hub.states.entity_ids("door")) == ["door.a", "door.b"]
    assert hub.states.remove("door.a")
    assert changes[-1].data["new_state"] is None
    assert hub.states.entity_ids("door") == ["door.b"]
    assert not hub.states.remove("door.a")
    hub.states.remove("door.b")
    assert hub.states.domains() == ["barrier"]


async def test_state_is_immutable_mapping(hub):
    hub.states.set("door.a", "open", {"k": 1})
    with pytest.raises(TypeError):
        hub.states.get("door.a").attributes["k"] = 2


async def test_as_dict_has_ha_shape(hub):
    hub.states.set("door.a", "open", {"k": 1})
    data = hub.states.get("door.a").as_dict()
    assert set(data) == {"entity_id", "state", "attributes", "last_changed", "last_updated", "context"}
    assert data["last_changed"].startswith("2026-03-02T00:00:00")


def test_a_state_cannot_be_changed_by_anyone_holding_it() -> None:
    state = State("lock.east_door", "locked", {"by": "card"}, 1.0, 1.0)
    for change in (lambda: setattr(state, "state", "unlocked"), lambda: delattr(state, "state"),
                   lambda: setattr(state, "colour", "red")):
        with pytest.raises(AttributeError, match=r"a State cannot be changed \(lock.east_door: "):
            change()
    with pytest.raises(TypeError):
        state.attributes["by"] = "forged"  # type: ignore[index]
    source = {"by": "card"}
    kept = State("lock.east_door", "locked", source, 1.0, 1.0)
    source["by"] = "forged"  # the caller's dict is copied, not shared
    assert kept.attributes["by"] == "card" and state.state == "locked"
