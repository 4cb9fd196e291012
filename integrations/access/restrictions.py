"""Restrictions: a lost card, arrears, a blacklist, an expiry, a staff decision.

Each names one target (a household, a person, a card or a plate), a scope (pedestrian
doors, vehicle gates, or all), why, who set it, since when and until when. A decision looks
its holder's targets up in :class:`RestrictionIndex` — a dictionary per target — so a
restriction costs nothing until someone it names comes to a door.

A card is indexed by its low 24 bits: a Wiegand-26 reader sends only those, and residents
refuses two cards that share them, so they name one card however it was read.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, tzinfo
from typing import Any

from .const import ALL, CARD, PLATE
from .credentials import mask

#: An index key: ("household", "1-2-0601"), ("person", "P000123"), ("card", low24), ("plate", "沪A12345").
Key = tuple[str, str | int]


@dataclass(frozen=True, slots=True)
class Restriction:
    id: str
    target: str  # household | person | card | plate
    value: str  # the household or person id, the card (canonical, or its Wiegand pair), the plate
    scope: str  # pedestrian | vehicle | all
    kind: str  # lost | arrears | blacklist | expired | staff
    reason: str
    since: float
    by: str
    until: float | None = None
    low24: int | None = None  # a card's index key

    @property
    def key(self) -> Key:
        return ("card", self.low24) if self.target == "card" and self.low24 is not None else (self.target, self.value)

    def covers(self, door_kind: str, at: float) -> bool:
        return (self.scope == ALL or self.scope == door_kind) and self.since <= at and (self.until is None or at < self.until)

    def sentence(self, tz: tzinfo) -> str:
        """``card 04A2**** reported lost 2026-03-02 by 王芳`` (``… until 2026-04-01 00:00``): a
        card or plate masked, as every reason shows it."""
        since = datetime.fromtimestamp(self.since, tz).date().isoformat()
        shown = mask(self.target, self.value) if self.target in (CARD, PLATE) else self.value
        text = f"{self.target} {shown} {self.reason} {since} by {self.by}"
        if self.until is not None:
            text += f" (until {datetime.fromtimestamp(self.until, tz):%Y-%m-%d %H:%M})"
        return text

    def as_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Restriction:
        return cls(**{k: doc.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]

    def as_response(self, tz: tzinfo) -> dict[str, Any]:
        doc = self.as_doc()
        doc.pop("low24")
        doc["since"] = datetime.fromtimestamp(self.since, tz).isoformat()
        doc["until"] = None if self.until is None else datetime.fromtimestamp(self.until, tz).isoformat()
        return doc


class RestrictionIndex:
    """Restrictions by id and by the target they name."""

    def __init__(self, restrictions: Iterable[Restriction] = ()) -> None:
        self.by_id: dict[str, Restriction] = {}
        self._by_key: dict[Key, tuple[Restriction, ...]] = {}
        for restriction in restrictions:
            self.add(restriction)

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self) -> Iterator[Restriction]:
        return iter(self.by_id.values())

    def add(self, restriction: Restriction) -> None:
        self.by_id[restriction.id] = restriction
        key = restriction.key
        self._by_key[key] = (*self._by_key.get(key, ()), restriction)

    def remove(self, restriction_id: str) -> Restriction | None:
        restriction = self.by_id.pop(restriction_id, None)
        if restriction is not None:
            key = restriction.key
            left = tuple(r for r in self._by_key.get(key, ()) if r.id != restriction_id)
            if left:
                self._by_key[key] = left
            else:
                self._by_key.pop(key, None)
        return restriction

    def on(self, key: Key) -> tuple[Restriction, ...]:
        """Every restriction naming ``key``, in force or not."""
        return self._by_key.get(key, ())

    def first(self, keys: Iterable[Key], door_kind: str, at: float) -> Restriction | None:
        """The restriction in force at ``at`` on a door of ``door_kind`` for any of ``keys``."""
        by_key = self._by_key
        for key in keys:
            for restriction in by_key.get(key, ()):
                if restriction.covers(door_kind, at):
                    return restriction
        return None
