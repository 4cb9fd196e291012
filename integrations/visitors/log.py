"""The visitor log: the visits kept (``keep_days``), filtered by household, day or period, plate
and status, newest first — what ``visitors.log`` answers and the pages list and export.

A resident reads their own household's visits only: the household is theirs, whatever the
request says. Plates are matched as one spelling (``粤B·123 45`` finds ``粤B12345``).
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.access.resolve import normalise_plate
from xiaoqu.integrations.access.schema import epoch
from xiaoqu.integrations.lpr.normalize import normalize_plate

if TYPE_CHECKING:
    from .models import Visit
    from .visits import Visitors


def _plate(text: str) -> str:
    plate = normalize_plate(text)
    return plate.text if plate.valid else normalise_plate(text)


def _period(visitors: Visitors, query: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """``date`` as its day in the site's time zone, else ``start`` and ``end``."""
    tz = visitors.tz
    if "date" in query:
        day = datetime.combine(query["date"].date(), time())
        return epoch(day, tz), epoch(day + timedelta(days=1), tz)
    return epoch(query.get("start"), tz), epoch(query.get("end"), tz)


def find(visitors: Visitors, query: Mapping[str, Any], household: str | None = None) -> list[Visit]:
    """The visits ``query`` (validated by ``LOG_SCHEMA``) asks for, newest first; ``household``
    overrides the query's (a resident's own)."""
    household = household or query.get("household")
    start, end = _period(visitors, query)
    plate = _plate(query["plate"]) if "plate" in query else None
    status = query.get("status")
    found = [visit for visit in visitors.visits.values()
             if (household is None or visit.household == household)
             and (start is None or visit.registered_at >= start) and (end is None or visit.registered_at < end)
             and (plate is None or visit.plate == plate) and (status is None or visit.status == status)]
    found.sort(key=lambda visit: visit.registered_at, reverse=True)
    return found[:query.get("limit", len(found))]


def today(visitors: Visitors) -> list[Visit]:
    """Today's visits and every visit still open, newest first: the guard's list."""
    now = visitors.hub.clock.now()
    start = epoch(datetime.combine(now.date(), time()), visitors.tz)
    assert start is not None
    shown = [visit for visit in visitors.visits.values() if visit.registered_at >= start or visit.open]
    return sorted(shown, key=lambda visit: visit.registered_at, reverse=True)
