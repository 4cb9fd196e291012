"""The card centre's acts from the dashboard: each form calls its ``cards.*`` service as the
signed-in user (``page.call``: the permission table and the audit log as for the API) and
shows what the service answered — the receipt number, the balance, the amount refunded.

A recharge's form carries a payment id made when the form was drawn, so sending it twice (a
double click, a reload of the answer) is one payment: the service applies a payment id once
and answers a repeat with the first answer, and the page says it was not added again.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.masking import mask_name
from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, Form, Page, PageRequest

from .const import (
    CARD_CLASSES,
    DOMAIN,
    METHODS,
    SERVICE_EXTEND,
    SERVICE_ISSUE,
    SERVICE_RECHARGE,
    SERVICE_REFUND,
    SERVICE_REISSUE,
    SERVICE_REPORT_LOSS,
    SERVICE_RETURN,
    SERVICE_UNBLOCK,
    SUBSYSTEMS,
)
from .dashboard_view import CLASS_LABELS, METHOD_LABELS, SUBSYSTEM_LABELS, through
from .runtime import get_cards

if TYPE_CHECKING:
    from aiohttp import web


def permission(service: str) -> str:
    """``cards.<service>``: the permission an act needs, from the one table."""
    return f"{DOMAIN}.{service}"


ISSUE: Final = permission(SERVICE_ISSUE)
RECHARGE: Final = permission(SERVICE_RECHARGE)
REPORT_LOSS: Final = permission(SERVICE_REPORT_LOSS)
UNBLOCK: Final = permission(SERVICE_UNBLOCK)
REISSUE: Final = permission(SERVICE_REISSUE)
EXTEND: Final = permission(SERVICE_EXTEND)
RETURN: Final = permission(SERVICE_RETURN)
REFUND: Final = permission(SERVICE_REFUND)
#: The acts on one card, as its page offers them (each to the roles that may).
CARD_ACTS: Final = {"recharge": RECHARGE, "report_loss": REPORT_LOSS, "unblock": UNBLOCK, "reissue": REISSUE,
                    "extend": EXTEND, "return": RETURN, "refund": REFUND}

CARD: Final = N_("Card number")


def new_payment_id() -> str:
    """A recharge form's payment id: made once when the form is drawn, so its second sending
    is the same payment."""
    return f"dashboard-{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class Done:
    """What an act's answer page says: a title, the service's figures, where to go next."""

    title: str
    card: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    repeated: bool = False


def _done(page: PageRequest, done: Done) -> web.Response:
    return page.render("cards/done.html", done=done)


def _uid(page: PageRequest) -> str:
    return page.request.match_info["card"]


async def _call(page: PageRequest, service: str, data: dict[str, Any]) -> dict[str, Any]:
    answer = await page.call(DOMAIN, service, data, return_response=True)
    assert isinstance(answer, dict)
    return answer


async def issue_form(page: PageRequest) -> web.Response:
    groups = sorted(get_cards(page.hub).doors.access.groups.by_id.values(), key=lambda group: group.id)
    return page.render("cards/issue.html", groups=groups, classes=CLASS_LABELS, subsystems=SUBSYSTEM_LABELS,
                       methods=METHOD_LABELS, card_label=CARD)


async def issue(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    groups = get_cards(page.hub).doors.access.groups.by_id
    data: dict[str, Any] = {
        "card": form.required("card", CARD),
        "subsystems": form.choices("subsystems", N_("Serves"), SUBSYSTEMS),
        "access_groups": form.choices("access_groups", N_("Access groups"), groups),
        "card_class": form.choice("card_class", N_("Card class"), CARD_CLASSES),
        "deposit_fen": form.fen("deposit", N_("Deposit (¥)"), default=0),
        "deposit_method": form.choice("deposit_method", N_("Paid by"), METHODS),
    }
    if not data["subsystems"]:
        raise form.refuse(N_("Serves"), N_("tick at least one"))
    person = form.text("person", N_("Person id"), required=False)
    household = form.text("household", N_("Household"), required=False)
    name = form.text("name", N_("Name"), required=False)
    if person is not None:
        data["person"] = person
    elif household is not None and name is not None:
        data["person"] = {"household": household, "name": name}
    else:
        raise form.refuse(N_("Person id"), N_("give the person's id, or their household and name"))
    for key in ("valid_from", "valid_to"):
        if (value := form.text(key, N_("Valid from") if key == "valid_from" else N_("Valid through"),
                               required=False)) is not None:
            data[key] = value
    answer = await _call(page, SERVICE_ISSUE, data)
    holder = get_cards(page.hub).residents.person(answer["holder"])
    lines = [(N_("Holder"), f"{answer['holder']} {mask_name(holder.name) if holder is not None else ''}"),
             (N_("Deposit"), yuan(answer["deposit_fen"]))]
    return _done(page, Done(N_("Card issued"), answer["card"], lines))


async def recharge(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    amount = form.fen("amount", N_("Amount (¥)"))
    payment_id = form.required("payment_id", N_("Payment id"))
    answer = await _call(page, SERVICE_RECHARGE, {"card": _uid(page), "amount_fen": amount, "payment_id": payment_id,
                                                  "method": form.choice("method", N_("Paid by"), METHODS)})
    lines = [(N_("Receipt no."), answer["receipt_no"]), (N_("Amount"), yuan(amount)),
             (N_("Balance"), yuan(answer["balance_fen"])), (N_("Payment id"), payment_id),
             (N_("Transaction"), answer["transaction_id"])]
    return _done(page, Done(N_("Recharged"), answer["card"], lines, repeated=not answer["new"]))


async def report_loss(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    reason = form.text("reason", N_("Reason"), required=False) or "reported lost"
    answer = await _call(page, SERVICE_REPORT_LOSS, {"card": _uid(page), "reason": reason})
    return _done(page, Done(N_("Reported lost"), answer["card"], [(N_("Restriction"), answer["restriction"])]))


async def unblock(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    data = {"card": _uid(page)}
    if (reason := form.text("reason", N_("Reason"), required=False)) is not None:
        data["reason"] = reason
    answer = await _call(page, SERVICE_UNBLOCK, data)
    return _done(page, Done(N_("Unblocked"), answer["card"]))


async def reissue(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    answer = await _call(page, SERVICE_REISSUE, {"old_card": _uid(page), "new_card": form.required("new_card",
                                                                                                     N_("New card"))})
    lines = [(N_("Replaces"), answer["replaces"]), (N_("Balance moved"), yuan(answer["balance_fen"]))]
    return _done(page, Done(N_("Reissued"), answer["card"], lines))


async def extend(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    answer = await _call(page, SERVICE_EXTEND, {"card": _uid(page),
                                                "valid_to": form.required("valid_to", N_("Valid through"))})
    cards = get_cards(page.hub)
    shown = through(cards.card(answer["card"]).valid_to, cards.tz)
    return _done(page, Done(N_("Extended"), answer["card"], [(N_("Valid through"), shown)]))


async def return_card(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    answer = await _call(page, SERVICE_RETURN, {"card": _uid(page),
                                                "method": form.choice("method", N_("Paid back by"), METHODS)})
    return _done(page, Done(N_("Returned"), answer["card"], [(N_("Refunded"), yuan(answer["refunded_fen"]))]))


async def refund(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    data = {"transaction_id": form.required("transaction_id", N_("Transaction")),
            "reason": form.required("reason", N_("Reason"))}
    answer = await _call(page, SERVICE_REFUND, data)
    lines = [(N_("Transaction"), answer["transaction_id"]), (N_("Amount"), yuan(answer["amount_fen"])),
             (N_("Balance"), yuan(answer["balance_fen"]))]
    return _done(page, Done(N_("Refunded"), answer["card"], lines, repeated=not answer["new"]))


#: The acts' routes. ``cards/issue`` is registered before ``cards/{card}`` so it is not read as a card.
PAGES: Final = (
    Page("cards/issue", issue_form, permission=ISSUE),
    Page("cards/issue", issue, permission=ISSUE, method="POST"),
    Page("cards/{card}/recharge", recharge, permission=RECHARGE, method="POST"),
    Page("cards/{card}/report_loss", report_loss, permission=REPORT_LOSS, method="POST"),
    Page("cards/{card}/unblock", unblock, permission=UNBLOCK, method="POST"),
    Page("cards/{card}/reissue", reissue, permission=REISSUE, method="POST"),
    Page("cards/{card}/extend", extend, permission=EXTEND, method="POST"),
    Page("cards/{card}/return", return_card, permission=RETURN, method="POST"),
    Page("cards/{card}/refund", refund, permission=REFUND, method="POST"),
)
