"""One person's day: the plan, the punches, and the verdict with the rule and figures behind it.

Punches are read to the minute, as the terminal shows them. The first punch in the shift's
window is the punch in, the last the punch out (a night shift's out falls on the next day).
Late and left-early minutes are counted beyond the grace ("late 12 min: first punch 08:47,
shift day starts 08:30, grace 5"); overtime is the time after the shift's end, rounded down
to whole units. A shift whose window has not closed is ``open``: what is known so far,
never ``absent`` before the person could still arrive.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from .const import ABSENT, HOLIDAY, LATE, LEFT_EARLY, MISSING_IN, MISSING_OUT, ON_TIME, OPEN, OVERTIME
from .punches import Punch
from .roster import Plan, Shift


@dataclass(frozen=True, slots=True)
class Rules:
    """The site's counting rules (``attendance:`` in config.yaml)."""

    overtime_unit: int = 30
    before: timedelta = timedelta(hours=4)
    after: timedelta = timedelta(hours=8)


@dataclass(slots=True)
class DayResult:
    """A person's day as the sheets show it: each status with its sentence, and the figures."""

    person: str
    name: str
    team: str
    plan: Plan
    statuses: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    first_in: datetime | None = None
    last_out: datetime | None = None
    late_minutes: int = 0
    early_minutes: int = 0
    overtime_minutes: int = 0
    punches: list[Punch] = field(default_factory=list)

    def add(self, status: str, rule: str) -> None:
        self.statuses.append(status)
        self.rules.append(rule)

    @property
    def summary(self) -> str:
        """The day in a few words: ``late 12, overtime 30``, ``holiday``, ``on_time``."""
        figures = {LATE: self.late_minutes, LEFT_EARLY: self.early_minutes, OVERTIME: self.overtime_minutes}
        return ", ".join(f"{s} {figures[s]}" if s in figures else s for s in self.statuses)

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        shift = self.plan.shift
        return {
            "date": self.plan.day.isoformat(),
            "person": self.person,
            "name": self.name,
            "team": self.team,
            "shift": None if shift is None else shift.id,
            "plan": self.plan.why,
            "statuses": list(self.statuses),
            "summary": self.summary,
            "rules": list(self.rules),
            "first_in": None if self.first_in is None else self.first_in.isoformat(),
            "last_out": None if self.last_out is None else self.last_out.isoformat(),
            "late_minutes": self.late_minutes,
            "early_minutes": self.early_minutes,
            "overtime_minutes": self.overtime_minutes,
            "punches": [punch.as_dict(tz) for punch in self.punches],
        }


def _minute(at: float, tz: tzinfo) -> datetime:
    return datetime.fromtimestamp(at, tz).replace(second=0, microsecond=0)


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _clock(moment: datetime, day: date) -> str:
    """``08:47``, or ``10-02 08:05`` for a moment on another day than the shift's."""
    return f"{moment:%H:%M}" if moment.date() == day else f"{moment:%m-%d %H:%M}"


def evaluate(result: DayResult, punches: list[Punch], now: float, rules: Rules, tz: tzinfo) -> DayResult:
    """Fill ``result`` in from ``punches`` (any order; those outside the day are left out)."""
    plan = result.plan
    if plan.shift is None:
        assert plan.off is not None
        start = datetime.combine(plan.day, datetime.min.time(), tzinfo=tz)
        result.punches = sorted(p for p in punches if start.timestamp() <= p.at < (start + timedelta(days=1)).timestamp())
        label = "holiday" if plan.off == HOLIDAY else "rest day"
        result.add(plan.off, f"{label}: {plan.why}")
        return result
    shift = plan.shift
    start, end = shift.bounds(plan.day, tz)
    opens, closes = start - rules.before, end + rules.after
    result.punches = sorted(p for p in punches if opens.timestamp() <= p.at < closes.timestamp())
    finished = now >= closes.timestamp()
    times = [_minute(p.at, tz) for p in result.punches]
    hours = f"shift {shift.name} {_clock(start, plan.day)}–{_clock(end, plan.day)}"
    if not times:
        if finished:
            result.add(ABSENT, f"absent: no punch from {_clock(opens, plan.day)} to {_clock(closes, plan.day)} ({hours})")
        else:
            result.add(OPEN, f"open: no punch yet ({hours}; punches count until {_clock(closes, plan.day)})")
        return result
    first, last = times[0], times[-1]
    single_out = len(times) == 1 and finished and first >= start + (end - start) / 2
    if not single_out:
        result.first_in = first
        _late(result, shift, start, plan.day)
    if len(times) > 1 or single_out:
        result.last_out = last
        _early_and_overtime(result, shift, end, plan.day, rules)
    if not finished:
        result.add(OPEN, f"open: {hours}; punches count until {_clock(closes, plan.day)}")
    elif single_out:
        result.add(MISSING_IN, f"missing punch in: only {_clock(last, plan.day)}, after the middle of the {hours}")
    elif len(times) == 1:
        result.add(MISSING_OUT, f"missing punch out: only {_clock(first, plan.day)}, before the middle of the {hours}")
    if not result.statuses or result.statuses == [OVERTIME]:
        result.statuses.insert(0, ON_TIME)
        result.rules.insert(0, f"on time: first punch {_clock(first, plan.day)}, last punch {_clock(last, plan.day)}, "
                               f"{hours}")
    return result


def _late(result: DayResult, shift: Shift, start: datetime, day: date) -> None:
    assert result.first_in is not None
    late = _minutes(result.first_in - start) - shift.grace_minutes
    if late > 0:
        result.late_minutes = late
        result.add(LATE, f"late {late} min: first punch {_clock(result.first_in, day)}, shift {shift.name} starts "
                         f"{_clock(start, day)}, grace {shift.grace_minutes}")


def _early_and_overtime(result: DayResult, shift: Shift, end: datetime, day: date, rules: Rules) -> None:
    assert result.last_out is not None
    early = _minutes(end - result.last_out) - shift.early_leave_grace
    if early > 0:
        result.early_minutes = early
        result.add(LEFT_EARLY, f"left early {early} min: last punch {_clock(result.last_out, day)}, shift {shift.name} "
                               f"ends {_clock(end, day)}, grace {shift.early_leave_grace}")
    beyond = _minutes(result.last_out - end)
    overtime = beyond // rules.overtime_unit * rules.overtime_unit
    if overtime > 0:
        result.overtime_minutes = overtime
        result.add(OVERTIME, f"overtime {overtime} min: last punch {_clock(result.last_out, day)}, shift {shift.name} "
                             f"ends {_clock(end, day)}; {beyond} min counted in units of {rules.overtime_unit}")

