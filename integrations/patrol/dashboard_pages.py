"""Patrol on the staff dashboard: today's rounds, the missed-checkpoints report with its download,
and the site map coloured by today's status.

The pages read what the services answer (:meth:`.patrol.Patrol.rounds`, :func:`.reports.build`)
behind the same permissions: rounds and the map need ``patrol.evaluate``, the report
``patrol.report`` (managers and guards), its download ``patrol.export`` (managers).
"""
from __future__ import annotations

from datetime import date, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.validation import vol
from xiaoqu.integrations.dashboard import N_, Page, PageRequest, ServiceRefused, register
from xiaoqu.integrations.dashboard.const import PAGE_SIZE
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked, offset_pager
from xiaoqu.integrations.dashboard.registry import PEOPLE

from . import schema
from .const import (
    DOMAIN,
    EARLY,
    INCOMPLETE,
    LATE,
    MISSED,
    ON_TIME,
    OPEN,
    OUT_OF_ORDER,
    PENDING,
    SERVICE_EVALUATE,
    SERVICE_EXPORT,
    SERVICE_REPORT,
    UNKNOWN_CHECKPOINT,
)
from .patrol import PatrolError
from .reports import Report, build
from .runtime import get_patrol
from .sitemap import COLOURS, NONE_COLOUR, points, route_lines

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

    from .evaluate import RoundResult

EVALUATE: Final = f"{DOMAIN}.{SERVICE_EVALUATE}"
REPORT: Final = f"{DOMAIN}.{SERVICE_REPORT}"
EXPORT: Final = f"{DOMAIN}.{SERVICE_EXPORT}"
#: Each status as staff read it.
STATUS_LABELS: Final = {
    ON_TIME: N_("on time"), EARLY: N_("early"), LATE: N_("late"), MISSED: N_("missed"),
    OUT_OF_ORDER: N_("out of order"), UNKNOWN_CHECKPOINT: N_("not on this route"), PENDING: N_("not yet"),
    INCOMPLETE: N_("incomplete"), OPEN: N_("under way"),
}
TONES: Final = {ON_TIME: "ok", EARLY: "warn", LATE: "warn", OUT_OF_ORDER: "warn", UNKNOWN_CHECKPOINT: "warn",
                MISSED: "bad", INCOMPLETE: "bad"}
#: The missed report's columns as the page and its download head them.
MISSED_LABELS: Final = {
    "date": N_("Date"), "route": N_("Route"), "round_start": N_("Round"), "checkpoint": N_("Checkpoint"),
    "name": N_("Checkpoint name"), "location": N_("Location"), "expected": N_("Expected"), "patrollers": N_("Patrollers"),
    "why": N_("Why"),
}
#: The longest period the report page reads at once.
DEFAULT_REPORT_DAYS: Final = 7


def _bad(page: PageRequest, text: str) -> ServiceRefused:
    return ServiceRefused(page.message(HTTPStatus.BAD_REQUEST, text))


def _date(page: PageRequest, field: str, value: str) -> date:
    try:
        found = schema.day(value)
    except vol.Invalid as err:
        raise _bad(page, f"{field}: {err.msg}") from None
    if not 2000 <= found.year <= 2999:
        raise _bad(page, f"{field}: expected a year from 2000 to 2999")
    return found


def _routes(page: PageRequest) -> Field:
    plan = get_patrol(page.hub).plan
    return Field("route", N_("Route"), choices=tuple((r.id, r.name) for r in plan.routes.values()))


def _label(page: PageRequest, status: str) -> tuple[str, str, str]:
    return status, page.gettext(STATUS_LABELS[status]), TONES.get(status, "")


def _round_row(page: PageRequest, result: RoundResult) -> dict[str, Any]:
    patrol = get_patrol(page.hub)
    tz, checkpoints = patrol.tz, patrol.plan.checkpoints
    return {"route": patrol.plan.routes[result.route].name, "start": result.as_dict(tz)["start"][11:16],
            "status": _label(page, result.status), "why": result.why, "wands": result.wands,
            "checkpoints": [{"name": checkpoints[c.checkpoint].name if c.checkpoint in checkpoints else c.checkpoint,
                             "id": c.checkpoint, "status": _label(page, c.status), "why": c.why(tz)}
                            for c in result.checkpoints]}


