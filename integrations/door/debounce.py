"""One presentation, one decision: a reader that sends the same credential twice in a moment.

A card held to a reader, a face that stays in view, a device that repeats a message it was
not sure went out: each arrives again within milliseconds. Deciding each again would write
two access-log records and, with anti-passback, refuse the second. So the same credential at
the same reader within ``window`` seconds of the read that was decided gets that decision's
answer again (with its own request id) and nothing else happens. The window runs from the
decided read, not from the last repeat, so a card left on a reader is decided again every
``window`` seconds rather than never.

Each reader remembers only its last decided credential: a reader reads one credential at a
time, so the memory is one entry per reader whatever is presented to it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class _Decided:
    type: str
    value: str
    at: float
    answer: Mapping[str, Any]


class Debouncer:
    def __init__(self, window: float) -> None:
        self.window = window
        self._last: dict[str, _Decided] = {}
        #: how many reads were answered from memory
        self.repeats = 0

    def repeat(self, reader: str, type_: str, value: str, now: float) -> Mapping[str, Any] | None:
        """The answer already given to this credential at ``reader`` within the window, or None."""
        last = self._last.get(reader)
        if last is None or last.type != type_ or last.value != value or not 0 <= now - last.at < self.window:
            return None
        self.repeats += 1
        return last.answer

    def decided(self, reader: str, type_: str, value: str, now: float, answer: Mapping[str, Any]) -> None:
        """Remember the answer to a read that was decided now."""
        self._last[reader] = _Decided(type_, value, now, answer)
