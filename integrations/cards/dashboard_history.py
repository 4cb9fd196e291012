"""A card's page, line by line: its money as the ledger holds it, with the figures that
produced each line, and its acts as the card's history records them.

``cards.history`` answers a card's ledger entries (id, kind, amount, balance after) and acts;
the figures behind an entry (a recharge's receipt and payment, a charge's terminal, meal
period, list price and discount, a refund's original and reason) are in its transaction, read
from the ledger by its id.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, PageRequest

from .const import CHARGE, RECHARGE, REFUND, REFUNDABLE, RETURN
from .dashboard_reports import period_label, terminal_names
from .dashboard_view import CLASS_LABELS, FIELD_LABELS, METHOD_LABELS
from .stored_value import receipt_no

if TYPE_CHECKING:
    from xiaoqu.core.ledger import Transaction

    from .cards import Cards

ACT_LABELS: Final = {
    "issued": N_("issued"), "recharged": N_("recharged"), "reported_lost": N_("reported lost"),
    "unblocked": N_("unblocked"), "reissued": N_("reissued"), "retired": N_("retired"), "extended": N_("extended"),
    "returned": N_("returned"), "refunded": N_("refunded"), "rewritten": N_("rewritten"),
    "offline_settled": N_("offline charge settled"), "offline_waived": N_("offline charge waived"),
}
ENTRY_LABELS: Final = {RECHARGE: N_("recharge"), CHARGE: N_("charge"), REFUND: N_("refund"),
                       "transfer": N_("transfer"), RETURN: N_("return")}
#: An act's fields that are not what it changed: the line shows them in columns of their own,
#: or (an issue's whole record) the card's page shows them already.
_NOT_DETAILS: Final = frozenset({"time", "act", "by", "source", "user", "record"})

Figures = list[tuple[str, str]]


def _value(page: PageRequest, name: str, value: Any) -> str:
    """A field's value as staff read it: money in yuan, a payment method in words."""
    if name.endswith("_fen") and isinstance(value, int):
        return yuan(value)
    if name in ("method", "deposit_method"):
        return page.gettext(METHOD_LABELS.get(value, value))
    if isinstance(value, list):
        return " → ".join(str(item) for item in value)
    return str(value)


def _figures(page: PageRequest, cards: Cards, transaction: Transaction | None) -> Figures:
    """What produced a money line, as its transaction holds it."""
    if transaction is None:
        return []
    data, kind = transaction.data, transaction.kind
    by = (N_("By"), data.get("by") or "")
    if kind == RECHARGE:
        return [(N_("Receipt no."), receipt_no(transaction)), (N_("Paid by"), _value(page, "method", data["method"])),
                (N_("Payment id"), data.get("payment_id", "")), by]
    if kind == CHARGE:
        terminal = data.get("terminal", "")
        figures = [(N_("Terminal"), terminal_names(cards).get(terminal, terminal)),
                   (N_("Meal period"), period_label(page, data.get("period"))),
                   (N_("List price"), yuan(data.get("list_fen", 0)))]
        if data.get("discount_percent"):
            card_class = page.gettext(CLASS_LABELS.get(data["card_class"], data["card_class"]))
            figures.append((N_("Discount"), f"{data['discount_percent']}% ({card_class})"))
        if data.get("offline"):
            figures.append((N_("Uploaded"), page.gettext("offline")))
        return figures
    if kind == REFUND:
        return [(N_("Refunds"), transaction.reverses or ""), (N_("Reason"), data.get("reason", "")), by]
    if kind == RETURN:
        return [(N_("Paid back by"), _value(page, "method", data["method"])),
                (N_("Deposit"), yuan(data.get("deposit_fen", 0))), by]
    return [(N_("From card"), data.get("from", "")), (N_("To card"), data.get("to", "")), by]


async def money_lines(page: PageRequest, cards: Cards, entries: list[dict[str, Any]], *,
                      may_refund: bool) -> list[dict[str, Any]]:
    """The card's ledger entries, newest first, each with its figures and whether a refund of
    it is offered (a charge or a recharge not refunded yet, to those who may)."""
    refunded = {entry["transaction_id"].removeprefix(f"{REFUND}:") for entry in entries if entry["kind"] == REFUND}
    lines = []
    for entry in entries:
        transaction = await cards.wallet.transaction(entry["transaction_id"])
        lines.append({**entry, "label": ENTRY_LABELS.get(entry["kind"], entry["kind"]),
                      "figures": _figures(page, cards, transaction),
                      "refundable": may_refund and entry["kind"] in REFUNDABLE
                      and entry["transaction_id"] not in refunded})
    return lines


def act_line(page: PageRequest, act: dict[str, Any]) -> dict[str, Any]:
    """An act from the card's history with what it changed, each field named as staff read it."""
    details = [(FIELD_LABELS.get(name, name), _value(page, name, value)) for name, value in act.items()
               if name not in _NOT_DETAILS and value not in (None, "", [], {})]
    return {**act, "label": ACT_LABELS.get(act["act"], act["act"]), "details": details}
