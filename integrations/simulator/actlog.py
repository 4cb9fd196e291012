"""One INFO line per simulated act, so the log shows a living estate — but never a flood.

Lines are stamped with the simulated time of day (the demo runs the day faster than the
wall clock). At most ``rate`` lines a second get through; what is left out is counted by
kind and summed up in one line once the window has passed, so a morning peak at speed 60
reads as a few lines a second plus "… and 42 more acts (door 30, car 12)".
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

_LOGGER = logging.getLogger("xiaoqu.integrations.simulator")


class ActLog:
    def __init__(self, sim_now: Callable[[], str], rate: float = 3.0, window: float = 10.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._sim_now = sim_now
        self._rate = rate
        self._window = window
        self._monotonic = monotonic
        self._tokens = rate
        self._refilled = monotonic()
        self._window_start = self._refilled
        self._suppressed: Counter[str] = Counter()
        #: Every act by kind since start (tests and the diagnostics read it).
        self.counts: Counter[str] = Counter()

    def act(self, kind: str, message: str, *args: object) -> None:
        """Record an act of ``kind`` ("door", "car", "pos", ...) and log it if the budget allows."""
        self.counts[kind] += 1
        now = self._monotonic()
        self._tokens = min(self._rate, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        self._flush_summary(now)
        if self._tokens < 1:
            self._suppressed[kind] += 1
            return
        self._tokens -= 1
        _LOGGER.info("[%s] " + message, self._sim_now(), *args)

    def alarm(self, kind: str, message: str, *args: object) -> None:
        """An incident (forced door, barrier fault): always logged, as a warning."""
        self.counts[kind] += 1
        _LOGGER.warning("[%s] " + message, self._sim_now(), *args)

    def _flush_summary(self, now: float) -> None:
        if now - self._window_start < self._window:
            return
        if self._suppressed:
            parts = ", ".join(f"{kind} {count}" for kind, count in self._suppressed.most_common())
            _LOGGER.info("[%s] … and %d more acts (%s)", self._sim_now(), sum(self._suppressed.values()), parts)
            self._suppressed.clear()
        self._window_start = now
