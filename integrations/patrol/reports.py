"""The office's patrol reports: missed checkpoints over a period (the one asked for most), and rounds.

A round is a patroller's when one of their wands scanned in it; a round nobody scanned is
every patroller's who walks that route (all of them answer for a round never walked). Rows
are plain values (times ISO text, English snake_case keys); labels are the page's job.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

from .const import EARLY, LATE, MISSED, ON_TIME, OUT_OF_ORDER

if TYPE_CHECKING:
    from .evaluate import RoundResult
    from .patrol import Patrol

MISSED_COLUMNS: Final = ("date", "route", "round_start", "checkpoint", "name", "location", "expected", "patrollers",
                         "why")
ROUND_COLUMNS: Final = ("date", "route", "start", "status", "on_time", "early", "late", "missed", "out_of_order",
                        "patrollers", "why")
_COUNTED: Final = (ON_TIME, EARLY, LATE, MISSED, OUT_OF_ORDER)


@dataclass(frozen=True)
class Report:
    kind: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    totals: dict[str, int]
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def patrollers_of(patrol: Patrol, result: RoundResult) -> list[str]:
    """Who answers for a round: the patrollers whose wands scanned in it, else all who walk the route."""
    plan = patrol.plan
    scanned = [plan.by_wand[w].person for w in result.wands if w in plan.by_wand]
    return scanned or sorted(p.person for p in plan.patrollers.values() if result.route in p.routes)


async def build(patrol: Patrol, kind: str, start: date, end: date, route: str | None = None,
                patroller: str | None = None) -> Report:
    tz = patrol.tz
    rounds = await patrol.rounds(patrol.routes_of(route, patroller), start, end)
    whose = [(result, patrollers_of(patrol, result)) for result in rounds]
    if patroller is not None:
        whose = [(result, people) for result, people in whose if patroller in people]
    scope = f"from {start} to {end}" + (f", route {route}" if route else "") + (f", patroller {patroller}" if patroller else "")
    if kind == "missed":
        checkpoints = patrol.plan.checkpoints
        rows = [{"date": datetime.fromtimestamp(r.start, tz).date().isoformat(), "route": r.route,
                 "round_start": datetime.fromtimestamp(r.start, tz).isoformat(), "checkpoint": c.checkpoint,
                 "name": checkpoints[c.checkpoint].name, "location": checkpoints[c.checkpoint].location,
                 "expected": c.as_dict(tz)["expected"], "patrollers": ", ".join(people), "why": c.why(tz)}
                for r, people in whose for c in r.of_status(MISSED)]
        return Report(kind, MISSED_COLUMNS, rows, {"missed": len(rows), "rounds": len(whose)},
                      f"Checkpoints of closed rounds with no scan within the route's early and late limits, {scope}; "
                      "a round is a patroller's when their wand scanned in it, else every patroller's on the route.")
    rows = [{"date": datetime.fromtimestamp(r.start, tz).date().isoformat(), "route": r.route,
             "start": datetime.fromtimestamp(r.start, tz).isoformat(), "status": r.status,
             **{status: len(r.of_status(status)) for status in _COUNTED}, "patrollers": ", ".join(people),
             "why": r.why} for r, people in whose]
    totals = {"rounds": len(rows), **{status: sum(row[status] for row in rows) for status in _COUNTED}}
    return Report(kind, ROUND_COLUMNS, rows, totals,
                  f"Every scheduled round {scope}, each with its checkpoints counted by status.")
