"""The car park's reports on the dashboard, made by :func:`.reports.build` (what
``parking.report`` and ``xiaoqu parking report`` answer): the cars inside now, sessions by day
(charted), income by payment method (charted) and the long stays, for a lot or every lot and
the days chosen, each with its totals and the sentence saying how its figures were made, and
each downloaded as CSV or .xlsx (money in fen, named so).

Reading needs ``parking.report``; the income, money the guards do not see, needs
``parking.report_income`` as the service does (finance, managers): a guard sees no income tab
and is refused it (403).
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, PageRequest, refused
from xiaoqu.integrations.dashboard.charts import ACCENT, OK, Series, bars
from xiaoqu.integrations.dashboard.const import AUDIT_PAGE_DENIED
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked, link

from .const import PERMISSION_INCOME, REPORT_KINDS
from .dashboard_view import day, lot_choices, tabs
from .reports import Report, build
from .runtime import get_parking

if TYPE_CHECKING:
    from aiohttp import web

INCOME: Final = "income_by_method"
KIND_TITLES: Final = {"inside": N_("Cars inside now"), "sessions_by_day": N_("Sessions by day"),
                      INCOME: N_("Income by payment method"), "long_stays": N_("Long stays")}
#: The reports over days take a period; the others are of now.
OVER_DAYS: Final = frozenset({"sessions_by_day", INCOME})
#: A report's columns as staff read them (a column not here is shown by its key).
HEADINGS: Final = {"session_id": N_("Session"), "plate": N_("Plate"), "lot": N_("Lot"), "kind": N_("Kind"),
                   "status": N_("Status"), "entered_at": N_("Entered"), "duration": N_("Stay"),
                   "minutes": N_("Minutes"), "day": N_("Day"), "entries": N_("Cars in"), "exits": N_("Cars out"),
                   "temporary": N_("Temporary cars"), "paid_fen": N_("Paid (fen)"), "free": N_("Left free"),
                   "method": N_("Paid by"), "count": N_("Payments"), "amount_fen": N_("Amount (fen)")}
#: The totals' names (most are a column's).
TOTALS: Final = {**HEADINGS, "cars": N_("Cars"), "sessions": N_("Sessions"), "payments": N_("Payments")}
FROM, TO, HOURS = N_("From"), N_("To"), N_("Longer than (hours)")
#: The longest stay the filter takes, in hours (a year).
MOST_HOURS: Final = 8784


def _kinds(page: PageRequest) -> list[str]:
    """The reports the user may read."""
    return [kind for kind in REPORT_KINDS if kind != INCOME or page.allows(PERMISSION_INCOME)]


def _hours(page: PageRequest, filters: dict[str, str]) -> int | None:
    text = filters.get("hours")
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MOST_HOURS:
        raise refused(page, HOURS, N_("expected whole hours from 1 to %(most)s"), most=MOST_HOURS)
    return int(text)


def _chart(page: PageRequest, report: Report) -> dict[str, object] | None:
    if report.kind == "sessions_by_day":
        days = [str(row["day"])[5:] for row in report.rows]
        return bars(days, [Series(page.gettext("Cars in"), [row["entries"] for row in report.rows], OK),
                           Series(page.gettext("Cars out"), [row["exits"] for row in report.rows], ACCENT)],
                    stacked=False)
    if report.kind == INCOME and report.rows:
        return bars([str(row["method"]) for row in report.rows],
                    [Series(page.gettext("Amount (fen)"), [row["amount_fen"] for row in report.rows], OK)])
    return None


async def reports_page(page: PageRequest) -> web.StreamResponse:
    """One report, as asked (``?kind=``, the cars inside by default), its chart and totals."""
    kinds = _kinds(page)
    kind = page.query.get("kind", "inside")
    if kind not in REPORT_KINDS:
        raise refused(page, N_("Report"), N_("%(value)s is not one of the choices"), value=kind)
    if kind not in kinds:  # refused and audited as the frame refuses a page
        page.dashboard.access.record(AUDIT_PAGE_DENIED, page.context, page=page.request.path,
                                     permission=PERMISSION_INCOME)
        return page.message(HTTPStatus.FORBIDDEN, page.gettext("Your role may not read the parking income."))
    filters = asked(page, ("lot", "from", "to", "hours"))
    try:
        report = await build(page.hub, kind, lot=filters.get("lot"), start=day(page, filters, "from", FROM),
                             end=day(page, filters, "to", TO), long_stay_hours=_hours(page, filters))
    except ServiceValidationError as err:
        return page.message(HTTPStatus.BAD_REQUEST, str(err))
    headings = [page.gettext(HEADINGS[column]) if column in HEADINGS else column for column in report.columns]
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, f"parking-{kind.replace('_', '-')}", headings,
                               ([row.get(column) for column in report.columns] for row in report.rows), fmt)
    fields = [Field("lot", N_("Lot"), choices=lot_choices(get_parking(page.hub)))]
    if kind in OVER_DAYS:
        fields += [Field("from", FROM, "2026-03-01", maxlength=10), Field("to", TO, "2026-03-31", maxlength=10)]
    if kind == "long_stays":
        fields.append(Field("hours", HOURS, "72", maxlength=4))
    return page.render("parking/reports.html", tabs=tabs(page), kind=kind, title=KIND_TITLES[kind], report=report,
                       headings=headings, labels=TOTALS, chart=_chart(page, report), fields=fields,
                       asked=filters, exports=export_urls(page), yuan=yuan,
                       reports=[(link(page, {"kind": other}), KIND_TITLES[other], other == kind) for other in kinds])
