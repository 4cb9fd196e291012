"""Weekly schedules: at which minutes of which days an access group opens its doors.

A schedule lists time windows (``"07:00-22:00"``) by kind of day, and the site calendar
(``xiaoqu.core.calendar``) says which kind a date is, so National Day is a holiday and the
Saturday worked in its place is a working day without anyone editing a schedule::

    schedules:
      office:
        name: 物业办公时间
        workdays: ["08:00-12:00", "13:30-17:30"]
        weekends: []            # closed (what a list left out means too)
        holidays: []            # public holidays; left out: as weekends
        sat: ["09:00-12:00"]    # a weekday's own windows, on ordinary days of that weekday

Which list a date uses, first match wins: a public holiday uses ``holidays`` (else
``weekends``); a make-up working day uses ``workdays`` (else ``mon``); any other day uses its
weekday's own list when the schedule has one, else ``workdays`` on a working day and
``weekends`` on a weekend day. A window ends before its end minute; ``24:00`` ends at
midnight. A window that would cross midnight is refused: write it as two.

Deciding costs a dictionary lookup: the kind of each date is asked of the calendar once, and
the site-local minute of the last epoch second asked is remembered (:class:`SiteTime`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Final

from .const import ALWAYS

if TYPE_CHECKING:
    from xiaoqu.core.calendar import SiteCalendar

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The lists a schedule may give, besides the weekdays'.
DAY_LISTS: Final = ("workdays", "weekends", "holidays")
_WINDOW: Final = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
WEEKEND: Final = frozenset({5, 6})
#: How many dates' kinds a :class:`Schedules` remembers before starting again.
MAX_DAYS_REMEMBERED: Final = 4096

Window = tuple[int, int]  # minutes since local midnight: start included, end excluded
#: A date's kind: "holiday", "make_up", or the weekday (0 = Monday) of an ordinary day.
DayKind = str | int


def parse_window(text: Any) -> Window:
    """``"07:00-22:00"`` → ``(420, 1320)``; ValueError saying what is wrong."""
    match = _WINDOW.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a time window; write it like 07:00-22:00")
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    if start_h > 23 or start_m > 59 or end_m > 59 or end_h > 24 or (end_h == 24 and end_m):
        raise ValueError(f"{text.strip()!r}: hours run 00-23 (24:00 for midnight), minutes 00-59")
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if end <= start:
        raise ValueError(f"{text.strip()!r} ends before it starts; a window over midnight is two: "
                         f"{text.split('-')[0].strip()}-24:00 and 00:00-{text.split('-')[1].strip()}")
    return start, end


def format_window(window: Window) -> tuple[str, str]:
    return f"{window[0] // 60:02d}:{window[0] % 60:02d}", f"{window[1] // 60:02d}:{window[1] % 60:02d}"


def _words(windows: tuple[Window, ...]) -> str:
    return ", ".join("-".join(format_window(w)) for w in windows) if windows else "closed"


@dataclass(frozen=True, slots=True)
class Schedule:
    """One schedule's windows by list name (``workdays``, ``weekends``, ``holidays``,
    ``mon`` … ``sun``); a list not given is None."""

    id: str
    name: str
    lists: Mapping[str, tuple[Window, ...]]

    @classmethod
    def from_config(cls, schedule_id: str, config: Mapping[str, Any]) -> Schedule:
        lists = {key: tuple(sorted(parse_window(w) for w in config[key]))
                 for key in (*DAY_LISTS, *WEEKDAYS) if config.get(key) is not None}
        return cls(schedule_id, config.get("name") or schedule_id, lists)

    def windows(self, kind: DayKind, weekend: frozenset[int] = WEEKEND) -> tuple[Window, ...]:
        """The windows of a date of ``kind`` (see the module docstring for which list);
        ``weekend`` is the site calendar's weekend days."""
        lists = self.lists
        if kind == "holiday":
            return lists.get("holidays", lists.get("weekends", ()))
        if kind == "make_up":
            return lists.get("workdays", lists.get("mon", ()))
        assert isinstance(kind, int)
        own = lists.get(WEEKDAYS[kind])
        if own is not None:
            return own
        return lists.get("weekends", ()) if kind in weekend else lists.get("workdays", ())

    def as_whitelist(self, weekend: frozenset[int] = WEEKEND) -> dict[str, Any]:
        """What a controller needs to decide alone: the ordinary week, holidays, make-up days."""
        return {
            "windows": [[day, *format_window(w)] for day in range(7) for w in self.windows(day, weekend)],
            "holiday_windows": [list(format_window(w)) for w in self.windows("holiday")],
            "make_up_windows": [list(format_window(w)) for w in self.windows("make_up")],
        }


