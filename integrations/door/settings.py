"""A door's and a reader's settings, as the validated ``door:`` section gives them."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .const import DoorKind


@dataclass(frozen=True, slots=True)
class ReaderSettings:
    id: str
    door: str
    direction: str  # "in" | "out"


@dataclass(frozen=True, slots=True)
class DoorSettings:
    id: str
    name: str
    kind: DoorKind
    area: str | None
    readers: tuple[ReaderSettings, ...]
    unlock_seconds: float
    held_open_seconds: float
    anti_passback: bool
    interlock: str | None
    first_card_groups: frozenset[str]
    controller: str | None
    offline_after: float | None
    #: The office's device number, maker and model of the door's hardware (lock and readers).
    number: str | None = None
    manufacturer: str | None = None
    model: str | None = None

    @classmethod
    def from_config(cls, entry: dict[str, Any], offline_after: float | None = None) -> DoorSettings:
        """One validated ``doors:`` entry; ``offline_after`` is the section's default."""
        door_id = entry["id"]
        readers = entry.get("readers") or [{"id": door_id, "direction": "in"}]
        return cls(
            id=door_id,
            name=entry.get("name") or door_id,
            kind=DoorKind(entry["kind"]),
            area=entry.get("area"),
            readers=tuple(ReaderSettings(r["id"], door_id, r["direction"]) for r in readers),
            unlock_seconds=float(entry["unlock_seconds"]),
            held_open_seconds=float(entry["held_open_seconds"]),
            anti_passback=bool(entry["anti_passback"]),
            interlock=entry.get("interlock"),
            first_card_groups=frozenset(entry["first_card_groups"]),
            controller=entry.get("controller"),
            offline_after=entry.get("offline_after", offline_after),
            number=entry.get("number"),
            manufacturer=entry.get("manufacturer"),
            model=entry.get("model"),
        )


def interlock_pairs(doors: list[DoorSettings]) -> dict[str, str]:
    """Each interlocked door → its partner, both ways (the config may name the pair once)."""
    pairs: dict[str, str] = {}
    for door in doors:
        if door.interlock is not None:
            pairs[door.id], pairs[door.interlock] = door.interlock, door.id
    return pairs
