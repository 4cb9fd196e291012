"""The card's life: issue, rewrite, report loss, unblock, reissue, extend, return.

Each act checks everything first and refuses with the reason before anything changes; then
door rights (access), the record and the money move, and the act goes into the card's
history and the audit log with what it changed.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.ledger import LedgerRefused
from xiaoqu.integrations.residents.cardnumber import CardNumberError, parse_card

from .const import ACTIVE, DEPOSIT_ACCOUNT, EVENT_LOST, LOST, RETIRED, RETURN, SHEET, TRANSFER
from .errors import CardError
from .models import Card, iso

if TYPE_CHECKING:
    from .cards import Cards
    from .history import Who

#: The fields ``cards.rewrite`` may change.
REWRITABLE = ("subsystems", "access_groups", "card_class", "valid_from", "valid_to")
#: Of those, what a card from the office's sheet takes from its holder in residents instead.
HOLDERS_OWN = ("access_groups", "valid_from", "valid_to")


def new_uid(cards: Cards, value: str) -> str:
    """The canonical UID of a card about to be issued; refused when it is in use anywhere."""
    try:
        read = parse_card(value)
    except CardNumberError as err:
        raise CardError(str(err)) from None
    if read.canonical is None:
        raise CardError(f"card {value.strip()}: a card is issued by its UID (8 hex or 10 decimal digits), "
                        "not by a Wiegand-26 pair")
    why = cards.registry.in_use(read.canonical) or cards.doors.clash(read.canonical)
    if why is not None:
        raise CardError(why)
    return read.canonical


def holder(cards: Cards, person: str | Mapping[str, str]) -> str:
    """The id of the person a card is for: by id, or by household and name."""
    if isinstance(person, str):
        found = cards.residents.person(person)
        named = f"person {person}"
    else:
        found = cards.residents.person_named(person["household"], person["name"])
        named = f"{person['name']} of household {person['household']}"
    if found is None:
        raise CardError(f"{named} is not in residents")
    if found.erased:
        raise CardError(f"person {found.id} was erased; a card is issued to a living record")
    return found.id


def epoch(cards: Cards, value: datetime | None) -> float | None:
    return None if value is None else (value if value.tzinfo else value.replace(tzinfo=cards.tz)).timestamp()


def _check_validity(cards: Cards, valid_from: float | None, valid_to: float | None) -> None:
    if valid_to is not None and valid_to <= cards.hub.clock.time():
        raise CardError(f"valid_to {iso(valid_to, cards.tz)} has passed; a card is valid until a future moment")
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        raise CardError("valid_to is not after valid_from")


def _check_groups(cards: Cards, groups: tuple[str, ...]) -> None:
    why = cards.doors.check_groups(groups)
    if why is not None:
        raise CardError(why)


async def issue(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    uid = new_uid(cards, data["card"])
    person = holder(cards, data["person"])
    groups = tuple(data["access_groups"])
    _check_groups(cards, groups)
    valid_from, valid_to = epoch(cards, data.get("valid_from")), epoch(cards, data.get("valid_to"))
    _check_validity(cards, valid_from, valid_to)
    card = Card(uid, person, tuple(data["subsystems"]), data["card_class"], groups, valid_from, valid_to,
                data["deposit_fen"], ACTIVE, cards.hub.clock.time(), who.by)
    await cards.doors.grant(card, who.by)
    await cards.keep(card)
    await cards.wallet.card(uid)
    if card.deposit_fen:
        await cards.wallet.take_deposit(uid, card.deposit_fen, data["deposit_method"], {"card": uid, "by": who.by})
    response = card.as_response(cards.tz)
    cards.history.act(uid, "issued", who, record=response, deposit_method=data["deposit_method"])
    return response


async def rewrite(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    card = cards.live(data["card"])
    changes: dict[str, Any] = {key: data[key] for key in REWRITABLE if key in data}
    for key in ("subsystems", "access_groups"):
        if key in changes:
            changes[key] = tuple(changes[key])
    for key in ("valid_from", "valid_to"):
        if key in changes:
            changes[key] = epoch(cards, changes[key])
    changes = {key: value for key, value in changes.items() if getattr(card, key) != value}
    if card.source == SHEET:
        _refuse_holders_own(card, changes)
    _check_groups(cards, changes.get("access_groups", ()))
    new = replace(card, **changes)
    if "valid_to" in changes or "valid_from" in changes:
        _check_validity(cards, new.valid_from, new.valid_to)
    if not changes:
        return {**new.as_response(cards.tz), "changed": {}}
    await cards.doors.update(new, who.by)
    await cards.keep(new)
    shown = {key: [_shown(cards, key, getattr(card, key)), _shown(cards, key, getattr(new, key))] for key in changes}
    cards.history.act(card.uid, "rewritten", who, changed=shown)
    return {**new.as_response(cards.tz), "changed": shown}


def _refuse_holders_own(card: Card, changes: Mapping[str, Any]) -> None:
    """A sheet card opens what its holder's groups open, for as long as it is on its holder."""
    taken = [key for key in HOLDERS_OWN if key in changes]
    if taken or ("subsystems" in changes and ("door" in changes["subsystems"]) != card.opens_doors):
        raise CardError(f"card {card.uid} is on {card.holder} in the office's sheet: its doors and validity are its "
                        f"holder's (change the person's groups in access, or reissue it as a card of the centre); "
                        f"cannot change {', '.join(taken) or 'door'}")


