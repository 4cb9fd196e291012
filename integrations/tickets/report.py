"""The monthly response-time report: per category, the tickets opened in the month, how long
staff took to arrive or reply, how many went overdue, and how residents rated them.

- **time to arrive / reply**: from opening to the first step into in_progress,
  waiting_for_resident, resolved or closed (when the deadline is met), in minutes; tickets not
  met yet are counted in ``unmet`` and left out of the times;
- **median**: the middle time (the mean of the two middle ones for an even count);
  **90th percentile**: nearest rank, the time at rank ⌈0.9·n⌉ of the n sorted times;
- **overdue**: tickets whose ``tickets.overdue`` fired;
- **mean rating**: over the rated tickets only, to two decimals (``rated`` says how many).
"""
from __future__ import annotations

import math
import statistics
from typing import TYPE_CHECKING, Any, Final

from . import deadlines

if TYPE_CHECKING:
    from .tickets import Tickets

COLUMNS: Final = ("category", "category_name", "deadline", "count", "met", "unmet", "median_minutes",
                  "p90_minutes", "overdue", "rated", "mean_rating")
EXPLANATION: Final = ("Tickets opened in {month} ({tz}), by category. Time to arrive or reply: from opening to "
                      "the first step into in_progress, waiting_for_resident, resolved or closed, in minutes; "
                      "median of the times met, 90th percentile by nearest rank (the time at rank ceil(0.9 n)); "
                      "unmet tickets are counted, not timed. Overdue: tickets whose deadline passed unmet. "
                      "Mean rating over the rated tickets.")


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def build(tickets: Tickets, month: str) -> dict[str, Any]:
    """``{"month", "columns", "rows", "totals", "explanation"}``; every category of the site has a row."""
    rows: list[dict[str, Any]] = []
    for category, settings in tickets.categories.items():
        found = [t for t in tickets.tickets.values() if t.category == category and tickets.month_of(t.opened_at) == month]
        times = [(t.met_at - t.opened_at) / 60 for t in found if t.met_at is not None]
        ratings = [t.rating for t in found if t.rating is not None]
        rows.append({
            "category": category, "category_name": tickets.category_name(category), "deadline": deadlines.kind(settings),
            "count": len(found), "met": len(times), "unmet": len(found) - len(times),
            "median_minutes": round(statistics.median(times), 1) if times else None,
            "p90_minutes": round(p90(times), 1) if times else None,
            "overdue": sum(1 for t in found if t.overdue_at is not None),
            "rated": len(ratings), "mean_rating": round(statistics.fmean(ratings), 2) if ratings else None,
        })
    totals = {key: sum(int(row[key]) for row in rows) for key in ("count", "met", "unmet", "overdue", "rated")}
    return {"month": month, "columns": list(COLUMNS), "rows": rows, "totals": totals,
            "explanation": EXPLANATION.format(month=month, tz=tickets.tz)}
