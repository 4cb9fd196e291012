"""The site's patrol plan as objects: checkpoints, routes with their stops, schedules, patrollers.

Built once from the validated ``patrol:`` section. A schedule says when a route's rounds
start on a day: at fixed times, or every N hours from ``from`` until ``until``, on the
weekdays it names and on the site calendar's working days, rest days or all days.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any

from .schema import DAYS_REST_DAYS, DAYS_WORKDAYS, WEEKDAYS

if TYPE_CHECKING:
    from xiaoqu.core.calendar import SiteCalendar


@dataclass(frozen=True, slots=True)
class Checkpoint:
    id: str
    tag: str
    name: str
    location: str
    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Stop:
    """A checkpoint of a route: expected ``offset`` seconds after the round starts, on time within ``tolerance``."""

    checkpoint: str
    offset: float
    tolerance: float


@dataclass(frozen=True, slots=True)
class Route:
    id: str
    name: str
    ordered: bool
    stops: tuple[Stop, ...]
    #: Seconds before (after) the expected time a scan still counts, as early (late).
    early_limit: float
    late_limit: float

    #: Worked out from the stops (``from_config``): their checkpoints, the first and last offsets.
    checkpoint_ids: frozenset[str] = frozenset()
    first_offset: float = 0.0
    last_offset: float = 0.0

    def window(self, start: float) -> tuple[float, float]:
        """From the first scan that can count for a round starting at ``start`` to the last."""
        return start + self.first_offset - self.early_limit, start + self.last_offset + self.late_limit


@dataclass(frozen=True, slots=True)
class Schedule:
    route: str
    times: tuple[time, ...]
    weekdays: frozenset[int]
    days: str

    def runs_on(self, on: date, calendar: SiteCalendar | None) -> bool:
        if on.weekday() not in self.weekdays:
            return False
        if self.days == DAYS_WORKDAYS:
            return calendar is None or calendar.is_workday(on)
        if self.days == DAYS_REST_DAYS:
            return calendar is not None and not calendar.is_workday(on)
        return True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Schedule:
        if "times" in config:
            times = tuple(sorted(set(config["times"])))
        else:
            first = config.get("from", time(0, 0))
            until = config.get("until")
            step, minute = config["every_hours"] * 60, first.hour * 60 + first.minute
            end = until.hour * 60 + until.minute if until is not None and until > first else 24 * 60
            times = tuple(time(m // 60, m % 60) for m in range(minute, end, step))
        return cls(config["route"], times, frozenset(WEEKDAYS.index(d) for d in config["weekdays"]), config["days"])


@dataclass(frozen=True, slots=True)
class Patroller:
    person: str
    wand: str
    name: str
    routes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything ``patrol:`` configures, looked up by id."""

    checkpoints: dict[str, Checkpoint]
    by_tag: dict[str, Checkpoint]
    routes: dict[str, Route]
    schedules: tuple[Schedule, ...]
    patrollers: dict[str, Patroller]
    by_wand: dict[str, Patroller]
    spare_wands: frozenset[str]

    def knows_wand(self, wand: str) -> bool:
        return wand in self.by_wand or wand in self.spare_wands

    def wands_of(self, route: str) -> frozenset[str]:
        """The wands of the patrollers who walk ``route``."""
        return frozenset(p.wand for p in self.patrollers.values() if route in p.routes)

    def starts(self, route: str, on: date, tz: tzinfo, calendar: SiteCalendar | None) -> list[float]:
        """When ``route``'s rounds of day ``on`` start (epoch seconds, sorted, each once)."""
        found = {datetime.combine(on, at, tzinfo=tz).timestamp()
                 for schedule in self.schedules if schedule.route == route and schedule.runs_on(on, calendar)
                 for at in schedule.times}
        return sorted(found)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Plan:
        checkpoints = {c["id"]: Checkpoint(c["id"], c.get("tag", c["id"]), c.get("name", c["id"]),
                                           c.get("location", ""), float(c["x"]), float(c["y"]))
                       for c in config["checkpoints"]}
        routes = {}
        for r in config["routes"]:
            stops = tuple(Stop(s["checkpoint"], s["offset_minutes"] * 60.0,
                               s.get("tolerance_minutes", r["tolerance_minutes"]) * 60.0) for s in r["checkpoints"])
            offsets = [stop.offset for stop in stops]
            routes[r["id"]] = Route(r["id"], r.get("name", r["id"]), r["ordered"], stops,
                                    r["early_limit_minutes"] * 60.0, r["late_limit_minutes"] * 60.0,
                                    frozenset(stop.checkpoint for stop in stops), min(offsets), max(offsets))
        patrollers = {p["person"]: Patroller(p["person"], p["wand"], p.get("name", p["person"]), tuple(p["routes"]))
                      for p in config["patrollers"]}
        return cls(checkpoints, {c.tag: c for c in checkpoints.values()}, routes,
                   tuple(Schedule.from_config(s) for s in config["schedules"]), patrollers,
                   {p.wand: p for p in patrollers.values()}, frozenset(config["wands"]))

