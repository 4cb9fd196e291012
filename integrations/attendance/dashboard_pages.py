"""Attendance on the staff dashboard: the day sheet (who is on which shift, in and out, late, left
early or absent, with the rule that decided) with a chart of it per team, and the month sheet
per team or person.

The sheets are :class:`~.attendance.Attendance`'s own day results, behind the permissions of the
services that answer the same (``attendance.day``, ``attendance.month``: managers and guards);
their downloads are the rows ``xiaoqu attendance export`` writes (:func:`.sheets.export_lines`),
behind ``attendance.export`` (managers), as docs/attendance.md says.
"""
from __future__ import annotations

from calendar import monthrange
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.validation import vol
from xiaoqu.integrations.dashboard import N_, Page, PageRequest, ServiceRefused, register
from xiaoqu.integrations.dashboard.charts import BAD, MUTED, OK, Series, bars
from xiaoqu.integrations.dashboard.const import PAGE_SIZE
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked, link, offset_pager
from xiaoqu.integrations.dashboard.registry import PEOPLE

from . import schema
from .attendance import AttendanceError
from .const import (
    ABSENT,
    DOMAIN,
    HOLIDAY,
    LATE,
    LEFT_EARLY,
    MISSING_IN,
    MISSING_OUT,
    ON_TIME,
    OPEN,
    OVERTIME,
    REST_DAY,
    SERVICE_DAY,
    SERVICE_EXPORT,
    SERVICE_MONTH,
)
from .runtime import get_attendance
from .sheets import by_person, export_lines, totals

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

    from .attendance import Attendance
    from .evaluate import DayResult

DAY: Final = f"{DOMAIN}.{SERVICE_DAY}"
MONTH: Final = f"{DOMAIN}.{SERVICE_MONTH}"
EXPORT: Final = f"{DOMAIN}.{SERVICE_EXPORT}"

#: The years a sheet may be asked for.
FIRST_YEAR: Final = 2000
LAST_YEAR: Final = 2999
#: The longest download name the frame takes.
MAX_NAME: Final = 63
#: Each status as staff read it; those with minutes say how many.
STATUS_LABELS: Final = {
    ON_TIME: N_("on time"), LATE: N_("late %(minutes)d min"), LEFT_EARLY: N_("left early %(minutes)d min"),
    OVERTIME: N_("overtime %(minutes)d min"), ABSENT: N_("absent"), MISSING_IN: N_("no punch in"),
    MISSING_OUT: N_("no punch out"), REST_DAY: N_("rest day"), HOLIDAY: N_("holiday"), OPEN: N_("shift not over"),
}
#: How a status is marked: good, a warning, bad; the rest plain.
TONES: Final = {ON_TIME: "ok", LATE: "warn", LEFT_EARLY: "warn", MISSING_IN: "warn", MISSING_OUT: "warn", ABSENT: "bad"}
#: The month's totals as the month sheet's columns.
TOTAL_LABELS: Final = {
    "shift_days": N_("Shift days"), "worked_days": N_("Worked"), "late_days": N_("Late days"),
    "late_minutes": N_("Late min"), "early_days": N_("Early days"), "early_minutes": N_("Early min"),
    "absent_days": N_("Absent"), "missing_punches": N_("Missing punches"), "overtime_minutes": N_("Overtime min"),
    "rest_days": N_("Rest days"), "holidays": N_("Holidays"),
}
#: The chart's bars: how each member's day counts, in the order they stack.
CHART_KINDS: Final = (("present", N_("Present"), OK), ("late", N_("Late"), "#9a6700"),  # the stylesheet's --warn
                      ("absent", N_("Absent"), BAD), ("waiting", N_("Not in yet"), MUTED))


@dataclass(frozen=True, slots=True)
class Sheet:
    """What a page was asked for and the days it found."""

    filters: dict[str, str]
    days: list[DayResult]


def _bad(page: PageRequest, text: str) -> ServiceRefused:
    return ServiceRefused(page.message(HTTPStatus.BAD_REQUEST, text))


def _today(attendance: Attendance) -> date:
    return datetime.fromtimestamp(attendance.time(), attendance.tz).date()


