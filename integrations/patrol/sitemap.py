"""The site map: each checkpoint where it stands, coloured by its worst verdict of the day.

Drawn on the server as SVG (shapes, text and ``<title>`` tooltips; no script, so it runs
under the dashboard's Content-Security-Policy as any page does). A checkpoint's colour is
its worst status in the day's rounds so far: missed red, out of order / late / early amber,
on time green, nothing judged yet grey. Routes are drawn as thin lines through their stops.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .const import EARLY, LATE, MISSED, ON_TIME, OUT_OF_ORDER

if TYPE_CHECKING:
    from .evaluate import RoundResult
    from .patrol import Patrol

#: Worst first; a checkpoint takes the first of its statuses in this order.
SEVERITY: Final = (MISSED, OUT_OF_ORDER, LATE, EARLY, ON_TIME)
#: Each status's colour on the map (the stylesheet's bad, warn and ok), and none's.
COLOURS: Final = {MISSED: "#cf222e", OUT_OF_ORDER: "#9a6700", LATE: "#9a6700", EARLY: "#9a6700",
                  ON_TIME: "#1a7f37"}
NONE_COLOUR: Final = "#8c959f"


@dataclass(frozen=True, slots=True)
class MapPoint:
    id: str
    name: str
    location: str
    x: float
    y: float
    status: str | None
    colour: str
    counts: dict[str, int]


def points(patrol: Patrol, rounds: list[RoundResult]) -> list[MapPoint]:
    seen: dict[str, dict[str, int]] = {}
    for result in rounds:
        for checkpoint in result.checkpoints:
            if checkpoint.status in COLOURS:
                counts = seen.setdefault(checkpoint.checkpoint, {})
                counts[checkpoint.status] = counts.get(checkpoint.status, 0) + 1
    found = []
    for point in patrol.plan.checkpoints.values():
        counts = seen.get(point.id, {})
        status = next((s for s in SEVERITY if s in counts), None)
        found.append(MapPoint(point.id, point.name, point.location, point.x, point.y, status,
                              COLOURS.get(status or "", NONE_COLOUR), counts))
    return found


def route_lines(patrol: Patrol) -> list[tuple[str, str]]:
    """Each route's name and its SVG ``points`` attribute, stop by stop."""
    where = patrol.plan.checkpoints
    return [(route.name, " ".join(f"{where[s.checkpoint].x:g},{where[s.checkpoint].y:g}" for s in route.stops))
            for route in patrol.plan.routes.values()]
