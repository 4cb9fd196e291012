"""The hub's one clock: every "now" and every timer in xiaoqu goes through it.

Schedules (access time zones, patrol rounds, late fees, automation ``for:`` and ``delay:``)
all read time here, so a test swaps in a :class:`ManualClock` and moves time forward
deterministically instead of sleeping.

The wall clock can jump (an NTP correction, a technician setting the time) while the loop's
timers run on the monotonic clock. So a timer for an epoch time waits on the loop at most
``RECHECK`` seconds and then looks at the wall clock again. The rules that follow:

- a timer never runs before its wall-clock time: after a correction backward it waits again,
  so a schedule does not run early, and (re-armed from the time it was due) not twice;
- after a correction forward, every timer whose time was jumped over runs once, at most
  ``RECHECK`` seconds after the jump, in the order of their times; a schedule that computes its
  next time from "now" skips the occurrences in the gap, and the clock logs a warning that the
  time jumped (once a minute at most), so nothing is skipped silently;
- a duration is measured between two readings of this clock, so whoever measures one (a
  parking stay, a patrol round) takes a reading earlier than the start as zero.

:meth:`ManualClock.jump` moves a test's wall clock either way as a correction does, its timers
behaving as the loop's would.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time as _time
from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

_LOGGER = logging.getLogger(__name__)

#: Seconds a timer waits on the monotonic clock before it reads the wall clock again.
RECHECK = 60.0
#: A timer run later than this after its time (or its arming) means the wall clock jumped.
JUMP_TOLERANCE = 5.0


class TimerHandle:
    """A scheduled callback; ``cancel()`` it to stop it from running."""

    __slots__ = ("when", "armed", "callback", "cancelled", "_loop_handle")

    def __init__(self, when: float, callback: Callable[[], object], armed: float) -> None:
        self.when = when
        self.armed = armed  # the wall-clock time it was set at: a timer set for the past is not late
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
        self._warned_at = float("-inf")  # when a jump forward was last logged

    def time(self) -> float:
        """Seconds since the epoch."""
        return _time.time()

    def now(self) -> datetime:
        """The current time, aware, in the site's time zone."""
        return datetime.fromtimestamp(self.time(), self.tz)

    def utcnow(self) -> datetime:
        return datetime.fromtimestamp(self.time(), ZoneInfo("UTC"))

    def call_at(self, when: float | datetime, callback: Callable[[], object]) -> TimerHandle:
        """Run ``callback`` (a plain function, in the loop) at epoch time ``when``: never before
        it by this clock, whatever the wall clock does meanwhile (see the module docstring)."""
        stamp = when.timestamp() if isinstance(when, datetime) else when
        handle = TimerHandle(stamp, callback, self.time())
        self._arm(handle)
        return handle

    def _arm(self, handle: TimerHandle) -> None:
        """Wait on the loop until ``handle``'s time, or ``RECHECK`` seconds if that is sooner."""
        delay = min(RECHECK, max(0.0, handle.when - self.time()))
        handle._loop_handle = asyncio.get_running_loop().call_later(delay, self._due, handle)

    def _due(self, handle: TimerHandle) -> None:
        if handle.cancelled:
            return
        now = self.time()
        if now < handle.when:  # not yet, or the clock was set back meanwhile: wait again
            self._arm(handle)
            return
        late = now - max(handle.when, handle.armed)
        if late > JUMP_TOLERANCE and now - self._warned_at >= RECHECK:
            self._warned_at = now
            _LOGGER.warning("The clock jumped forward: a timer due at %s runs %.0f s late, now; a schedule "
                            "runs once for the time jumped over", datetime.fromtimestamp(handle.when, self.tz), late)
        handle.callback()

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


class ManualClock(Clock):
    """A clock that only moves when told to: ``advance()`` runs every timer that falls due.

    Its timers behave as the loop's do under :class:`Clock`: each waits until its time or
    ``RECHECK`` seconds, whichever is sooner, on a clock a :meth:`jump` does not move.
    """

    def __init__(self, start: datetime | float, time_zone: str | tzinfo = "Asia/Shanghai") -> None:
        super().__init__(time_zone)
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        #: (when the wait ends, by this clock; the order the timer was set in; the timer)
        self._timers: list[tuple[float, int, TimerHandle]] = []
        self._seq = itertools.count()

    def time(self) -> float:
        return self._now

    def call_at(self, when: float | datetime, callback: Callable[[], object]) -> TimerHandle:
        stamp = when.timestamp() if isinstance(when, datetime) else when
        handle = TimerHandle(stamp, callback, self._now)
        heapq.heappush(self._timers, (stamp, next(self._seq), handle))
        return handle

    def _arm(self, handle: TimerHandle) -> None:
        """Wait again (after a jump back): until its time, or ``RECHECK`` seconds."""
        heapq.heappush(self._timers, (min(handle.when, self._now + RECHECK), next(self._seq), handle))

    def set(self, moment: datetime | float) -> None:
        """Move to ``moment`` (forward only), running every timer due on the way, in order."""
        target = moment.timestamp() if isinstance(moment, datetime) else float(moment)
        if target < self._now:
            raise ValueError("a manual clock only moves forward; jump() sets it back as a correction does")
        while self._timers and self._timers[0][0] <= target:
            ends, _, handle = heapq.heappop(self._timers)
            self._now = max(self._now, ends)
            self._due(handle)
        self._now = target

    def advance(self, delta: float | timedelta) -> None:
        seconds = delta.total_seconds() if isinstance(delta, timedelta) else float(delta)
        self.set(self._now + seconds)

    def jump(self, moment: datetime | float) -> None:
        """Set the wall clock to ``moment``, forward or back, as an NTP correction does: no
        timer runs now; each waiting one ends its wait when it would have on the loop's clock
        (its time or ``RECHECK`` seconds, whichever was sooner, moved by the jump) and then
        looks at the new time."""
        target = moment.timestamp() if isinstance(moment, datetime) else float(moment)
        shift = target - self._now
        self._timers = [(min(ends, self._now + RECHECK) + shift, seq, handle) for ends, seq, handle in self._timers]
        heapq.heapify(self._timers)
        self._now = target