ALWAYS_SCHEDULE: Final = Schedule(ALWAYS, "always", {"workdays": ((0, 1440),), "weekends": ((0, 1440),)})


class SiteTime:
    """Epoch seconds → (site-local date, minute of the day), remembering the last minute asked.

    A burst of decisions falls in one minute, so most cost one comparison; a minute's
    boundaries come from ``datetime`` each time, so a daylight-saving change is right too.
    """

    __slots__ = ("_tz", "_start", "_end", "_answer")

    def __init__(self, tz: tzinfo) -> None:
        self._tz = tz
        self._start = self._end = 0.0
        self._answer: tuple[date, int] = (date.min, 0)

    def at(self, epoch: float) -> tuple[date, int]:
        if self._start <= epoch < self._end:
            return self._answer
        local = datetime.fromtimestamp(epoch, self._tz)
        minute_start = local.replace(second=0, microsecond=0)
        self._start = minute_start.timestamp()
        self._end = self._start + 60.0
        self._answer = (local.date(), local.hour * 60 + local.minute)
        return self._answer


class Schedules:
    """The site's schedules by id, with the calendar that says which kind each date is."""

    def __init__(self, calendar: SiteCalendar, schedules: Iterable[Schedule] = ()) -> None:
        self.calendar = calendar
        self.by_id: dict[str, Schedule] = {ALWAYS: ALWAYS_SCHEDULE}
        self.by_id.update((s.id, s) for s in schedules)
        self.time = SiteTime(calendar.tz)
        self._kinds: dict[date, DayKind] = {}

    def kind(self, day: date) -> DayKind:
        kind = self._kinds.get(day)
        if kind is None:
            if len(self._kinds) >= MAX_DAYS_REMEMBERED:
                self._kinds.clear()
            calendar = self.calendar
            if calendar.is_make_up_workday(day):
                kind = "make_up"
            elif calendar.is_holiday(day):
                kind = "holiday"
            else:
                kind = day.weekday()
            self._kinds[day] = kind
        return kind

    def open_at(self, schedule: Schedule, day: date, minute: int) -> bool:
        for start, end in schedule.windows(self.kind(day), self.calendar.weekend):
            if start <= minute < end:
                return True
        return False

    def window_end(self, schedule: Schedule, at: float) -> float | None:
        """When the window of ``schedule`` that holds the epoch second ``at`` ends, or None
        when ``schedule`` is closed then."""
        day, minute = self.time.at(at)
        for start, end in schedule.windows(self.kind(day), self.calendar.weekend):
            if start <= minute < end:
                return (datetime.combine(day, time(), self.calendar.tz) + timedelta(minutes=end)).timestamp()
        return None

    def why_closed(self, schedule: Schedule, day: date) -> str:
        """``schedule 物业办公时间 on 2026-10-01 (国庆节): closed`` — for a denial's reason."""
        return (f"schedule {schedule.name} on {day.isoformat()} ({self.calendar.reason(day)}): "
                f"{_words(schedule.windows(self.kind(day), self.calendar.weekend))}")

    def calendar_days(self, start: date, days: int) -> tuple[list[str], list[str]]:
        """The holidays and make-up working days of the ``days`` days from ``start`` (ISO dates)."""
        dates = [start + timedelta(days=offset) for offset in range(days)]
        return ([d.isoformat() for d in dates if self.kind(d) == "holiday"],
                [d.isoformat() for d in dates if self.kind(d) == "make_up"])
