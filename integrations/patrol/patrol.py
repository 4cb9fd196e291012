"""``Patrol``: the plan, the scans and the clock, answering for a route's rounds on a day or a period.

It reads the site calendar (which days a schedule runs) and the recorder (scans), and
nothing of the hub besides, so a bench or a report builds one from the stores themselves.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from xiaoqu.core.errors import ServiceValidationError

from .const import SCAN_KIND
from .evaluate import RoundResult, RouteJudge
from .scans import Scan, ScanIndex

if TYPE_CHECKING:
    from xiaoqu.core.calendar import SiteCalendar
    from xiaoqu.core.recorder import Recorder

    from .intake import Intake
    from .model import Plan, Route


class PatrolError(ServiceValidationError):
    """Input naming no route or patroller patrol knows; the message names the field."""


class Patrol:
    def __init__(self, plan: Plan, recorder: Recorder, intake: Intake, calendar: SiteCalendar | None, tz: tzinfo,
                 time: Callable[[], float], map_size: tuple[float, float] = (100.0, 100.0)) -> None:
        self.plan = plan
        #: The site map's width and height, in the units of the checkpoints' x and y.
        self.map_size = map_size
        self.recorder = recorder
        self.intake = intake
        self.calendar = calendar
        self.tz = tz
        self.time = time

    def today(self) -> date:
        return datetime.fromtimestamp(self.time(), self.tz).date()

    def route(self, route_id: str) -> Route:
        route = self.plan.routes.get(route_id)
        if route is None:
            raise PatrolError(f"route: no route {route_id} (routes: {', '.join(self.plan.routes) or 'none'})")
        return route

    def routes_of(self, route: str | None = None, patroller: str | None = None) -> list[Route]:
        """The routes a question is about: one route, a patroller's, or all."""
        if patroller is not None:
            found = self.plan.patrollers.get(patroller)
            if found is None:
                raise PatrolError(f"patroller: no patroller {patroller} "
                                  f"(patrollers: {', '.join(self.plan.patrollers) or 'none'})")
            names = [r for r in found.routes if route is None or r == route]
            return [self.route(name) for name in names]
        return [self.route(route)] if route is not None else list(self.plan.routes.values())

    def starts(self, route: Route, first: date, last: date) -> list[float]:
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        return [start for on in days for start in self.plan.starts(route.id, on, self.tz, self.calendar)]

    async def scans(self, since: float, until: float) -> list[Scan]:
        """Accepted scans with ``since <= at < until`` (as corrected), committed ones included."""
        await self.recorder.flush()
        records = await self.recorder.query(SCAN_KIND, since=since, until=until, limit=None, newest_first=False)
        return [Scan.from_record(r.time, r.subject or "", r.data) for r in records]

    async def rounds(self, routes: Iterable[Route], first: date, last: date) -> list[RoundResult]:
        """Every round of ``routes`` starting from ``first`` to ``last``, route by route, as known now."""
        plans = [(route, self.starts(route, first, last)) for route in routes]
        windows = [route.window(start) for route, starts in plans for start in starts]
        if not windows:
            return []
        index = ScanIndex(await self.scans(min(w[0] for w in windows), max(w[1] for w in windows) + 1))
        return evaluate_all(plans, index, self.time(), self.plan.wands_of)

    async def evaluate(self, route_id: str, on: date) -> list[RoundResult]:
        return await self.rounds([self.route(route_id)], on, on)


def evaluate_all(plans: Iterable[tuple[Route, list[float]]], index: ScanIndex, now: float,
                 wands_of: Callable[[str], frozenset[str]]) -> list[RoundResult]:
    """Each route's rounds at its starts, from one index of scans (what the bench times)."""
    return [judge.round(start, now) for route, starts in plans
            for judge in (RouteJudge(route, index, wands_of(route.id)),) for start in starts]