def _shown(cards: Cards, key: str, value: Any) -> Any:
    if key in ("valid_from", "valid_to"):
        return iso(value, cards.tz)
    return list(value) if isinstance(value, tuple) else value


async def report_loss(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    card = cards.live(data["card"])
    if card.status == LOST:
        raise CardError(f"card {card.uid} was already reported lost")
    restriction = await cards.doors.block(card, who.by)
    lost = replace(card, status=LOST, restriction=restriction)
    await cards.keep(lost)
    cards.history.act(card.uid, "reported_lost", who, reason=data["reason"], restriction=restriction)
    cards.hub.bus.fire(EVENT_LOST, {"card": card.uid, "person": card.holder, "reason": data["reason"],
                                      "by": who.by}, context=who.context)
    return lost.as_response(cards.tz)


async def unblock(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    card = cards.live(data["card"])
    if card.status != LOST:
        raise CardError(f"card {card.uid} is not reported lost; there is nothing to unblock")
    await cards.doors.unblock(card)
    found = replace(card, status=ACTIVE, restriction=None)
    await cards.keep(found)
    cards.history.act(card.uid, "unblocked", who, restriction=card.restriction, reason=data.get("reason"))
    return found.as_response(cards.tz)


async def reissue(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    """The old card reported lost (if it was not) and retired; a new card with the same holder,
    rights, validity and deposit; the balance moved from the old card to the new."""
    old = cards.live(data["old_card"])
    uid = new_uid(cards, data["new_card"])
    now = cards.hub.clock.time()
    restriction = old.restriction if old.status == LOST else await cards.doors.block(old, who.by)
    new = replace(old, uid=uid, status=ACTIVE, issued_at=now, issued_by=who.by, source="issued", restriction=None,
                  replaces=old.uid, replaced_by=None, retired_at=None)
    retired = replace(old, status=RETIRED, restriction=restriction, replaced_by=uid, retired_at=now, deposit_fen=0)
    await cards.doors.grant(new, who.by)
    await cards.keep(retired, new)
    account = await cards.wallet.card(uid)
    posted = await cards.wallet.drain(f"{TRANSFER}:{old.uid}:{uid}", TRANSFER, old.uid,
                                      lambda balance: [(account, balance)], {"from": old.uid, "to": uid, "by": who.by})
    moved = 0 if posted is None else posted.balances[account]
    balance = cards.wallet.balance(uid)
    cards.history.act(old.uid, "retired", who, replaced_by=uid, moved_fen=moved, restriction=restriction)
    cards.history.act(uid, "reissued", who, replaces=old.uid, moved_fen=moved, deposit_fen=new.deposit_fen)
    return {**new.as_response(cards.tz), "balance_fen": balance}


async def extend(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    card = cards.live(data["card"])
    if card.source == SHEET:
        _refuse_holders_own(card, {"valid_to": data["valid_to"]})
    valid_to = epoch(cards, data["valid_to"])
    _check_validity(cards, card.valid_from, valid_to)
    extended = replace(card, valid_to=valid_to)
    await cards.doors.update(extended, who.by)
    await cards.keep(extended)
    cards.history.act(card.uid, "extended", who, valid_to=[iso(card.valid_to, cards.tz), iso(valid_to, cards.tz)])
    return extended.as_response(cards.tz)


async def return_card(cards: Cards, data: Mapping[str, Any], who: Who) -> dict[str, Any]:
    """Balance and deposit paid back by ``method``, the card retired; refused while a charge
    made offline is not yet settled (its money is not known yet)."""
    card = cards.live(data["card"])
    why = cards.unsettled(card.uid)
    if why is not None:
        raise CardError(f"card {card.uid} cannot be returned yet: {why}")
    method = data["method"]
    refund = await cards.wallet.refund_account(method)
    retired = replace(card, status=RETIRED, retired_at=cards.hub.clock.time())
    await cards.keep(retired)  # no POS takes it from here on
    deposit = card.deposit_fen

    def legs(balance: int) -> list[tuple[str, int]]:
        return [(DEPOSIT_ACCOUNT, -deposit), (refund, balance + deposit)]

    try:
        posted = await cards.wallet.drain(f"{RETURN}:{card.uid}", RETURN, card.uid, legs,
                                          {"card": card.uid, "method": method, "deposit_fen": deposit, "by": who.by})
    except LedgerRefused as err:
        await cards.keep(card)
        raise CardError(f"card {card.uid} was not returned: {err}") from None
    refunded = 0 if posted is None else dict(posted.legs)[refund]
    await cards.doors.revoke(card, who.by)
    cards.history.act(card.uid, "returned", who, method=method, refunded_fen=refunded, deposit_fen=deposit,
                      balance_fen=refunded - deposit)
    return {**retired.as_response(cards.tz), "refunded_fen": refunded}

