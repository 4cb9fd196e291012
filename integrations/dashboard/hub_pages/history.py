"""One entity's past for its page: the period asked for, its states over it (read from the
recorder as ``/api/history/period`` reads them: the state at the start, then every change), as
a chart's series when the states are numbers or as spans of time when they are words, and the
logbook's lines about it.

The period is typed in the site's local time, as every time on the dashboard is shown; it is
at most what the REST API answers in one request (ten days, what is kept by default).
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from xiaoqu.core.history.recording import KIND_LOGBOOK, KIND_STATE
from xiaoqu.core.history.views import MAX_SPAN, MAX_STATES
from xiaoqu.core.masking import masked_state

from ..registry import N_

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.recorder import Record
    from xiaoqu.core.states import State

#: What the page shows when no period is asked for: the last day, as Home Assistant's history does.
DEFAULT_SPAN: Final = timedelta(days=1)
#: The quick choices above the period's fields.
QUICK_SPANS: Final = (timedelta(hours=1), timedelta(hours=6), timedelta(days=1), timedelta(days=7))
#: How a period's ends are written in the form's ``datetime-local`` fields.
FIELD_FORMAT: Final = "%Y-%m-%dT%H:%M"
UNIT: Final = "unit_of_measurement"
#: States that say nothing about the value: gaps in a chart, not points.
NO_VALUE: Final = frozenset({STATE_UNAVAILABLE, STATE_UNKNOWN})
#: The years a period may be in.
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2999
#: Logbook lines on the page, newest first (the export holds every state change).
LOGBOOK_LINES: Final = 200


class BadPeriod(ValueError):
    """A period the page cannot read or may not read at once; its message (a message id with
    ``%(...)s`` values in ``values``) says what to change."""

    def __init__(self, message: str, **values: Any) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


@dataclass(frozen=True, slots=True)
class Period:
    start: float
    end: float

    def field(self, tz: tzinfo, which: str) -> str:
        """``start`` or ``end`` as the form's field shows it."""
        return datetime.fromtimestamp(getattr(self, which), tz).strftime(FIELD_FORMAT)


def _moment(text: str, tz: tzinfo) -> float:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise BadPeriod(N_("Times are written like 2026-03-02 08:00.")) from None
    if not FIRST_YEAR <= at.year <= LAST_YEAR:  # nothing is kept from then, and far enough out a time cannot be shown
        raise BadPeriod(N_("Choose a time between the years %(first)d and %(last)d."), first=FIRST_YEAR, last=LAST_YEAR)
    return (at if at.tzinfo is not None else at.replace(tzinfo=tz)).timestamp()


def period(start: str | None, end: str | None, now: float, tz: tzinfo) -> Period:
    """The period the form asks for: ``end`` defaults to now and ``start`` to a day before it."""
    until = _moment(end, tz) if end else now
    since = _moment(start, tz) if start else until - DEFAULT_SPAN.total_seconds()
    if until <= since:
        raise BadPeriod(N_("The period must end after it starts."))
    if until - since > MAX_SPAN.total_seconds():
        raise BadPeriod(N_("Choose a period of at most %(days)d days."), days=MAX_SPAN.days)
    return Period(since, until)


@dataclass(frozen=True, slots=True)
class Change:
    """The entity's state from ``time`` on; ``user`` set it (a person, through a service)."""

    time: float
    state: str
    user: str | None


