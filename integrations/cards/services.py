"""The card centre's services, one table: the contract's acts, the history and the reports.

Who acted is named as access names a restriction's author (the linked staff member, else the
user); every act goes into the card's history and the audit log (:mod:`.history`), and the
core audits the call itself too.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse
from xiaoqu.integrations.access.services import author

from . import lifecycle, pos_services, schema, stored_value
from .const import (
    EXPORT_DIR,
    SERVICE_BALANCE,
    SERVICE_EXTEND,
    SERVICE_HISTORY,
    SERVICE_ISSUE,
    SERVICE_RECHARGE,
    SERVICE_REFUND,
    SERVICE_REISSUE,
    SERVICE_REPORT,
    SERVICE_REPORT_LOSS,
    SERVICE_RETURN,
    SERVICE_REWRITE,
    SERVICE_UNBLOCK,
)
from .export import export_report
from .history import History, Who
from .reports import Books, build
from .runtime import get_cards

Act = Callable[..., Awaitable[dict[str, Any]]]


def _act(act: Act) -> Callable[[ServiceCall], Awaitable[dict[str, Any]]]:
    """A service that does ``act(cards, data, who)``."""

    async def handler(call: ServiceCall) -> dict[str, Any]:
        return await act(get_cards(call.hub), call.data, Who(author(call), call.context))

    return handler


def balance(call: ServiceCall) -> dict[str, Any]:
    return stored_value.balance(get_cards(call.hub), call.data)


async def history(call: ServiceCall) -> dict[str, Any]:
    cards = get_cards(call.hub)
    card = cards.card(call.data["card"])
    limit = call.data["limit"]
    entries = await cards.wallet.ledger.entries(card.account, limit=limit) if card.account in cards.wallet else []
    return {
        "card": card.as_response(cards.tz),
        "balance_fen": cards.wallet.balance(card.uid),
        "acts": await cards.history.of(card.uid, limit),
        "entries": [{"transaction_id": e.transaction_id, "kind": e.kind, "amount_fen": e.amount,
                     "balance_fen": e.balance, "time": e.time} for e in entries],
    }


async def report(call: ServiceCall) -> dict[str, Any]:
    """A report's rows and totals, or with ``file`` the file written to the data dir's exports folder."""
    cards = get_cards(call.hub)
    data = call.data
    start = lifecycle.epoch(cards, data.get("start"))
    end = lifecycle.epoch(cards, data.get("end"))
    if "file" not in data:
        return (await build(Books.of(cards), data["kind"], start, end)).as_response()
    assert call.hub.config.data_dir is not None
    folder = call.hub.config.data_dir / EXPORT_DIR
    await call.hub.run_in_executor(lambda: folder.mkdir(parents=True, exist_ok=True))
    result = await export_report(Books.of(cards), folder / data["file"], data["kind"], start, end)
    History(call.hub).audit("report_exported", call.context, file=result["path"], kind=data["kind"],
                            rows=result["rows"])
    return result


_OPTIONAL = SupportsResponse.OPTIONAL
_ONLY = SupportsResponse.ONLY

SERVICES: Final = [
    ServiceSpec(SERVICE_ISSUE, _act(lifecycle.issue), schema.ISSUE_SCHEMA,
                "Issue a card to a person: subsystems, access groups, class, validity, deposit", _OPTIONAL),
    ServiceSpec(SERVICE_REWRITE, _act(lifecycle.rewrite), schema.REWRITE_SCHEMA,
                "Change a card's subsystems, access groups, class or validity (readers see it at once)", _OPTIONAL),
    ServiceSpec(SERVICE_REPORT_LOSS, _act(lifecycle.report_loss), schema.REPORT_LOSS_SCHEMA,
                "Block a card reported lost at every reader and POS at once", _OPTIONAL),
    ServiceSpec(SERVICE_UNBLOCK, _act(lifecycle.unblock), schema.UNBLOCK_SCHEMA,
                "Unblock a card reported lost that was found", _OPTIONAL),
    ServiceSpec(SERVICE_REISSUE, _act(lifecycle.reissue), schema.REISSUE_SCHEMA,
                "Replace a card: the old one blocked and retired, a new one with its rights and balance", _OPTIONAL),
    ServiceSpec(SERVICE_EXTEND, _act(lifecycle.extend), schema.EXTEND_SCHEMA, "Extend a card's validity", _OPTIONAL),
    ServiceSpec(SERVICE_RETURN, _act(lifecycle.return_card), schema.RETURN_SCHEMA,
                "Take a card back: balance and deposit refunded by the method chosen, the card retired", _OPTIONAL),
    ServiceSpec(SERVICE_RECHARGE, _act(stored_value.recharge), schema.RECHARGE_SCHEMA,
                "Add money to a card, once per payment id, with a receipt number", _OPTIONAL),
    ServiceSpec(SERVICE_BALANCE, balance, schema.BALANCE_SCHEMA, "A card's balance in fen", _ONLY),
    ServiceSpec(SERVICE_REFUND, _act(stored_value.refund), schema.REFUND_SCHEMA,
                "Refund a charge or a recharge by its transaction id, with the reason", _OPTIONAL),
    ServiceSpec(SERVICE_REPORT, report, schema.REPORT_SCHEMA,
                "A report (issued, balances, recharges, extensions, losses, consumption), or its .csv/.xlsx file",
                _OPTIONAL),
    ServiceSpec(SERVICE_HISTORY, history, schema.HISTORY_SCHEMA,
                "A card's record, its acts (who, when, what changed) and its ledger entries", _ONLY),
    ServiceSpec("offline_flagged", pos_services.offline_flagged, pos_services.FLAGGED_SCHEMA,
                "POS charges uploaded from offline terminals that the card could not pay, for the office", _ONLY),
    ServiceSpec("settle_offline", pos_services.settle_offline, pos_services.SETTLE_SCHEMA,
                "Settle a flagged offline POS charge: charge it to the card now, or waive it with a reason", _OPTIONAL),
]
