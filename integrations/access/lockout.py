"""Wrong PINs at one reader: after a few in a minute, that reader's PINs are refused a while.

A PIN is six digits at most, so a keypad left to someone patient gives in to guessing; a
hardware keypad locks itself after a few wrong tries, and so does the hub's decision. Only
wrong PINs count (an unknown one); cards, faces and plates at the same reader go on.
"""
from __future__ import annotations

from collections import deque

from .const import PIN_FAILURES, PIN_LOCKOUT, PIN_WINDOW


class PinLockout:
    """Wrong PINs by door (its reader), and until when each door's PINs are refused."""

    def __init__(self, failures: int = PIN_FAILURES, window: float = PIN_WINDOW, lockout: float = PIN_LOCKOUT) -> None:
        self.failures = failures
        self.window = window
        self.lockout = lockout
        self._wrong: dict[str, deque[float]] = {}
        self._locked: dict[str, float] = {}

    def locked_until(self, door: str, now: float) -> float | None:
        """When the door's reader takes PINs again, while it is locked; else None."""
        until = self._locked.get(door)
        if until is not None and now >= until:
            del self._locked[door]
            return None
        return until

    def wrong(self, door: str, now: float) -> None:
        """A wrong PIN at ``door``: the one that makes ``failures`` within ``window`` locks it."""
        wrong = self._wrong.setdefault(door, deque())
        wrong.append(now)
        while wrong and wrong[0] <= now - self.window:
            wrong.popleft()
        if len(wrong) >= self.failures:
            self._locked[door] = now + self.lockout
            del self._wrong[door]
