"""The bills on the staff dashboard: every bill filtered by period, building and status (paged,
exported), and a household's account — its bills with their lines and why, payments and
receipts, credit, arrears with the late fee and its rule, the escalation episode and the
signatures on its notices — with the counter's forms (:mod:`.dashboard_acts`).

The list reads the bills billing holds in memory (no service lists every household's bills);
a household's account reads ``billing.bills`` and ``billing.arrears`` as the signed-in user.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, PageRequest, refused
from xiaoqu.integrations.dashboard.const import PAGE_SIZE
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked, offset_pager

from .const import DOMAIN, SERVICE_ARREARS, SERVICE_BILLS
from .dashboard_view import (
    CHANGES,
    METHOD_LABELS,
    METHODS,
    PARTS,
    PAY,
    STATUSES,
    STEP_STATES,
    BillRow,
    bill_row,
    new_id,
)
from .escalation import get_escalation
from .runtime import get_billing

if TYPE_CHECKING:
    from aiohttp import web

#: The list's columns, in the page and its exports (money in fen, named so).
COLUMNS: Final = (N_("Bill"), N_("Household"), N_("Period"), N_("Due date"), N_("Billed (fen)"),
                  N_("Principal owed (fen)"), N_("Late fee charged (fen)"), N_("Status"), N_("Signed"))
FILTERS: Final = ("period", "building", "status")
#: The most rows an export holds: a period of 10,000 households fits; narrow the filters for more.
MAX_EXPORT: Final = 20_000


def _fields(periods: list[str]) -> tuple[Field, ...]:
    return (Field("period", N_("Period"), choices=tuple((p, p) for p in periods)),
            Field("building", N_("Building"), placeholder="1", maxlength=16),
            Field("status", N_("Status"), choices=tuple(STATUSES.items())))


def _cells(page: PageRequest, row: BillRow) -> list[Any]:
    return [row.bill, row.household, row.period, row.due, row.total_fen, row.outstanding_fen, row.late_fen,
            page.gettext(row.label), page.gettext(N_("Yes")) if row.signed else ""]


async def bills_page(page: PageRequest) -> web.StreamResponse:
    """The bills of a period (the newest unless asked), filtered by building and status; 50 to a page; exported."""
    billing = get_billing(page.hub)
    filters = asked(page, FILTERS)
    if filters.get("status", "paid") not in STATUSES:
        raise refused(page, N_("Status"), N_("%(value)s is not one of the choices"), value=filters["status"])
    periods = sorted({bill.period for bill in billing.bills.values()}, reverse=True)
    today = billing.today()
    if periods and "period" not in filters:  # the newest period unless asked: years of bills are 100,000s
        filters["period"] = periods[0]
    period, building = filters.get("period"), filters.get("building")
    found = [bill for bill in billing.bills.values()
             if (period is None or bill.period == period)
             and (building is None or bill.household.split("-", 1)[0] == building)]
    found.sort(key=lambda bill: (bill.period, bill.household), reverse=True)
    rows = [bill_row(billing, bill, today) for bill in found]
    if "status" in filters:
        rows = [row for row in rows if row.status == filters["status"]]
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, "bills", [page.gettext(c) for c in COLUMNS],
                               [_cells(page, row) for row in rows[:MAX_EXPORT]], fmt)
    pager = offset_pager(page, len(rows), PAGE_SIZE)
    return page.render("billing/bills.html", rows=rows[pager.offset:pager.offset + pager.size], pager=pager,
                       fields=_fields(periods), asked=filters, exports=export_urls(page), yuan=yuan,
                       totals={"billed": sum(r.total_fen for r in rows),
                               "owed": sum(r.outstanding_fen + r.late_fen for r in rows)},
                       may_run=page.allows(f"{DOMAIN}.run"))


def _episode(page: PageRequest, household: str) -> dict[str, Any] | None:
    """The household's latest escalation episode, its steps in the procedure's order; None
    without escalation, or for a role that may not read it."""
    if not page.allows(f"{DOMAIN}.escalation"):
        return None
    try:
        described = get_escalation(page.hub).describe(household)
    except ServiceValidationError:
        return None
    if not described["households"]:
        return None
    record = described["households"][0]
    names = {step["id"]: step["name"] for step in described["steps"]}
    steps = [{"id": step_id, "name": names.get(step_id, step_id), **doc} for step_id, doc in record["steps"].items()]
    return {**record, "steps": steps}


async def household_page(page: PageRequest) -> web.Response:
    """A household's account and the counter's forms the user's role may use."""
    household = page.request.match_info["household"]
    billing = get_billing(page.hub)
    try:
        billing.household_known(household)
    except ServiceValidationError as err:
        return page.message(HTTPStatus.NOT_FOUND, str(err))
    found = await page.call(DOMAIN, SERVICE_BILLS, {"household": household}, return_response=True)
    owed = await page.call(DOMAIN, SERVICE_ARREARS, {"household": household}, return_response=True)
    assert isinstance(found, dict) and isinstance(owed, dict)
    receipts = sorted((r for r in billing.receipts.values() if r.household == household),
                      key=lambda r: r.time, reverse=True)
    allowed = {name: page.allows(needed) for name, needed in CHANGES.items()}
    allowed["pay"] = page.allows(PAY)
    return page.render("billing/household.html", household=household, bills=found["bills"], owed=owed,
                       receipts=receipts, rule=billing.rule.rule, episode=_episode(page, household),
                       items=billing.items, allowed=allowed, step_states=STEP_STATES, methods=METHODS,
                       method_labels=METHOD_LABELS, parts=PARTS, payment_id=new_id(),
                       request_ids={name: new_id() for name in CHANGES}, yuan=yuan,
                       open_bills=[b["bill"] for b in found["bills"] if b["outstanding_fen"] or b["late_fee_fen"]])
