"""Money on a card: recharge, balance, refund (a reversal naming the original).

A recharge's id is its payment's (``recharge:<payment_id>``): the same payment sent twice
(a cashier's double click, a retried request) is applied once and answered with the first
answer. A refund reverses a charge or a recharge once; a recharge already spent cannot be
refunded (the card would go below 0), and the ledger says so.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.ledger import BelowFloor, NotReversible, Posted, Transaction

from .const import ACTIVE, CARD_ACCOUNT, CONSUMPTION, RECHARGE, REFUND, REFUNDABLE
from .errors import CardError
from .wallet import card_account

if TYPE_CHECKING:
    from .cards import Cards
    from .history import Who


def receipt_no(posted: Transaction) -> str:
    """A recharge's receipt number: from its place in the ledger, so a repeat shows the same."""
    return f"R{posted.seq:08d}"


async def recharge(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    card = cards.card(data["card"])
    amount, payment_id, method = data["amount_fen"], data["payment_id"], data["method"]
    earlier = await cards.wallet.transaction(f"{RECHARGE}:{payment_id}")
    if earlier is None:
        if card.status != ACTIVE or CONSUMPTION not in card.subsystems:
            raise CardError(f"cannot recharge: {cards.refusal(card)}")
        await cards.recorded(card)
        posted = await cards.wallet.recharge(card.uid, amount, payment_id, method,
                                             {"card": card.uid, "payment_id": payment_id, "method": method,
                                              "by": who.by})
    else:
        posted = Posted.of(earlier, False)
    if dict(posted.legs).get(card.account) != amount:
        raise CardError(f"payment {payment_id} was already recharged: {_legs(posted)}; a new payment has a new id")
    answer = {"card": card.uid, "balance_fen": posted.balances[card.account], "receipt_no": receipt_no(posted),
              "transaction_id": posted.id, "new": posted.new}
    if posted.new:
        cards.history.act(card.uid, "recharged", who, amount_fen=amount, method=method, payment_id=payment_id,
                          receipt_no=answer["receipt_no"], balance_fen=answer["balance_fen"])
    return answer


def _legs(posted: Posted) -> str:
    return ", ".join(f"{account} {amount:+d} fen" for account, amount in posted.legs)


def balance(cards: Cards, data: Mapping[str, Any]) -> dict[str, Any]:
    card = cards.card(data["card"])
    return {"card": card.uid, "balance_fen": cards.wallet.balance(card.uid), "status": card.status}


async def refund(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    """Reverse transaction ``transaction_id`` (a charge or a recharge) once, with the reason."""
    original_id, reason = data["transaction_id"], data["reason"]
    original = await cards.wallet.transaction(original_id)
    if original is None:
        raise CardError(f"there is no transaction {original_id}")
    if original.kind not in REFUNDABLE:
        raise CardError(f"transaction {original_id} is a {original.kind}; only a {' or a '.join(REFUNDABLE)} "
                        "is refunded")
    account = next((account for account, _amount in original.legs if account.startswith(CARD_ACCOUNT)), None)
    if account is None:
        raise CardError(f"transaction {original_id} moved no card's money")
    uid = account.removeprefix(CARD_ACCOUNT)
    before = cards.wallet.balance(uid)
    try:
        posted = await cards.wallet.ledger.reverse(f"{REFUND}:{original_id}", REFUND, original_id,
                                                   data={"card": uid, "reason": reason, "by": who.by})
    except BelowFloor as err:
        raise CardError(f"cannot refund {original_id}: card {uid} has {err.balance} fen left, "
                        f"less than the {-err.amount} fen it brought") from None
    except NotReversible as err:
        raise CardError(f"cannot refund {original_id}: {err}") from None
    after = posted.balances[card_account(uid)]
    if posted.new:
        card = cards.registry.get(uid)
        if card is not None:
            cards.balance_moved(card, before, after, who.context)
        cards.history.act(uid, "refunded", who, transaction_id=original_id, kind=original.kind, reason=reason,
                          amount_fen=after - before, balance_fen=after)
    return {"card": uid, "transaction_id": posted.id, "refunded": original_id, "amount_fen": dict(posted.legs)[account],
            "balance_fen": after, "new": posted.new}
