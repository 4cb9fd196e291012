"""The one-card centre on the staff dashboard: the cards, each card's page (its lines:
:mod:`.dashboard_history`), the counter's acts (:mod:`.dashboard_acts`), the reports and
today's figures on the overview (:mod:`.dashboard_reports`).

Looking needs ``cards.history`` (reading a card's record: managers, finance, guards), each act
its own service's permission, the reports ``cards.report``. Cards and holders are shown
masked; a card's page reads its history through ``cards.history`` as the signed-in user.
"""
from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, Page, PageRequest, Panel, refused, register
from xiaoqu.integrations.dashboard.const import PAGE_SIZE
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, offset_pager
from xiaoqu.integrations.dashboard.paging import asked as filled_in
from xiaoqu.integrations.dashboard.registry import MONEY

from . import dashboard_acts as acts
from .const import DOMAIN, SERVICE_HISTORY
from .dashboard_history import act_line, money_lines
from .dashboard_reports import REPORT, overview_panel, reports_page
from .dashboard_view import FILTERS, METHOD_LABELS, STATUS_LABELS, SUBSYSTEM_LABELS, CardRow, Listing
from .errors import CardError
from .runtime import get_cards

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

HISTORY: Final = f"{DOMAIN}.{SERVICE_HISTORY}"
#: The money lines and acts a card's page shows, newest first.
HISTORY_LIMIT: Final = 100
#: The list's columns, in the page and its exports.
COLUMNS: Final = (N_("Card"), N_("Holder"), N_("Name"), N_("Household"), N_("Card class"), N_("Status"),
                  N_("Balance (fen)"), N_("Valid from"), N_("Valid through"))
#: The list's filters (:data:`.dashboard_view.FILTERS`) as its form shows them.
FIELDS: Final = (Field("q", N_("Search"), placeholder="04A2B3C4 · P000123 · 1-2-0601 · 王芳"),
                 Field("status", N_("Status"), choices=tuple(STATUS_LABELS.items())),
                 Field("household", N_("Household"), placeholder="1-2-0601"),
                 Field("person", N_("Person id"), placeholder="P000123", maxlength=32))

def _cells(page: PageRequest, shown: CardRow) -> list[Any]:
    return [shown.number, shown.card.holder, shown.name, shown.household or "", page.gettext(shown.class_label),
            page.gettext(shown.status_label), shown.balance_fen, shown.valid_from, shown.valid_to]


async def list_page(page: PageRequest) -> web.StreamResponse:
    """Every card, filtered by status, household, holder or text, 50 to a page, exportable."""
    cards = get_cards(page.hub)
    asked = filled_in(page, FILTERS)
    if asked.get("status", "active") not in STATUS_LABELS:
        raise refused(page, N_("Status"), N_("%(value)s is not one of the choices"), value=asked["status"])
    listing = Listing(cards, page.hub.clock.time())
    found = await listing.found(asked)
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, "cards", [page.gettext(heading) for heading in COLUMNS],
                               [_cells(page, shown) for shown in await listing.rows(found)], fmt)
    pager = offset_pager(page, len(found), PAGE_SIZE)
    return page.render("cards/list.html", pager=pager,
                       rows=[listing.row(card) for card in found[pager.offset:pager.offset + pager.size]],
                       fields=FIELDS, asked=asked, yuan=yuan, may_issue=page.allows(acts.ISSUE),
                       exports=export_urls(page))


async def card_page(page: PageRequest) -> web.Response:
    """One card: its state, its money lines and acts, and the acts the user may do on it."""
    cards = get_cards(page.hub)
    try:
        card = cards.card(page.request.match_info["card"])
    except CardError as err:
        return page.message(HTTPStatus.NOT_FOUND, str(err))
    history = await page.call(DOMAIN, SERVICE_HISTORY, {"card": card.uid, "limit": HISTORY_LIMIT},
                              return_response=True)
    assert isinstance(history, dict)
    allowed = {name: page.allows(permission) for name, permission in acts.CARD_ACTS.items()}
    return page.render("cards/card.html", about=Listing(cards, page.hub.clock.time()).row(card), card=card,
                       money=await money_lines(page, cards, history["entries"], may_refund=allowed["refund"]),
                       acts=[act_line(page, act) for act in history["acts"]],
                       allowed=allowed, yuan=yuan, methods=METHOD_LABELS, payment_id=acts.new_payment_id(),
                       subsystems=SUBSYSTEM_LABELS)


def register_pages(hub: Hub) -> None:
    """The card centre's pages, in the navigation's Money group; the acts' routes before
    ``cards/{card}`` so ``cards/issue`` is not read as a card."""
    register(
        hub, Path(__file__).parent,
        pages=(Page("cards", list_page, permission=HISTORY, title=N_("Cards"), order=40, group=MONEY),
               Page("cards/reports", reports_page, permission=REPORT, title=N_("Card reports"), order=41,
                    group=MONEY),
               *acts.PAGES,
               Page("cards/{card}", card_page, permission=HISTORY)),
        panels=(Panel("cards/panel.html", overview_panel, permission=REPORT, order=30),),
    )