def _parsed(page: PageRequest, parse: Any, field: str, value: str) -> date:
    """A date or month typed on the page, as attendance's schema reads it, in the years a sheet can
    have (the punch log's window around year 1 or 9999 is no date at all)."""
    try:
        found: date = parse(value)
    except vol.Invalid as err:
        raise _bad(page, f"{field}: {err.msg}") from None
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise _bad(page, page.gettext("%(field)s: expected a year from %(first)d to %(last)d.")
                   % {"field": field, "first": FIRST_YEAR, "last": LAST_YEAR})
    return found


async def _collect(page: PageRequest, attendance: Attendance, first: date, last: date,
                   filters: dict[str, str]) -> list[DayResult]:
    """Each person's days: one team's, one person's, or every team's in the roster's order."""
    try:
        if "person" in filters:
            return await attendance.days(first, last, person=filters["person"])
        teams = [filters["team"]] if "team" in filters else list(attendance.roster.teams)
        return [day for team in teams for day in await attendance.days(first, last, team)]
    except AttendanceError as err:
        raise _bad(page, str(err)) from None


async def _day_sheet(page: PageRequest) -> Sheet:
    attendance = get_attendance(page.hub)
    filters = asked(page, ("date", "team"))
    on = _parsed(page, schema.day, "date", filters["date"]) if "date" in filters else _today(attendance)
    filters["date"] = on.isoformat()
    return Sheet(filters, await _collect(page, attendance, on, on, filters))


async def _month_sheet(page: PageRequest) -> Sheet:
    attendance = get_attendance(page.hub)
    filters = asked(page, ("month", "team", "person"))
    first = (_parsed(page, schema.month, "month", filters["month"]) if "month" in filters
             else _today(attendance).replace(day=1))
    filters["month"] = f"{first:%Y-%m}"
    last = first.replace(day=monthrange(first.year, first.month)[1])
    return Sheet(filters, await _collect(page, attendance, first, last, filters))


def _statuses(page: PageRequest, day: DayResult) -> list[tuple[str, str, str]]:
    """``(status, label, tone)`` for each of the day's statuses, in the reader's language."""
    minutes = {LATE: day.late_minutes, LEFT_EARLY: day.early_minutes, OVERTIME: day.overtime_minutes}
    return [(status, page.gettext(STATUS_LABELS[status]) % {"minutes": minutes.get(status, 0)}, TONES.get(status, ""))
            for status in day.statuses]


def _in_and_out(day: DayResult, tz: tzinfo) -> tuple[datetime | None, datetime | None]:
    """The punch in and out the verdict used; on a day off (no verdict) the first and last punch
    anyway, so staff who came in on their day off are seen."""
    if day.plan.shift is not None or not day.punches:
        return day.first_in, day.last_out
    first, last = (datetime.fromtimestamp(punch.at, tz) for punch in (day.punches[0], day.punches[-1]))
    return first, last if len(day.punches) > 1 else None


def _row(page: PageRequest, day: DayResult, teams: dict[str, str], tz: tzinfo) -> dict[str, Any]:
    shift = day.plan.shift
    first_in, last_out = _in_and_out(day, tz)
    return {"person": day.person, "name": day.name, "team": teams.get(day.team, day.team), "team_id": day.team,
            "shift": shift.name if shift is not None else "", "plan": day.plan.why, "first_in": first_in,
            "last_out": last_out, "statuses": _statuses(page, day), "rules": day.rules}


def _kind(day: DayResult) -> str | None:
    """How the chart counts a member's day; None for a day off."""
    if day.plan.shift is None:
        return None
    if LATE in day.statuses:
        return "late"
    if day.punches:
        return "present"
    return "absent" if ABSENT in day.statuses else "waiting"


def chart_options(page: PageRequest, days: list[DayResult], teams: dict[str, str]) -> dict[str, Any] | None:
    """A stacked bar per team: its members present, late, absent, not in yet; None when nobody is
    on shift that day."""
    counts = Counter((day.team, kind) for day in days if (kind := _kind(day)) is not None)
    shown = [team for team in teams if any(counts[(team, kind)] for kind, _, _ in CHART_KINDS)]
    if not shown:
        return None
    return bars([teams[team] for team in shown],
                [Series(page.gettext(label), [counts[(team, kind)] for team in shown], colour)
                 for kind, label, colour in CHART_KINDS])


