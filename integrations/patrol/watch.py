"""Closing rounds on the hub's clock: each round's events, fired once when its window closes.

A round's window closes at its last stop's expected time plus the route's late limit; the
events wait ``settle_minutes`` more, so a wand docked at the end of its round has uploaded.
Then ``patrol.checkpoint_missed`` fires for each missed checkpoint, ``patrol.round_late`` if
any checkpoint was late, and ``patrol.round_completed`` with the round's status. Each closed
round is recorded (``patrol.round``, id ``<route>:<start>``) before its events fire, so a
restart never fires them twice; rounds that closed while the hub was down are not fired
afterwards (their evaluation and reports still show them). A scan uploaded after the events
changes the evaluation, not the events.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .const import (
    EARLY,
    EVENT_CHECKPOINT_MISSED,
    EVENT_ROUND_COMPLETED,
    EVENT_ROUND_LATE,
    LATE,
    MISSED,
    ON_TIME,
    OUT_OF_ORDER,
    ROUND_KIND,
)

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

    from .evaluate import RoundResult
    from .model import Route
    from .patrol import Patrol

_LOGGER = logging.getLogger(__name__)
#: How far ahead the next closing is looked for (a route may run once a week).
_LOOK_AHEAD_DAYS = 8


class RoundWatch:
    def __init__(self, hub: Hub, patrol: Patrol, settle: float) -> None:
        self.hub = hub
        self.patrol = patrol
        self.settle = settle
        self._after = hub.clock.time()
        self._timer: TimerHandle | None = None

    def start(self) -> None:
        self._plan()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _closings(self, low: float, high: float) -> list[tuple[Route, float, float]]:
        """``(route, start, closing)`` of the rounds whose events are due in ``(low, high]``."""
        patrol = self.patrol
        first = datetime.fromtimestamp(low, patrol.tz).date() - timedelta(days=2)
        last = datetime.fromtimestamp(min(high, low + _LOOK_AHEAD_DAYS * 86400), patrol.tz).date()
        found = []
        for route in patrol.plan.routes.values():
            for start in patrol.starts(route, first, last):
                closing = route.window(start)[1] + self.settle
                if low < closing <= high:
                    found.append((route, start, closing))
        return sorted(found, key=lambda item: item[2])

    def _plan(self) -> None:
        upcoming = self._closings(self._after, float("inf"))
        if upcoming:
            self._timer = self.hub.clock.call_at(upcoming[0][2], self._due)

    def _due(self) -> None:
        self._timer = None
        self.hub.create_task(self._close())

    async def _close(self) -> None:
        now = self.hub.clock.time()
        due, self._after = self._closings(self._after, now), now
        self._plan()
        for route, start, _ in due:
            day = datetime.fromtimestamp(start, self.patrol.tz).date()
            for result in await self.patrol.rounds([route], day, day):
                if result.start == start:
                    await self._fire(result)

    async def _fire(self, result: RoundResult) -> None:
        tz = self.patrol.tz
        if not await self.patrol.recorder.append(ROUND_KIND, {"status": result.status, "why": result.why},
                                                 subject=result.route, time=result.start,
                                                 record_id=f"{result.route}:{result.start:.0f}"):
            return
        base: dict[str, Any] = {"route": result.route, "round_start": datetime.fromtimestamp(result.start, tz).isoformat(),
                                "wands": result.wands}
        checkpoints = self.patrol.plan.checkpoints
        for missed in result.of_status(MISSED):
            point = checkpoints[missed.checkpoint]
            self.hub.bus.fire(EVENT_CHECKPOINT_MISSED, {**base, **missed.as_dict(tz), "name": point.name,
                                                        "location": point.location})
        late = result.of_status(LATE)
        if late:
            self.hub.bus.fire(EVENT_ROUND_LATE, {**base, "late": [c.as_dict(tz) for c in late], "why": result.why})
        counts = {status: len(result.of_status(status)) for status in (ON_TIME, EARLY, LATE, MISSED, OUT_OF_ORDER)}
        self.hub.bus.fire(EVENT_ROUND_COMPLETED, {**base, "status": result.status, "why": result.why, **counts})
        _LOGGER.info("Patrol round %s at %s closed: %s (%s)", result.route, base["round_start"], result.status,
                     result.why)
