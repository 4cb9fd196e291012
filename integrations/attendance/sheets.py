"""The monthly sheet: each person's days and totals, as a service answers it and as a file.

The totals are counted from the same day results the rows show, so a total never disagrees
with the days above it. The file has one row per person per day and a total row after each
person, with English or Chinese headers, written by the residents sheet writer (the one
every office export goes through).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import tzinfo
from typing import Any, Final

from .const import ABSENT, HOLIDAY, LATE, LEFT_EARLY, MISSING_IN, MISSING_OUT, OVERTIME, REST_DAY
from .evaluate import DayResult

#: Each total's name, counted over a person's days.
TOTALS: Final = ("shift_days", "worked_days", "late_days", "late_minutes", "early_days", "early_minutes",
                 "absent_days", "missing_punches", "overtime_minutes", "rest_days", "holidays")

#: The file's columns, with their English and Chinese headers.
COLUMNS: Final = {
    "date": ("date", "日期"),
    "person": ("person", "人员编号"),
    "name": ("name", "姓名"),
    "team": ("team", "班组"),
    "shift": ("shift", "班次"),
    "summary": ("summary", "考勤结果"),
    "first_in": ("first_in", "上班打卡"),
    "last_out": ("last_out", "下班打卡"),
    "late_minutes": ("late_minutes", "迟到分钟"),
    "early_minutes": ("early_minutes", "早退分钟"),
    "overtime_minutes": ("overtime_minutes", "加班分钟"),
    "rules": ("rules", "依据"),
}
TOTAL_ROW: Final = ("total", "合计")


def totals(days: Iterable[DayResult]) -> dict[str, int]:
    """A person's (or a team's) month in numbers."""
    count: Counter[str] = Counter({name: 0 for name in TOTALS})
    for day in days:
        statuses = set(day.statuses)
        if day.plan.shift is not None:
            count["shift_days"] += 1
            count["worked_days"] += bool(day.punches)
        count["late_days"] += LATE in statuses
        count["early_days"] += LEFT_EARLY in statuses
        count["absent_days"] += ABSENT in statuses
        count["missing_punches"] += len(statuses & {MISSING_IN, MISSING_OUT})
        count["rest_days"] += REST_DAY in statuses
        count["holidays"] += HOLIDAY in statuses
        count["late_minutes"] += day.late_minutes
        count["early_minutes"] += day.early_minutes
        count["overtime_minutes"] += day.overtime_minutes if OVERTIME in statuses else 0
    return dict(count)


def by_person(days: Sequence[DayResult]) -> dict[str, list[DayResult]]:
    people: dict[str, list[DayResult]] = {}
    for day in days:
        people.setdefault(day.person, []).append(day)
    return people


def month_response(month: str, days: Sequence[DayResult], tz: tzinfo) -> dict[str, Any]:
    """``attendance.month``'s answer: per-person rows (each day and the totals) and everyone's totals."""
    persons = [{"person": person, "name": rows[0].name, "team": rows[0].team, "totals": totals(rows),
                "days": [row.as_dict(tz) for row in rows]} for person, rows in by_person(days).items()]
    return {"month": month, "persons": persons, "totals": totals(days)}


def _day_line(day: DayResult) -> dict[str, Any]:
    clock = "%Y-%m-%d %H:%M"
    return {"date": day.plan.day.isoformat(), "person": day.person, "name": day.name, "team": day.team,
            "shift": day.plan.shift.name if day.plan.shift is not None else "", "summary": day.summary,
            "first_in": day.first_in.strftime(clock) if day.first_in else "",
            "last_out": day.last_out.strftime(clock) if day.last_out else "", "late_minutes": day.late_minutes,
            "early_minutes": day.early_minutes, "overtime_minutes": day.overtime_minutes,
            "rules": "; ".join(day.rules)}


def export_lines(days: Sequence[DayResult], chinese: bool) -> tuple[list[str], Iterator[list[Any]]]:
    """The file's header and lines: each person's days, then their total row."""
    header = [headers[1 if chinese else 0] for headers in COLUMNS.values()]

    def lines() -> Iterator[list[Any]]:
        for person, rows in by_person(days).items():
            for row in rows:
                line = _day_line(row)
                yield [line[name] for name in COLUMNS]
            sums = totals(rows)
            total = {"date": TOTAL_ROW[1 if chinese else 0], "person": person, "name": rows[0].name,
                     "team": rows[0].team, "summary": ", ".join(f"{name} {sums[name]}" for name in TOTALS if sums[name]),
                     "late_minutes": sums["late_minutes"], "early_minutes": sums["early_minutes"],
                     "overtime_minutes": sums["overtime_minutes"]}
            yield [total.get(name, "") for name in COLUMNS]

    return header, lines()
