"""The door: section: mistakes named where they are, defaults filled in."""
from __future__ import annotations

import pytest

from xiaoqu.core.validation import vol
from xiaoqu.integrations.door.schema import CONFIG_SCHEMA
from xiaoqu.integrations.door.settings import DoorSettings


def test_a_door_alone_gets_one_reader_of_its_id_and_the_defaults():
    section = CONFIG_SCHEMA({"offline_after": 120, "doors": [{"id": "b1-u1"}]})
    door = DoorSettings.from_config(section["doors"][0], section["offline_after"])
    assert [(r.id, r.direction) for r in door.readers] == [("b1-u1", "in")]
    assert (door.name, door.kind, door.unlock_seconds, door.held_open_seconds, door.offline_after) == (
        "b1-u1", "pedestrian", 5.0, 60.0, 120)


@pytest.mark.parametrize(("section", "says"), [
    ({"doors": [{"id": "a"}, {"id": "a"}]}, "door id 'a' is already used by entry 1"),
    ({"doors": [{"id": "a", "readers": ["r"]}, {"id": "b", "readers": ["r"]}]}, "reader id 'r' is already used"),
    ({"doors": [{"id": "a", "interlock": "z"}]}, "interlock names no configured door ('z')"),
    ({"doors": [{"id": "a", "interlock": "a"}]}, "interlock names itself"),
    ({"doors": [{"id": "a", "interlock": "b"}, {"id": "b"}, {"id": "c", "interlock": "b"}]},
     "'b' is already interlocked with another door"),
    ({"doors": [{"id": "a", "controller": "c9"}], "controllers": [{"id": "c1"}]}, "controller 'c9' is not in"),
    ({"doors": [{"id": "a/b"}]}, "expected a device id"),
    ({"doors": [{"id": "a", "kind": "boat"}]}, "expected pedestrian or vehicle"),
    ({"doors": [{"id": "a", "unlock_seconds": 0}]}, "expected seconds from 1 to 3600"),
    ({"doors": [{"id": "a", "readers": [{"id": "r", "direction": "up"}]}]}, "expected in or out"),
])
def test_mistakes_are_refused_with_a_sentence(section, says):
    with pytest.raises(vol.Invalid, match=None) as caught:
        CONFIG_SCHEMA(section)
    assert says in str(caught.value)


def test_an_interlock_may_be_written_on_both_doors():
    CONFIG_SCHEMA({"doors": [{"id": "a", "interlock": "b"}, {"id": "b", "interlock": "a"}]})
