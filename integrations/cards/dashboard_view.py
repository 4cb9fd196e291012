"""How the card pages show a card: its number and holder masked, its status as the counter
reads it; the list's filters and order.

A card record knows ``active``, ``lost`` and ``retired``; staff need more: a retired card was
either returned or replaced by a reissue, an active one may have expired, not be valid yet, or
be blocked by a restriction access holds on its holder or household (arrears, a blacklist, a
staff decision). Those are read here from the record, the clock and access's restrictions, so
the list says what a reader would say at the door.
"""
from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Final

from xiaoqu.core.masking import mask_card, mask_name
from xiaoqu.integrations.dashboard import N_
from xiaoqu.integrations.residents.cardnumber import CardNumberError, low24_key, parse_card

from .const import LOST, RETIRED

if TYPE_CHECKING:
    from xiaoqu.integrations.access.restrictions import Restriction
    from xiaoqu.integrations.residents.models import Person

    from .cards import Cards
    from .models import Card

ACTIVE_SHOWN: Final = "active"
#: Each status the pages show, with its label; the list filters by these.
STATUS_LABELS: Final = {
    ACTIVE_SHOWN: N_("active"), "lost": N_("lost"), "blocked": N_("blocked"), "expired": N_("expired"),
    "pending": N_("not yet valid"), "returned": N_("returned"), "replaced": N_("replaced"),
}
#: The ``badge`` class of each status (the stylesheet's ok, bad, warn).
BADGES: Final = {ACTIVE_SHOWN: "ok", "lost": "bad", "blocked": "bad", "expired": "warn", "pending": "warn"}
CLASS_LABELS: Final = {"resident": N_("resident card"), "staff": N_("staff card"), "temporary": N_("temporary card"),
                       "visitor": N_("visitor card")}
SUBSYSTEM_LABELS: Final = {"door": N_("doors"), "consumption": N_("payment"), "attendance": N_("attendance"),
                           "parking": N_("parking"), "patrol": N_("patrol")}
METHOD_LABELS: Final = {"cash": N_("cash"), "transfer": N_("bank transfer"), "online": N_("online"),
                        "wechat": N_("WeChat Pay"), "alipay": N_("Alipay"), "card": N_("bank card")}
#: The fields of a report's rows and of a card's acts, as staff read them.
FIELD_LABELS: Final = {
    "card": N_("Card"), "holder": N_("Holder"), "card_class": N_("Card class"), "subsystems": N_("Serves"),
    "status": N_("Status"), "valid_to": N_("Valid until"), "deposit_fen": N_("Deposit"), "issued_at": N_("Issued"),
    "issued_by": N_("Issued by"), "balance_fen": N_("Balance"), "time": N_("Time"), "amount_fen": N_("Amount"),
    "method": N_("Paid by"), "deposit_method": N_("Paid by"), "payment_id": N_("Payment id"),
    "receipt_no": N_("Receipt no."), "by": N_("By"), "reason": N_("Reason"), "restriction": N_("Restriction"),
    "date": N_("Date"), "terminal": N_("Terminal"), "period": N_("Meal period"), "charges": N_("Charges"),
    "cards": N_("Cards"), "recharges": N_("Recharges"), "extensions": N_("Extensions"), "losses": N_("Losses"),
    "replaces": N_("Replaces"), "replaced_by": N_("Replaced by"), "moved_fen": N_("Balance moved"),
    "refunded_fen": N_("Refunded"), "transaction_id": N_("Transaction"), "kind": N_("What"),
    "changed": N_("Changed"),
}
#: The demo's meal periods by their config names; another site's show as it names them.
PERIOD_LABELS: Final = {"breakfast": N_("breakfast"), "lunch": N_("lunch"), "dinner": N_("dinner")}


def through(valid_to: float | None, tz: tzinfo) -> str:
    """The last day a card works: a ``valid_to`` at midnight (a date given as "through that
    day") shows that day, any other moment its date and time."""
    if valid_to is None:
        return ""
    at = datetime.fromtimestamp(valid_to, tz)
    if (at.hour, at.minute, at.second) == (0, 0, 0):
        return f"{at - timedelta(days=1):%Y-%m-%d}"
    return f"{at:%Y-%m-%d %H:%M}"


def day(at: float | None, tz: tzinfo) -> str:
    return "" if at is None else f"{datetime.fromtimestamp(at, tz):%Y-%m-%d}"


@dataclass(frozen=True, slots=True)
class CardRow:
    """One card as the list and the detail page show it."""

    card: Card
    status: str  # a key of STATUS_LABELS
    why: str | None  # the restriction's sentence when lost or blocked
    name: str  # masked
    household: str | None
    balance_fen: int
    valid_from: str
    valid_to: str

    @property
    def number(self) -> str:
        return mask_card(self.card.uid)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def badge(self) -> str:
        """The badge's colour: fine, stopped, or needing a look; a retired card's plain."""
        return BADGES.get(self.status, "")

    @property
    def class_label(self) -> str:
        return CLASS_LABELS.get(self.card.card_class, self.card.card_class)