async def changes(hub: Hub, entity_id: str, asked: Period, current: State | None) -> list[Change]:
    """The state at the period's start, then each change of state within it (changes of
    attributes alone left out), oldest first, personal data in them masked. ``current``, the
    state now, ends it when the recorder has not written it yet (it commits in batches) or does
    not keep the entity."""
    before = await hub.recorder.query(KIND_STATE, subject=entity_id, until=asked.start, limit=1, newest_first=True)
    during = await hub.recorder.query(KIND_STATE, subject=entity_id, since=asked.start, until=asked.end,
                                      limit=MAX_STATES + 1, newest_first=False)
    if len(during) > MAX_STATES:
        raise BadPeriod(N_("More than %(count)s states in this period: choose a shorter one."), count=f"{MAX_STATES:,}")
    found: list[Change] = []
    for record in (*before, *during):
        if record.data.get("removed"):
            continue
        state = masked_state(record.data["s"], record.data["a"].get(UNIT))
        _add(found, Change(max(record.time, asked.start), state, record.data.get("u")))
    if current is not None and current.last_changed < asked.end and (not found or current.last_changed > found[-1].time):
        user = current.context.user_id if current.context is not None else None
        _add(found, Change(max(current.last_changed, asked.start), masked_state(current.state, current.attributes.get(UNIT)),
                           user))
    return found


def _add(found: list[Change], change: Change) -> None:
    if not found or found[-1].state != change.state:
        found.append(change)


def shown(found: Sequence[Change], asked: Period, now: float) -> Period:
    """The part of the period there is something to show for: from the first state known in it
    (a hub younger than the period knows nothing before it started) up to now."""
    start = found[0].time if found else asked.start
    return Period(start, max(min(asked.end, now), start + 1))


def number(state: str) -> float | None:
    try:
        value = float(state)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def numeric(found: Sequence[Change]) -> bool:
    """Whether the states are measurements (a chart) rather than words (a timeline)."""
    values = [change.state for change in found if change.state not in NO_VALUE]
    return bool(values) and all(number(state) is not None for state in values)


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of time in one state, placed on the period's bar in percent."""

    state: str
    start: float
    end: float
    left: float
    width: float
    shade: int


#: Shades a timeline gives the states it shows, in the order they first appear.
SHADES: Final = 6
#: The narrowest span the timeline draws, in percent of the period: a thinner one is less than
#: a pixel wide (its change is still in the table and the export).
THINNEST: Final = 0.02


def spans(found: Sequence[Change], window: Period) -> list[Span]:
    """Each state's stretches over the ``window`` shown (see :func:`shown`)."""
    length = window.end - window.start
    shades: dict[str, int] = {}
    made = []
    for index, change in enumerate(found):
        until = min(found[index + 1].time if index + 1 < len(found) else window.end, window.end)
        if until <= change.time:
            continue
        shade = -1 if change.state in NO_VALUE else shades.setdefault(change.state, len(shades) % SHADES)
        made.append(Span(change.state, change.time, until, 100 * (change.time - window.start) / length,
                         100 * (until - change.time) / length, shade))
    return made


def chart(found: Sequence[Change], window: Period, tz: tzinfo, name: str, unit: str | None) -> dict[str, Any]:
    """ECharts options for a measurement: a line over the period, broken where there was no value.

    The chart reads times as UTC (``useUTC``) and is given them moved by the site's offset, so
    its axis shows the site's local time whatever the browser's time zone is.
    """
    def at(moment: float) -> int:
        offset = datetime.fromtimestamp(moment, tz).utcoffset() or timedelta()
        return round((moment + offset.total_seconds()) * 1000)

    points: list[list[Any]] = [[at(change.time), number(change.state)] for change in found]
    if found:
        points.append([at(window.end), number(found[-1].state)])
    return {
        "useUTC": True,
        "animation": False,
        "grid": {"left": 56, "right": 24, "top": 32, "bottom": 40},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "time", "min": at(window.start), "max": at(window.end)},
        "yAxis": {"type": "value", "scale": True, "name": unit or ""},
        "series": [{"type": "line", "name": name, "step": "end", "showSymbol": False, "connectNulls": False,
                    "data": points}],
    }


async def logbook(hub: Hub, entity_id: str, asked: Period) -> list[Record]:
    """The logbook's own entries about the entity in the period (an automation triggered, a
    ``logbook.log`` line), newest first; its state changes the caller has already."""
    return await hub.recorder.query(KIND_LOGBOOK, subject=entity_id, since=asked.start, until=asked.end,
                                    limit=LOGBOOK_LINES, newest_first=True)