def _teams(attendance: Attendance) -> dict[str, str]:
    return {team.id: team.name for team in attendance.roster.teams.values()}


def _team_field(teams: dict[str, str]) -> Field:
    return Field("team", N_("Team"), choices=tuple(teams.items()))


def _download(page: PageRequest, name: str, days: list[DayResult], fmt: str) -> web.Response:
    header, lines = export_lines(days, chinese=page.language == "zh_CN")
    return export_response(page, name, header, lines, fmt)


async def day_page(page: PageRequest) -> web.StreamResponse:
    """Everyone on the roster on one day (today unless asked), a page at a time, with the chart."""
    sheet = await _day_sheet(page)
    attendance = get_attendance(page.hub)
    teams = _teams(attendance)
    pager = offset_pager(page, len(sheet.days), PAGE_SIZE)
    rows = [_row(page, day, teams, attendance.tz) for day in sheet.days[pager.offset:pager.offset + pager.size]]
    csv_url, xlsx_url = export_urls(page)
    fields = (Field("date", N_("Date"), "2026-10-12", 10), _team_field(teams))
    return page.render("attendance/day.html", rows=rows, asked=sheet.filters, fields=fields, pager=pager,
                       options=chart_options(page, sheet.days, teams),
                       exports=(_export_url(csv_url), _export_url(xlsx_url)) if page.allows(EXPORT) else None,
                       month=link(page, {"month": sheet.filters["date"][:7], **_who(sheet.filters)}))


def _who(filters: dict[str, str]) -> dict[str, str]:
    return {name: filters[name] for name in ("team", "person") if name in filters}


def _export_url(url: str) -> str:
    """A page's download link, as its ``/export`` page (which needs ``attendance.export``)."""
    path, _, query = url.partition("?")
    return f"{path}/export?{query}"


async def day_export(page: PageRequest) -> web.StreamResponse:
    sheet = await _day_sheet(page)
    return _download(page, f"attendance-{sheet.filters['date']}", sheet.days, wants_export(page) or "xlsx")


async def month_page(page: PageRequest) -> web.StreamResponse:
    """A month: a team's (or everyone's) members with their totals, or one person's days."""
    sheet = await _month_sheet(page)
    attendance = get_attendance(page.hub)
    teams = _teams(attendance)
    people = [{"person": person, "name": rows[0].name, "team": teams.get(rows[0].team, rows[0].team),
               "totals": totals(rows)} for person, rows in by_person(sheet.days).items()]
    pager = offset_pager(page, len(people), PAGE_SIZE)
    csv_url, xlsx_url = export_urls(page)
    days = ([_row(page, day, teams, attendance.tz) | {"date": day.plan.day} for day in sheet.days]
            if "person" in sheet.filters else [])
    return page.render("attendance/month.html", people=people[pager.offset:pager.offset + pager.size], days=days,
                       sums=totals(sheet.days), labels=TOTAL_LABELS, asked=sheet.filters, pager=pager,
                       fields=(Field("month", N_("Month"), "2026-10", 7), _team_field(teams),
                               Field("person", N_("Person"), "P000123", 32)),
                       exports=(_export_url(csv_url), _export_url(xlsx_url)) if page.allows(EXPORT) else None)


async def month_export(page: PageRequest) -> web.StreamResponse:
    sheet = await _month_sheet(page)
    who = sheet.filters.get("person") or sheet.filters.get("team")  # whom _collect read: a person before a team
    name = f"attendance-{sheet.filters['month']}" + (f"-{who.lower()}" if who else "")
    return _download(page, name[:MAX_NAME], sheet.days, wants_export(page) or "xlsx")


def register_pages(hub: Hub) -> None:
    register(
        hub, Path(__file__).parent,
        pages=(Page("attendance", day_page, permission=DAY, title=N_("Attendance"), order=45, group=PEOPLE),
               Page("attendance/export", day_export, permission=EXPORT),
               Page("attendance/month", month_page, permission=MONTH),
               Page("attendance/month/export", month_export, permission=EXPORT)),
    )