def _in_force(restriction: Restriction, now: float) -> bool:
    return restriction.since <= now and (restriction.until is None or now < restriction.until)


#: The list's filters, as the form and the query name them.
FILTERS: Final = ("status", "household", "person", "q")
#: Cards looked at between two turns of the loop (~5 ms of work).
CHUNK: Final = 2_000


class Listing:
    """The cards as one request sees them, at one moment.

    Every card is looked at for the filters, so that part is a few dictionary look-ups a card
    (the restrictions in force are gathered once, not asked per card); the row with its masked
    name, balance and dates is made only for the cards a page shows or a download holds. Both
    give the loop back every :data:`CHUNK` cards: an estate of 30,000 takes ~80 ms to list and
    ~120 ms more to download, and the doors are decided in between.
    """

    def __init__(self, cards: Cards, now: float) -> None:
        self.cards = cards
        self.now = now
        self._blocks: dict[tuple[str, str | int], list[Restriction]] = {}
        for restriction in cards.doors.access.restrictions:
            if _in_force(restriction, now):
                self._blocks.setdefault(restriction.key, []).append(restriction)

    def _blocked(self, card: Card, person: Person | None) -> Restriction | None:
        """A restriction in force on the card, its holder or their household, other than its
        own loss report: what stops an active card at the doors."""
        keys: list[tuple[str, str | int]] = [("card", low24_key(int(card.uid, 16))), ("person", card.holder)]
        if person is not None and person.household:
            keys.append(("household", person.household))
        for key in keys:
            for restriction in self._blocks.get(key, ()):
                if restriction.id != card.restriction:
                    return restriction
        return None

    def status(self, card: Card, person: Person | None) -> tuple[str, str | None]:
        """The status a reader would give (a key of :data:`STATUS_LABELS`) and why, when stopped."""
        now = self.now
        if card.status == RETIRED:
            return ("replaced" if card.replaced_by else "returned"), None
        if card.status == LOST:
            return "lost", self.cards.refusal(card, now)
        if card.valid_to is not None and now >= card.valid_to:
            return "expired", None
        if card.valid_from is not None and now < card.valid_from:
            return "pending", None
        restriction = self._blocked(card, person)
        if restriction is not None:
            return "blocked", restriction.sentence(self.cards.tz)
        return ACTIVE_SHOWN, None

    def row(self, card: Card) -> CardRow:
        cards = self.cards
        person = cards.residents.person(card.holder)
        status, why = self.status(card, person)
        return CardRow(card, status, why,
                       mask_name(person.name) if person is not None and not person.erased else "",
                       person.household if person is not None else None, cards.wallet.balance(card.uid),
                       day(card.valid_from, cards.tz), through(card.valid_to, cards.tz))

    async def rows(self, cards: list[Card]) -> list[CardRow]:
        shown = []
        for n, card in enumerate(cards, 1):
            shown.append(self.row(card))
            if n % CHUNK == 0:
                await asyncio.sleep(0)
        return shown

    async def found(self, asked: Mapping[str, str]) -> list[Card]:
        """The cards the filters ``asked`` for (status, household or its building or unit,
        person id, text), the ones the centre issued most recently first, then by number."""
        status, household, holder, text = (asked.get(name) for name in FILTERS)
        uid = _canonical(text) if text else None
        named = {p.id for p in self.cards.residents.persons() if p.name == text} if text else set()
        person_of = self.cards.residents.person
        found = []
        for n, card in enumerate(self.cards.registry.cards(), 1):
            if n % CHUNK == 0:
                await asyncio.sleep(0)
            if holder and card.holder != holder:
                continue
            person = person_of(card.holder) if household or text or status else None
            home = person.household if person is not None else None
            if household and not _within(home, household):
                continue
            if text and not (card.holder in named or _matches_text(card, home, text, uid)):
                continue
            if status and self.status(card, person)[0] != status:
                continue
            found.append(card)
        found.sort(key=lambda card: (-card.issued_at, card.uid))
        return found


def _within(household: str | None, asked: str) -> bool:
    """Whether ``household`` is the one asked, or in the building or unit asked (``1``, ``1-2``)."""
    return household is not None and (household == asked or household.startswith(f"{asked}-"))


def _canonical(text: str) -> str | None:
    """The UID a typed card number names, in any form a reader sends; None for a Wiegand pair
    (it names a card only through the registry) or anything else."""
    try:
        return parse_card(text).canonical
    except CardNumberError:
        return None


def _matches_text(card: Card, household: str | None, text: str, uid: str | None) -> bool:
    """The free text: a card number in any form, a person id, or a household (or its building
    or unit); a holder's whole name is matched by the caller."""
    folded = text.casefold()
    return (card.uid == uid or card.uid.casefold() == folded or card.holder.casefold() == folded
            or _within(household.casefold() if household else None, folded))
