"""Billing's statements on the dashboard: the reports of ``billing.report`` (collection detail,
receivables, ageing, income by item and month, the month-end arrears list, the collection rate
drawn live as a chart), and the arrears list with each household's ageing beside it; each with
its totals, how its figures were made, and its CSV and .xlsx (money in fen, named so).

Every figure is the service's, called as the signed-in user: the page adds labels, never sums.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, PageRequest, refused
from xiaoqu.integrations.dashboard.charts import BAD, OK, Series, bars
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked

from .const import DOMAIN, SERVICE_REPORT
from .reports import AGEING, ARREARS_LIST, COLLECTION, COLLECTION_RATE, INCOME_REPORT, KINDS, RECEIVABLES

if TYPE_CHECKING:
    from aiohttp import web

KIND_LABELS: Final = {COLLECTION: N_("Collection detail"), RECEIVABLES: N_("Receivables"), AGEING: N_("Arrears ageing"),
                      INCOME_REPORT: N_("Income by item and month"), ARREARS_LIST: N_("Month-end arrears list"),
                      COLLECTION_RATE: N_("Collection rate")}
#: The reports that cover days asked for (the others are of now).
OVER_DAYS: Final = (COLLECTION, INCOME_REPORT, COLLECTION_RATE)
#: Each report column's heading (the report's keys are English snake_case; money in fen).
HEADINGS: Final = {
    "time": N_("Time"), "kind": N_("Kind"), "receipt_no": N_("Receipt no."), "payment_id": N_("Payment id"),
    "household": N_("Household"), "method": N_("Method"), "amount_fen": N_("Amount (fen)"),
    "principal_fen": N_("Principal (fen)"), "late_fee_fen": N_("Late fee (fen)"), "credit_fen": N_("Credit (fen)"),
    "bills": N_("Number of bills"), "outstanding_fen": N_("Principal owed (fen)"), "net_fen": N_("Net (fen)"),
    "current_fen": N_("Not yet due (fen)"), "days_0_30_fen": N_("0–30 days (fen)"),
    "days_31_90_fen": N_("31–90 days (fen)"), "days_91_180_fen": N_("91–180 days (fen)"),
    "days_over_180_fen": N_("Over 180 days (fen)"), "total_fen": N_("Total (fen)"), "oldest_due": N_("Oldest due"),
    "overdue_fen": N_("Overdue (fen)"), "days": N_("Days overdue"), "months": N_("Months overdue"),
    "month": N_("Month"), "item": N_("Fee item"), "period": N_("Period"), "billed_fen": N_("Billed (fen)"),
    "waived_fen": N_("Waived (fen)"), "collected_fen": N_("Collected (fen)"), "rate_percent": N_("Collection rate (%)"),
}
#: The collection rate a period should reach; below it its bar is red.
RATE_TARGET: Final = 90
FROM, TO = N_("From"), N_("To")


def _cell(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, list | tuple) else value


def _headings(page: PageRequest, columns: list[str]) -> list[str]:
    return [page.gettext(HEADINGS.get(column, column)) for column in columns]


async def _report(page: PageRequest, kind: str, filters: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": kind}
    if kind in OVER_DAYS:
        data.update({key: filters[field] for key, field in (("start", "from"), ("end", "to")) if field in filters})
    answer = await page.call(DOMAIN, SERVICE_REPORT, data, return_response=True)
    assert isinstance(answer, dict)
    return answer


def rate_chart(page: PageRequest, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The collection rate per period as bars, red below :data:`RATE_TARGET` %."""
    rates = [None if row["rate_percent"] == "-" else float(row["rate_percent"]) for row in rows]
    return bars([row["period"] for row in rows], [
        Series(page.gettext(N_("Collection rate (%)")), [r if r is not None and r >= RATE_TARGET else None
                                                          for r in rates], OK),
        Series(page.gettext(N_("Below 90%")), [r if r is not None and r < RATE_TARGET else None for r in rates], BAD)])


async def reports_page(page: PageRequest) -> web.StreamResponse:
    """One report as asked (``?kind=``, the collection rate by default), exported on ``?format=``."""
    filters = asked(page, ("kind", "from", "to"))
    kind = filters.get("kind", COLLECTION_RATE)
    if kind not in KINDS:
        raise refused(page, N_("Report"), N_("%(value)s is not one of the choices"), value=kind)
    report = await _report(page, kind, filters)
    columns = list(report["columns"])
    lines = [[_cell(row.get(column)) for column in columns] for row in report["rows"]]
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, f"billing-{kind.replace('_', '-')}", _headings(page, columns), lines, fmt)
    fields = [Field("kind", N_("Report"), choices=tuple(KIND_LABELS.items()))]
    if kind in OVER_DAYS:
        fields += [Field("from", FROM, "2026-01-01", maxlength=10), Field("to", TO, "2026-12-31", maxlength=10)]
    chart = rate_chart(page, report["rows"]) if kind == COLLECTION_RATE and report["rows"] else None
    return page.render("billing/reports.html", kind=kind, title=KIND_LABELS[kind], report=report, fields=fields,
                       asked={**filters, "kind": kind}, headings=_headings(page, columns), lines=lines,
                       totals=[(page.gettext(HEADINGS.get(k, k)), v) for k, v in report["totals"].items()],
                       chart=chart, exports=export_urls(page), yuan=yuan)


#: The arrears list's columns: the month-end list's, then the household's ageing.
ARREARS_COLUMNS: Final = ("household", "overdue_fen", "late_fee_fen", "total_fen", "oldest_due", "days", "months",
                          "days_0_30_fen", "days_31_90_fen", "days_91_180_fen", "days_over_180_fen")


async def arrears_page(page: PageRequest) -> web.StreamResponse:
    """Every household with anything overdue today, longest overdue first, with the late fee to
    today and its principal and charged late fee by age; exported."""
    owing = await _report(page, ARREARS_LIST, {})
    ageing = {row["household"]: row for row in (await _report(page, AGEING, {}))["rows"]}
    rows = [{**ageing.get(row["household"], {}), **row} for row in owing["rows"]]
    lines = [[row.get(column, 0) for column in ARREARS_COLUMNS] for row in rows]
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, "billing-arrears", _headings(page, list(ARREARS_COLUMNS)), lines, fmt)
    return page.render("billing/arrears.html", rows=rows, totals=owing["totals"], explanation=owing["explanation"],
                       exports=export_urls(page), yuan=yuan)
