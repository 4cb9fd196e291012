"""Access groups: which people may use which doors, on which schedule, from when until when.

Membership is by selector, not by list, so 10,000 households need no row each::

    groups:
      - id: b1_residents
        name: 1号楼住户
        doors: [b1_*, gate_south]        # door ids; * and ? match as in file names
        schedule: residents              # left out: always
        members: {buildings: [1], kinds: [resident]}
        valid_from: 2026-01-01
        valid_until: 2026-12-31 23:59

Within ``members`` every key given must match (a resident of building 1 *and* an owner);
within a key any value may (building 1 *or* 2). A household's car with no driver named
matches as a resident of its household with any role, never by ``persons``.

:class:`GroupIndex` keeps, for each registered door, the groups that name it, so a decision
looks at the few groups of one door rather than at all of them.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any, Final

from .const import ALWAYS
from .models import Holder

#: The selector keys of ``members``, and the holder field each matches.
SELECTORS: Final = {
    "buildings": "building",
    "units": "unit",
    "households": "household",
    "persons": "person",
    "roles": "role",
    "kinds": "kind",
    "departments": "department",
}
#: Selectors that name a person: a car with no driver named never matches them.
_PERSONAL: Final = frozenset({"persons"})
#: Selectors a household's car with no driver named matches as a resident of any role.
_ANY_FOR_A_CAR: Final = frozenset({"roles", "departments"})
#: Which selector a door indexes a group by: the most selective the group has.
_ANCHORS: Final = ("persons", "households", "units", "buildings", "departments", "roles", "kinds")


@dataclass(frozen=True, slots=True)
class Members:
    """The selectors of a group's ``members``: each key a set of text values."""

    selectors: tuple[tuple[str, frozenset[str]], ...]

    @classmethod
    def from_config(cls, config: Mapping[str, Iterable[Any]]) -> Members:
        return cls(tuple((key, frozenset(str(v) for v in values)) for key, values in config.items()
                         if key in SELECTORS))

    def matches(self, holder: Holder) -> bool:
        driverless = holder.person is None
        for key, values in self.selectors:
            if driverless:
                if key in _PERSONAL:
                    return False
                if key in _ANY_FOR_A_CAR:
                    continue
                if key == "kinds":
                    if "resident" not in values:
                        return False
                    continue
            if getattr(holder, SELECTORS[key]) not in values:
                return False
        return True

    def as_config(self) -> dict[str, list[str]]:
        return {key: sorted(values) for key, values in self.selectors}

    def anchor(self) -> tuple[str, frozenset[str]]:
        """The most selective selector: a door indexes the group under each of its values."""
        given = dict(self.selectors)
        key = next(k for k in _ANCHORS if k in given)
        return key, given[key]


@dataclass(frozen=True, slots=True)
class Group:
    """An access group; ``stored`` groups came from a service (config.yaml's are not stored)."""

    id: str
    name: str
    doors: tuple[str, ...]
    schedule: str
    members: Members
    valid_from: float | None = None
    valid_until: float | None = None
    stored: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any], *, stored: bool = False) -> Group:
        """From a validated group (schema.GROUP_SCHEMA: times are epoch seconds)."""
        return cls(
            id=config["id"],
            name=config.get("name") or config["id"],
            doors=tuple(config["doors"]),
            schedule=config.get("schedule") or ALWAYS,
            members=Members.from_config(config["members"]),
            valid_from=config.get("valid_from"),
            valid_until=config.get("valid_until"),
            stored=stored,
        )

    def as_config(self) -> dict[str, Any]:
        """The stored document (and the service answer) of this group."""
        return {
            "id": self.id,
            "name": self.name,
            "doors": list(self.doors),
            "schedule": self.schedule,
            "members": self.members.as_config(),
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }

    def names_door(self, door: str) -> bool:
        return any(door == pattern or fnmatchcase(door, pattern) for pattern in self.doors)

    def valid_at(self, at: float) -> bool:
        return (self.valid_from is None or at >= self.valid_from) and (self.valid_until is None or at < self.valid_until)


class DoorGroups:
    """The groups naming one door, indexed by their anchor selector's values, so finding
    those that take a holder looks at a few groups, not at every group of the door."""

    __slots__ = ("all", "_anchors")

    def __init__(self, groups: Iterable[Group]) -> None:
        self.all = tuple(groups)
        anchors: dict[str, dict[str, list[Group]]] = {}
        for group in self.all:
            key, values = group.members.anchor()
            by_value = anchors.setdefault(SELECTORS[key], {})
            for value in values:
                by_value.setdefault(value, []).append(group)
        self._anchors = tuple((field, {v: tuple(gs) for v, gs in by_value.items()})
                              for field, by_value in anchors.items())

    def taking(self, holder: Holder) -> list[Group]:
        """The groups whose members include ``holder``, in the order they were defined."""
        if holder.person is None:  # a driverless car matches some selectors as "any"
            return [g for g in self.all if g.members.matches(holder)]
        found: list[Group] = []
        for field, by_value in self._anchors:
            for group in by_value.get(getattr(holder, field), ()):
                if group.members.matches(holder):
                    found.append(group)
        if len(found) > 1:
            order = {id(g): n for n, g in enumerate(self.all)}
            found.sort(key=lambda g: order[id(g)])
        return found


_NO_GROUPS: Final = DoorGroups(())


class GroupIndex:
    """Groups by id, and for each door the groups that name it."""

    def __init__(self) -> None:
        self.by_id: dict[str, Group] = {}
        self._doors: set[str] = set()
        self._at_door: dict[str, DoorGroups] = {}

    def at_door(self, door: str) -> DoorGroups:
        return self._at_door.get(door, _NO_GROUPS)

    def add_door(self, door: str) -> None:
        self._doors.add(door)
        self._at_door[door] = DoorGroups(g for g in self.by_id.values() if g.names_door(door))

    def put(self, group: Group) -> None:
        self.by_id[group.id] = group
        self._reindex()

    def remove(self, group_id: str) -> Group | None:
        group = self.by_id.pop(group_id, None)
        if group is not None:
            self._reindex()
        return group

    def replace_all(self, groups: Iterable[Group]) -> None:
        self.by_id = {g.id: g for g in groups}
        self._reindex()

    def _reindex(self) -> None:
        groups = list(self.by_id.values())
        self._at_door = {door: DoorGroups(g for g in groups if g.names_door(door)) for door in self._doors}
