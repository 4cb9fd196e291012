"""A scan as the hub keeps it, and an index of scans by checkpoint and by wand for evaluation.

``at`` is the time the evaluation uses: the wand's own time, corrected by the wand's clock
offset when that offset is known and beyond the allowed skew (:mod:`.wand_clock`);
``device_at`` is what the wand said, kept so every correction can be shown.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any


@dataclass(frozen=True, slots=True)
class Scan:
    at: float
    checkpoint: str
    wand: str
    scan_id: str
    device_at: float
    #: Seconds the wand's clock was ahead (+) or behind (−) and taken off ``device_at``; 0: none.
    offset: float = 0.0
    source: str = "live"

    def as_data(self) -> dict[str, Any]:
        """The recorder's copy (the time and the wand are the record's own)."""
        return {"checkpoint": self.checkpoint, "scan_id": self.scan_id, "device_at": self.device_at,
                "offset": self.offset, "source": self.source}

    @classmethod
    def from_record(cls, at: float, wand: str, data: Mapping[str, Any]) -> Scan:
        return cls(at, data["checkpoint"], wand, data["scan_id"], data["device_at"], data.get("offset", 0.0),
                   data.get("source", "live"))


_AT = attrgetter("at")


class Series:
    """Scans sorted by time, with their times apart for bisecting."""

    __slots__ = ("scans", "times")

    def __init__(self, scans: list[Scan]) -> None:
        scans.sort(key=_AT)
        self.scans = scans
        self.times = [scan.at for scan in scans]

    def between(self, low: float, high: float) -> list[Scan]:
        """The scans with ``low <= at <= high``."""
        return self.scans[bisect_left(self.times, low):bisect_right(self.times, high)]


_EMPTY = Series([])


class ScanIndex:
    """Scans by checkpoint and by wand, each sorted by time: a round reads only its own."""

    def __init__(self, scans: Iterable[Scan]) -> None:
        by_checkpoint: dict[str, list[Scan]] = defaultdict(list)
        by_wand: dict[str, list[Scan]] = defaultdict(list)
        for scan in scans:
            by_checkpoint[scan.checkpoint].append(scan)
            by_wand[scan.wand].append(scan)
        self._checkpoints = {key: Series(value) for key, value in by_checkpoint.items()}
        self._wands = {key: Series(value) for key, value in by_wand.items()}

    def checkpoint_series(self, checkpoint: str) -> Series:
        return self._checkpoints.get(checkpoint, _EMPTY)

    def of_checkpoint(self, checkpoint: str, low: float, high: float) -> list[Scan]:
        return self.checkpoint_series(checkpoint).between(low, high)

    def of_wand(self, wand: str, low: float, high: float) -> list[Scan]:
        return self._wands.get(wand, _EMPTY).between(low, high)
