"""The cars' sessions on the dashboard: the list (filtered by lot, plate, status and the days of
entry, paged, exported), the guard's queue, and one session's page — its entry and exit reads
with their snapshots, the fee line by line, the payments on parking's ledger — with the guard's
acts at the booth: cash taken (``parking.pay``, method ``cash``) and a car let out by hand
(``parking.open_gate``).

Lists are read through ``parking.sessions`` as the signed-in user, so plates come masked and
the role's permission applies as through the API. A cash form carries a payment id made when
the form is drawn: sent twice (a double click, a reload of the answer) it is one payment, since
parking's ledger applies a payment id once, and the second answer says so.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.money import yuan
from xiaoqu.core.validation import vol
from xiaoqu.integrations.dashboard import N_, Form, PageRequest
from xiaoqu.integrations.dashboard.const import PAGE_SIZE
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked, offset_pager

from .books import session_account
from .const import AT_EXIT, DOMAIN, LEFT, SERVICE_OPEN_GATE, SERVICE_PAY, SERVICE_SESSIONS
from .dashboard_view import (
    BASE,
    KIND_LABELS,
    OPEN_GATE,
    PAY,
    STATUS_BADGES,
    STATUS_LABELS,
    day,
    lot_choices,
    tabs,
)
from .runtime import get_parking
from .schema import SESSIONS_SCHEMA

if TYPE_CHECKING:
    from aiohttp import web

#: The most sessions a list reads (what ``parking.sessions`` answers at once): a page's filters
#: narrow within them, and an export holds them all.
MOST: Final = 1000
#: How staff's cash is recorded on the ledger (``method:cash``).
CASH: Final = "cash"
FILTERS: Final = ("lot", "plate", "status", "from", "to")
FROM, TO = N_("Entered from"), N_("Entered until")
#: The list's columns (the page's and the export's): a key of the service's answer, its heading.
COLUMNS: Final = (("id", N_("Session")), ("plate", N_("Plate")), ("lot", N_("Lot")), ("kind", N_("Kind")),
                  ("status", N_("Status")), ("entered_at", N_("Entered")), ("exited_at", N_("Left")),
                  ("fee_fen", N_("Fee (fen)")), ("paid_fen", N_("Paid (fen)")), ("due_fen", N_("Due (fen)")),
                  ("unpaid_fen", N_("Unpaid (fen)")), ("rule", N_("Rule")), ("matched", N_("Matched")))
WORDS: Final = {"kind": KIND_LABELS, "status": STATUS_LABELS}


def new_payment_id() -> str:
    """A cash form's payment id: made once when the form is drawn, so its second sending is
    the same payment."""
    return f"booth-{secrets.token_hex(8)}"


def _fields(page: PageRequest) -> tuple[Field, ...]:
    return (Field("lot", N_("Lot"), choices=lot_choices(get_parking(page.hub))),
            Field("plate", N_("Plate"), "粤B12345", maxlength=20),
            Field("status", N_("Status"), choices=tuple(STATUS_LABELS.items())),
            Field("from", FROM, "2026-03-02", maxlength=10), Field("to", TO, "2026-03-02", maxlength=10))


def _day_of(session: dict[str, Any]) -> date:
    return datetime.fromisoformat(session["entered_at"] or session["exited_at"]).date()


async def _sessions(page: PageRequest, data: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await page.call(DOMAIN, SERVICE_SESSIONS, {**data, "limit": MOST}, return_response=True)
    return list((answer or {})["sessions"])


def _cell(page: PageRequest, session: dict[str, Any], name: str) -> Any:
    value = session.get(name)
    words = WORDS.get(name)
    return page.gettext(words[value]) if words is not None and value in words else value


async def list_page(page: PageRequest) -> web.StreamResponse:
    """The sessions the filters find, newest first, 50 to a page; ``?format=`` downloads them."""
    filters = asked(page, FILTERS)
    since, until = day(page, filters, "from", FROM), day(page, filters, "to", TO)
    data: dict[str, Any] = {name: filters[name] for name in ("lot", "plate", "status") if name in filters}
    found = [session for session in await _sessions(page, data)
             if (since is None or _day_of(session) >= since) and (until is None or _day_of(session) <= until)]
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, "parking-sessions", [page.gettext(heading) for _, heading in COLUMNS],
                               ([_cell(page, session, name) for name, _ in COLUMNS] for session in found), fmt)
    pager = offset_pager(page, len(found), PAGE_SIZE)
    return page.render("parking/sessions.html", tabs=tabs(page), fields=_fields(page), asked=filters, pager=pager,
                       sessions=found[pager.offset:pager.offset + pager.size], kinds=KIND_LABELS,
                       statuses=STATUS_LABELS, badges=STATUS_BADGES, yuan=yuan, exports=export_urls(page), most=MOST)


async def attention_page(page: PageRequest) -> web.Response:
    """The sessions queued for the guard (no entry on record, a fuzzy match, a gate that did not
    open, a cloned plate, a car let through by hand), newest first, each with its reasons."""
    found = await _sessions(page, {"attention": True})
    return page.render("parking/attention.html", tabs=tabs(page), sessions=found, kinds=KIND_LABELS,
                       statuses=STATUS_LABELS, badges=STATUS_BADGES, yuan=yuan)


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment toward a session, from parking's ledger."""

    time: float
    amount_fen: int
    payment_id: str
    method: str
    order_id: str | None


