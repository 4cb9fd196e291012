"""THE acceptance: October 2026 for a day-shift office worker and a rotating guard, against a table
written by hand from the calendar (National Day Oct 1–7; Saturday Oct 10 a make-up working day,
per core/data/holidays/CN.yaml) and the guards' pattern (day, day, night, night, off, off from
2026-03-01, so Oct 1 is the pattern's fifth day: off)."""
from __future__ import annotations

from datetime import datetime, timedelta

from tests.integrations.attendance.conftest import GUARD_CARD, OFFICE_CARD, at, site

#: Each October day: (the office worker's day, the guard's day), as a person would write them.
EXPECTED = {
    1: ("holiday", "rest_day"),
    2: ("holiday", "rest_day"),
    3: ("holiday", "on_time"),            # the guards work National Day (holidays: work)
    4: ("holiday", "on_time"),
    5: ("holiday", "on_time"),            # night, out on the 6th
    6: ("holiday", "late 9"),             # night, in 20:09, no grace
    7: ("holiday", "rest_day"),
    8: ("late 12", "rest_day"),           # in 08:47: 17 min after 08:30, 5 of them grace
    9: ("on_time", "on_time"),
    10: ("on_time", "on_time"),           # Saturday, a make-up working day for the office
    11: ("rest_day", "on_time, overtime 150"),   # night, out 10:45 on the 12th: 165 min, in half hours
    12: ("left_early 15", "on_time"),     # out 17:10: 20 min early, 5 of them grace
    13: ("on_time", "rest_day"),
    14: ("absent", "rest_day"),
    15: ("on_time", "on_time"),
    16: ("on_time, overtime 90", "absent"),      # out 19:10: 100 min beyond 17:30
    17: ("rest_day", "on_time"),
    18: ("rest_day", "on_time"),
    19: ("on_time", "rest_day"),
    20: ("on_time", "rest_day"),
    21: ("missing_out", "on_time"),
    22: ("on_time", "on_time"),
    23: ("on_time", "left_early 30"),     # night, out 07:30 on the 24th
    24: ("rest_day", "on_time"),
    25: ("rest_day", "rest_day"),
    26: ("on_time", "rest_day"),
    27: ("on_time", "on_time"),
    28: ("on_time", "on_time"),
    29: ("on_time", "on_time"),
    30: ("on_time", "on_time"),
    31: ("rest_day", "rest_day"),
}
OFFICE_TOTALS = {"shift_days": 18, "worked_days": 17, "late_days": 1, "late_minutes": 12, "early_days": 1,
                 "early_minutes": 15, "absent_days": 1, "missing_punches": 1, "overtime_minutes": 90,
                 "rest_days": 6, "holidays": 7}
GUARD_TOTALS = {"shift_days": 20, "worked_days": 19, "late_days": 1, "late_minutes": 9, "early_days": 1,
                "early_minutes": 30, "absent_days": 1, "missing_punches": 0, "overtime_minutes": 150,
                "rest_days": 11, "holidays": 0}


def _office_punches() -> list[datetime]:
    special = {8: [(8, 47), (17, 40)], 12: [(8, 20), (17, 10)], 14: [], 16: [(8, 20), (19, 10)], 21: [(8, 20)]}
    working = [8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 26, 27, 28, 29, 30]
    return [at(2026, 10, day, h, m) for day in working for h, m in special.get(day, [(8, 20), (17, 35)])]


def _guard_punches() -> list[datetime]:
    days, nights = [3, 4, 9, 10, 15, 16, 21, 22, 27, 28], [5, 6, 11, 12, 17, 18, 23, 24, 29, 30]
    punches = [at(2026, 10, day, h, m) for day in days if day != 16 for h, m in ((8, 25), (17, 31))]
    outs = {11: (10, 45), 23: (7, 30)}
    for day in nights:
        start = at(2026, 10, day, 20, 9) if day == 6 else at(2026, 10, day, 19, 50)
        h, m = outs.get(day, (8, 2))
        punches += [start, at(2026, 10, day, h, m) + timedelta(days=1)]
    return punches


async def test_an_attendance_month_across_national_day_and_a_make_up_working_day(tmp_path) -> None:
    async with site(tmp_path, at(2026, 10, 1, 0, 0)) as s:
        absent: list[tuple[str, str]] = []
        s.hub.bus.listen("attendance_absent", lambda e: absent.append((e.data["name"], e.data["date"])))
        punches = sorted([(moment, OFFICE_CARD, "clock_office") for moment in _office_punches()]
                         + [(moment, GUARD_CARD, "gate_guard") for moment in _guard_punches()])
        for moment, card, terminal in punches:
            await s.punch(card, moment, terminal)
        s.clock.set(at(2026, 11, 1, 12, 0))
        await s.hub.block_till_done()

        office = await s.call("month", {"month": "2026-10", "team": "office"})
        guards = await s.call("month", {"month": "2026-10", "team": "guards"})
        (wang,), (li,) = office["persons"], guards["persons"]
        assert (wang["name"], li["name"]) == ("王芳", "李强")
        got = {int(d["date"][-2:]): (d["summary"], g["summary"]) for d, g in zip(wang["days"], li["days"], strict=True)}
        assert got == EXPECTED
        assert wang["totals"] == OFFICE_TOTALS and office["totals"] == OFFICE_TOTALS
        assert li["totals"] == GUARD_TOTALS
        assert sorted(absent) == [("李强", "2026-10-06"), ("李强", "2026-10-16"), ("王芳", "2026-10-08"),
                                  ("王芳", "2026-10-14")]

        by_day = {int(d["date"][-2:]): d for d in wang["days"]}
        assert by_day[8]["rules"] == ["late 12 min: first punch 08:47, shift 白班 starts 08:30, grace 5"]
        assert by_day[10]["plan"] == "国庆节调休上班: shift 白班 (team 行政部 works the calendar's working days)"
        assert by_day[1]["rules"] == ["holiday: 国庆节"]
        night = {int(d["date"][-2:]): d for d in li["days"]}[11]
        assert night["first_in"] == "2026-10-11T19:50:00+08:00" and night["last_out"] == "2026-10-12T10:45:00+08:00"
        assert night["rules"][1] == ("overtime 150 min: last punch 10-12 10:45, shift 夜班 ends 10-12 08:00; 165 min "
                                     "counted in units of 30")
