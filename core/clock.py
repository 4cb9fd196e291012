"""The hub's one clock: every "now" and every timer in xiaoqu goes through it.

Schedules (access time zones, patrol rounds, late fees, automation ``for:`` and ``delay:``)
all read time here, so a test swaps in a :class:`ManualClock` and moves time forward
deterministically instead of sleeping.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import time as _time
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo


class TimerHandle:
    """A scheduled callback; ``cancel()`` it to stop it from running."""

    __slots__ = ("when", "callback", "cancelled", "_loop_handle")

    def __init__(self, when: float, callback: Callable[[], object]) -> None:
        self.when = when
        self.callback = callback
        self.cancelled = False
        self._loop_handle: asyncio.TimerHandle | None = None

    def cancel(self) -> None:
        self.cancelled = True
        if self._loop_handle is not None:
            self._loop_handle.cancel()

    def __lt__(self, other: TimerHandle) -> bool:
        return self.when < other.when


class Clock:
    """Wall-clock time in the site's time zone, and timers on the event loop."""

    def __init__(self, time_zone: str | tzinfo = "Asia/Shanghai") -> None:
        self.tz: tzinfo = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone

    def time(self) -> float:
        """Seconds since the epoch."""
        return _time.time()

    def now(self) -> datetime:
        """The current time, aware, in the site's time zone."""
        return datetime.fromtimestamp(self.time(), self.tz)

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.time(), ZoneInfo("UTC"))

    def call_at(self, when: float | datetime, callback: Callable[[], object]) -> TimerHandle:
        """Run ``callback`` (a plain function, in the loop) at epoch time ``when``."""
        stamp = when.timestamp() if isinstance(when, datetime) else when
        handle = TimerHandle(stamp, callback)
        loop = asyncio.get_running_loop()
        delay = max(0.0, stamp - self.time())
        handle._loop_handle = loop.call_at(loop.time() + delay, self._run, handle)
        return handle

    def call_later(self, delay: float | timedelta, callback: Callable[[], object]) -> TimerHandle:
        seconds = delay.total_seconds() if isinstance(delay, timedelta) else delay
        return self.call_at(self.time() + seconds, callback)

    async def sleep(self, delay: float | timedelta) -> None:
        """Sleep on this clock (a manual clock wakes the sleeper when time is advanced)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def wake() -> None:
            if not future.done():
                future.set_result(None)

        handle = self.call_later(delay, wake)
        try:
            await future
        finally:
            handle.cancel()

    @staticmethod
    def _run(handle: TimerHandle) -> None:
        if not handle.cancelled:
            handle.callback()


class ManualClock(Clock):
    """A clock that only moves when told to: ``advance()`` runs every timer that falls due."""

    def __init__(self, start: datetime | float, time_zone: str | tzinfo = "Asia/Shanghai") -> None:
        super().__init__(time_zone)
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        self._timers: list[tuple[float, int, TimerHandle]] = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self._now

    def call_at(self, when: float | datetime, callback: Callable[[], object]) -> TimerHandle:
        stamp = when.timestamp() if isinstance(when, datetime) else when
        handle = TimerHandle(stamp, callback)
        heapq.heappush(self._timers, (stamp, next(self._seq), handle))
        return handle

    def set(self, moment: datetime | float) -> None:
        """Jump to ``moment`` (forward only), running every timer due on the way, in order."""
        target = moment.timestamp() if isinstance(moment, datetime) else float(moment)
        if target < self._now:
            raise ValueError("a manual clock only moves forward")
        while self._timers and self._timers[0][0] <= target:
            when, _, handle = heapq.heappop(self._timers)
            self._now = max(self._now, when)
            self._run(handle)
        self._now = target

    def advance(self, delta: float | timedelta) -> None:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        self.set(self._now + seconds)