async def _payments(page: PageRequest, session_id: str) -> list[Payment]:
    books = get_parking(page.hub).books
    made = []
    for entry in await books.ledger.entries(session_account(session_id), limit=None):
        posting = await books.ledger.transaction(entry.transaction_id)
        data = posting.data if posting is not None else {}
        made.append(Payment(entry.time, entry.amount, entry.transaction_id.removeprefix("pay:"),
                            str(data.get("method", "")), data.get("order_id")))
    return made


async def session_page(page: PageRequest) -> web.Response:
    """One session: its reads, its fee line by line, its payments, and the booth's acts."""
    session_id = page.request.match_info["session"]
    try:
        SESSIONS_SCHEMA({"session_id": session_id})
    except vol.Invalid:
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("There is no such parking session."))
    found = await _sessions(page, {"session_id": session_id})
    if not found:
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("There is no such parking session."))
    shown = found[0]
    parking = get_parking(page.hub)
    session = parking.sessions.by_id[session_id]
    quote = None
    if session.status != LEFT and session.fee_fen is None:  # not priced at an exit yet: what it would pay now
        quote = parking.quote(session, page.hub.clock.time())
    lanes = {lane.id: lane.name for lane in parking.lanes.values()}
    return page.render("parking/session.html", tabs=tabs(page), session=shown, quote=quote, lanes=lanes,
                       payments=await _payments(page, session_id), kinds=KIND_LABELS, statuses=STATUS_LABELS,
                       badges=STATUS_BADGES, yuan=yuan, may_pay=page.allows(PAY) and _payable(shown),
                       may_release=page.allows(OPEN_GATE) and shown["status"] == AT_EXIT,
                       payment_id=new_payment_id(), due=_due(shown, quote))


def _payable(shown: dict[str, Any]) -> bool:
    """Money is taken for a car inside, and for one that left owing (the service refuses the rest)."""
    return shown["status"] != LEFT or shown["unpaid_fen"] > 0


def _due(shown: dict[str, Any], quote: Any) -> int:
    """What the cash form offers to take: what is due now."""
    if shown["status"] == LEFT:
        return int(shown["unpaid_fen"])
    if quote is not None:
        return max(0, quote.fee_fen - shown["paid_fen"])
    return int(shown["due_fen"])


async def take_cash(page: PageRequest) -> web.Response:
    """The guard takes cash at the booth: ``parking.pay`` with method cash, once per form."""
    form = await Form.of(page)
    session_id = page.request.match_info["session"]
    amount = form.fen("amount", N_("Amount (¥)"))
    payment_id = form.required("payment_id", N_("Payment id"))
    answer = await page.call(DOMAIN, SERVICE_PAY, {"session_id": session_id, "amount_fen": amount,
                                                   "payment_id": payment_id, "method": CASH}, return_response=True)
    assert isinstance(answer, dict)
    return page.render("parking/paid.html", tabs=tabs(page), answer=answer, amount_fen=amount, payment_id=payment_id,
                       yuan=yuan, back=f"{BASE}/sessions/{answer['session_id']}")


async def release(page: PageRequest) -> web.Response:
    """A car waiting at the exit let out by hand, with the reason: ``parking.open_gate`` at its
    lane keeps what it owes as unpaid and queues the session for the guard."""
    form = await Form.of(page)
    reason = form.required("reason", N_("Reason"))
    session = get_parking(page.hub).sessions.by_id.get(page.request.match_info["session"])
    if session is None or session.status != AT_EXIT or session.exit_lane is None:
        raise form.refuse(N_("Session"), N_("the car is not waiting at an exit"))
    answer = await page.call(DOMAIN, SERVICE_OPEN_GATE, {"lane": session.exit_lane, "reason": reason,
                                                         "plate": session.plate}, return_response=True)
    assert isinstance(answer, dict)
    return page.redirect(f"{BASE}/sessions/{session.id}")

