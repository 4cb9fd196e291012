"""How many cars each lot holds, counted as they pass, never below zero, corrected by staff.

The count moves with the gates: +1 for a car let in, −1 for a car that leaves with its entry
on record (a car leaving with no entry was never counted, so it is not taken off). A car
taking one of the lot's temporary spaces (a temporary car, a visitor) moves the temporary
count too. A count at zero stays at zero — the missed entry that would explain it is logged —
and staff set the true figures after a walk round (``parking.set_occupancy``, audited).
The counts are kept in ``parking.db`` so a restart goes on from them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .models import Lot


@dataclass(slots=True)
class Count:
    lot: Lot
    occupied: int = 0
    temporary: int = 0

    @property
    def free(self) -> int:
        """Spaces free in the lot, whoever may take them."""
        return max(0, self.lot.capacity - self.occupied)

    @property
    def temporary_free(self) -> int:
        """Spaces a car without one of its own may take now."""
        return max(0, min(self.lot.temporary_spaces - self.temporary, self.free))

    def as_doc(self) -> dict[str, int]:
        return {"occupied": self.occupied, "temporary": self.temporary}


class Occupancy:
    """The counts of every lot; ``listeners`` hear which lot changed (sensors, displays, the store)."""

    def __init__(self, lots: dict[str, Lot], stored: dict[str, dict[str, int]]) -> None:
        self.counts = {lot_id: Count(lot, stored.get(lot_id, {}).get("occupied", 0),
                                     stored.get(lot_id, {}).get("temporary", 0)) for lot_id, lot in lots.items()}
        self.listeners: list[Callable[[Count], None]] = []

    def __getitem__(self, lot: str) -> Count:
        return self.counts[lot]

    def enter(self, lot: str, temporary: bool) -> Count:
        count = self.counts[lot]
        count.occupied += 1
        count.temporary += temporary
        self._changed(count)
        return count

    def leave(self, lot: str, temporary: bool) -> str | None:
        """Take a car off; the sentence when a count was at zero already (and stays there)."""
        count = self.counts[lot]
        notes = []
        if count.occupied == 0:
            notes.append(f"lot {lot} counted no car; the count stays 0 (an entry was missed: correct it with "
                         "parking.set_occupancy)")
        if temporary and count.temporary == 0:
            notes.append(f"lot {lot} counted no temporary car; that count stays 0")
        count.occupied = max(0, count.occupied - 1)
        count.temporary = max(0, count.temporary - temporary)
        self._changed(count)
        return "; ".join(notes) or None

    def set(self, lot: str, occupied: int, temporary: int | None) -> Count:
        """Staff's figures; the temporary count is kept within the cars counted."""
        count = self.counts[lot]
        count.occupied = occupied
        count.temporary = min(occupied, count.temporary if temporary is None else temporary)
        self._changed(count)
        return count

    def _changed(self, count: Count) -> None:
        for listener in list(self.listeners):
            listener(count)
