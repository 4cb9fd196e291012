"""The confidence rule and folding: which reads become a ``plate_read``. Pure: time is given.

A camera reads a car two or three times while it stands on the loop, and two triggers (video
and loop), backup servers and resends each add another. Only the first read of a plate at a
camera may decide a gate; the rest are folded into it. And a read the camera itself doubts
must not open a gate alone. So, per camera and plate:

- **folded**: a read of the plate at the camera within ``fold_seconds`` of the previous read
  of it (which was a ``plate_read`` or folded itself) is folded into that ``plate_read``. The
  window slides: a car standing at the barrier for a minute is one read.
- **read**: a read at or above ``min_confidence``, or one that agrees (same plate, same
  camera, within ``fold_seconds``) with an uncertain read before it, whatever its own
  confidence: two reads of the same text are the second opinion. A full new-energy read
  agrees with a truncated one it begins with.
- **uncertain**: below ``min_confidence`` with nothing to agree with, or a new-energy
  plate read short (``truncated``): it waits ``fold_seconds`` for a second read.
- **unreadable**: no plate (or nothing that is one); the camera's further unreadable reads
  within ``fold_seconds`` are folded into it.

Memory is bounded: entries older than the window are dropped as the tables grow.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, TypeVar

from .normalize import Plate

_K = TypeVar("_K")

#: Entries kept before expired ones are swept (per table).
SWEEP_AT: Final = 1024


class Verdict(StrEnum):
    READ = "read"
    UNCERTAIN = "uncertain"
    FOLDED = "folded"
    UNREADABLE = "unreadable"
    UNREADABLE_FOLDED = "unreadable_folded"


@dataclass(frozen=True, slots=True)
class Judgement:
    """The verdict, and the read it refers to: the uncertain one a read ``agreed_with``, or
    the one it was ``folded_into``."""

    verdict: Verdict
    agreed_with: str | None = None
    folded_into: str | None = None


@dataclass(slots=True)
class _Seen:
    at: float
    read_id: str


class Rules:
    def __init__(self, min_confidence: float, fold_seconds: float) -> None:
        self.min_confidence = min_confidence
        self.fold_seconds = fold_seconds
        self._last: dict[tuple[str, str], _Seen] = {}  # (camera, plate) → its plate_read, slid forward
        self._doubted: dict[tuple[str, str], _Seen] = {}  # (camera, plate or truncated text) → uncertain read
        self._unreadable: dict[str, _Seen] = {}  # camera → its last unreadable read

    def judge(self, camera: str, plate: Plate, confidence: float, at: float, read_id: str) -> Judgement:
        if not plate.valid and not plate.truncated:
            return self._unreadable_read(camera, at, read_id)
        key = (camera, plate.text)
        last = self._last.get(key)
        if last is not None and at - last.at <= self.fold_seconds:
            last.at = at
            return Judgement(Verdict.FOLDED, folded_into=last.read_id)
        doubted = self._agreeing(camera, plate, at)
        if plate.truncated or (doubted is None and confidence < self.min_confidence):
            self._remember(self._doubted, key, _Seen(at, read_id))
            return Judgement(Verdict.UNCERTAIN)
        self.accept(camera, plate.text, at, read_id)
        return Judgement(Verdict.READ, agreed_with=doubted.read_id if doubted else None)

    def accept(self, camera: str, plate: str, at: float, read_id: str) -> None:
        """``plate`` was read (or corrected by staff) at ``camera``: later reads of it fold into ``read_id``."""
        self._doubted.pop((camera, plate), None)
        self._remember(self._last, (camera, plate), _Seen(at, read_id))

    def _agreeing(self, camera: str, plate: Plate, at: float) -> _Seen | None:
        """The uncertain read this one agrees with, taken off the table: the same text, or the
        truncated 7 characters a full new-energy read begins with."""
        keys = [(camera, plate.text)] + ([(camera, plate.text[:7])] if plate.new_energy else [])
        for key in keys:
            doubted = self._doubted.get(key)
            if doubted is not None and at - doubted.at <= self.fold_seconds:
                del self._doubted[key]
                return doubted
        return None

    def _unreadable_read(self, camera: str, at: float, read_id: str) -> Judgement:
        last = self._unreadable.get(camera)
        if last is not None and at - last.at <= self.fold_seconds:
            last.at = at
            return Judgement(Verdict.UNREADABLE_FOLDED, folded_into=last.read_id)
        self._remember(self._unreadable, camera, _Seen(at, read_id))
        return Judgement(Verdict.UNREADABLE)

    def _remember(self, table: dict[_K, _Seen], key: _K, seen: _Seen) -> None:
        table[key] = seen
        if len(table) > SWEEP_AT:
            for old in [k for k, v in table.items() if seen.at - v.at > self.fold_seconds]:
                del table[old]
