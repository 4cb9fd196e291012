"""How often a camera may push: a token bucket per camera, on the hub's clock.

A camera reads a car a few times a second at most; a camera (or whoever has its URL)
pushing faster is answered 429 and its pushes are not parsed, so a flood costs little.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Final

#: Pushes a second a camera may keep up, and the burst it may send at once.
RATE: Final = 10.0
BURST: Final = 30.0


class Throttle:
    def __init__(self, clock: Callable[[], float], rate: float = RATE, burst: float = BURST) -> None:
        self._clock = clock
        self._rate = rate
        self._burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}  # camera → (tokens, when)

    def allow(self, camera: str) -> bool:
        now = self._clock()
        tokens, then = self._buckets.get(camera, (self._burst, now))
        tokens = min(self._burst, tokens + (now - then) * self._rate)
        if tokens < 1:
            self._buckets[camera] = (tokens, now)
            return False
        self._buckets[camera] = (tokens - 1, now)
        return True