async def _day_rounds(page: PageRequest) -> tuple[dict[str, str], list[RoundResult]]:
    patrol = get_patrol(page.hub)
    filters = asked(page, ("date", "route"))
    on = _date(page, "date", filters["date"]) if "date" in filters else patrol.today()
    filters["date"] = on.isoformat()
    try:
        rounds = await patrol.rounds(patrol.routes_of(filters.get("route")), on, on)
    except PatrolError as err:
        raise _bad(page, str(err)) from None
    return filters, sorted(rounds, key=lambda r: (r.start, r.route))


async def rounds_page(page: PageRequest) -> web.StreamResponse:
    """The day's rounds (today unless asked), each with its checkpoints' verdicts and why."""
    filters, rounds = await _day_rounds(page)
    pager = offset_pager(page, len(rounds), PAGE_SIZE)
    rows = [_round_row(page, result) for result in rounds[pager.offset:pager.offset + pager.size]]
    return page.render("patrol/rounds.html", rows=rows, asked=filters, pager=pager,
                       fields=(Field("date", N_("Date"), "2026-10-12", 10), _routes(page)),
                       reports=page.allows(REPORT))


async def map_page(page: PageRequest) -> web.StreamResponse:
    """The site map with each checkpoint coloured by its worst verdict of the day."""
    filters, rounds = await _day_rounds(page)
    patrol = get_patrol(page.hub)
    found = points(patrol, rounds)
    width, height = patrol.map_size
    legend = [(page.gettext(STATUS_LABELS[status]), colour) for status, colour in COLOURS.items()]
    return page.render("patrol/map.html", points=found, lines=route_lines(patrol), width=width, height=height,
                       radius=max(width, height) / 60, legend=[*legend, (page.gettext(N_("nothing yet")), NONE_COLOUR)],
                       labels={s: page.gettext(label) for s, label in STATUS_LABELS.items()}, asked=filters,
                       fields=(Field("date", N_("Date"), "2026-10-12", 10), _routes(page)))


async def _missed(page: PageRequest) -> tuple[dict[str, str], Report]:
    patrol = get_patrol(page.hub)
    filters = asked(page, ("start", "end", "route", "patroller"))
    end = _date(page, "end", filters["end"]) if "end" in filters else patrol.today()
    start = (_date(page, "start", filters["start"]) if "start" in filters
             else end - timedelta(days=DEFAULT_REPORT_DAYS - 1))
    if end < start or (end - start).days >= schema.MAX_REPORT_DAYS:
        raise _bad(page, f"end: from the start up to {schema.MAX_REPORT_DAYS} days after it")
    filters.update(start=start.isoformat(), end=end.isoformat())
    try:
        report = await build(patrol, "missed", start, end, filters.get("route"), filters.get("patroller"))
    except PatrolError as err:
        raise _bad(page, str(err)) from None
    return filters, report


async def missed_page(page: PageRequest) -> web.StreamResponse:
    """Missed checkpoints over a period (the last week unless asked), with the download."""
    filters, report = await _missed(page)
    pager = offset_pager(page, len(report.rows), PAGE_SIZE)
    csv_url, xlsx_url = export_urls(page)
    return page.render("patrol/missed.html", rows=report.rows[pager.offset:pager.offset + pager.size],
                       totals=report.totals, explanation=report.explanation, labels=MISSED_LABELS, asked=filters,
                       pager=pager,
                       fields=(Field("start", N_("From"), "2026-10-01", 10), Field("end", N_("To"), "2026-10-07", 10),
                               _routes(page), Field("patroller", N_("Patroller"), "S000006", 64)),
                       exports=(_export_url(csv_url), _export_url(xlsx_url)) if page.allows(EXPORT) else None)


def _export_url(url: str) -> str:
    """A page's download link, as its ``/export`` page (which needs ``patrol.export``)."""
    path, _, query = url.partition("?")
    return f"{path}/export?{query}"


async def missed_export(page: PageRequest) -> web.StreamResponse:
    filters, report = await _missed(page)
    header = [page.gettext(MISSED_LABELS[column]) for column in report.columns]
    lines = [[row[column] for column in report.columns] for row in report.rows]
    return export_response(page, f"patrol-missed-{filters['start']}-{filters['end']}", header, lines,
                           wants_export(page) or "xlsx")


def register_pages(hub: Hub) -> None:
    register(
        hub, Path(__file__).parent,
        pages=(Page("patrol", rounds_page, permission=EVALUATE, title=N_("Patrol"), order=46, group=PEOPLE),
               Page("patrol/map", map_page, permission=EVALUATE),
               Page("patrol/missed", missed_page, permission=REPORT),
               Page("patrol/missed/export", missed_export, permission=EXPORT)),
    )
