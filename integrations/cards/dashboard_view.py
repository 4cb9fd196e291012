"""How the card pages show a card: its number and holder masked, its status as the counter
reads it; the list's filters and order.

A card record knows ``active``, ``lost`` and ``retired``; staff need more: a retired card was
either returned or replaced by a reissue, an active one may have expired, not be valid yet, or
be blocked by a restriction access holds on its holder or household (arrears, a blacklist, a
staff decision). Those are read here from the record, the clock and access's restrictions, so
the list says what a reader would say at the door.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Final

from xiaoqu.integrations.dashboard import N_
from xiaoqu.integrations.residents.cardnumber import CardNumberError, low24_key, parse_card

from .const import LOST, RETIRED
from .pos import mask

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


def masked_name(name: str) -> str:
    """``王芳`` → ``王*``, ``欧阳娜娜`` → ``欧***``: enough for the clerk holding the card to
    recognise, not a list of the estate's names for whoever looks at the screen."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


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
        return mask(self.card.uid)

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


def _restriction_on(cards: Cards, card: Card, person: Person | None, now: float) -> Restriction | None:
    """A restriction in force on the card, its holder or their household, other than its own
    loss report: what blocks an active card at the doors."""
    index = cards.doors.access.restrictions
    keys: list[tuple[str, str | int]] = [("card", low24_key(int(card.uid, 16))), ("person", card.holder)]
    if person is not None and person.household:
        keys.append(("household", person.household))
    for key in keys:
        for restriction in index.on(key):
            if restriction.id != card.restriction and restriction.since <= now and (
                    restriction.until is None or now < restriction.until):
                return restriction
    return None


def _status(cards: Cards, card: Card, person: Person | None, now: float) -> tuple[str, str | None]:
    if card.status == RETIRED:
        return ("replaced" if card.replaced_by else "returned"), None
    if card.status == LOST:
        return "lost", cards.refusal(card, now)
    if card.valid_to is not None and now >= card.valid_to:
        return "expired", None
    if card.valid_from is not None and now < card.valid_from:
        return "pending", None
    restriction = _restriction_on(cards, card, person, now)
    if restriction is not None:
        return "blocked", restriction.sentence(cards.tz)
    return ACTIVE_SHOWN, None


def row(cards: Cards, card: Card, now: float) -> CardRow:
    person = cards.residents.person(card.holder)
    status, why = _status(cards, card, person, now)
    return CardRow(card, status, why, masked_name(person.name) if person is not None and not person.erased else "",
                   person.household if person is not None else None, cards.wallet.balance(card.uid),
                   day(card.valid_from, cards.tz), through(card.valid_to, cards.tz))


def rows(cards: Cards, now: float) -> list[CardRow]:
    """Every card, the ones the centre issued most recently first, then by number."""
    found = [row(cards, card, now) for card in cards.registry.cards()]
    found.sort(key=lambda shown: (-shown.card.issued_at, shown.card.uid))
    return found


#: The list's filters, as the form and the query name them.
FILTERS: Final = ("status", "household", "person", "q")


def _canonical(text: str) -> str | None:
    """The UID a typed card number names, in any form a reader sends; None for a Wiegand pair
    (it names a card only through the registry) or anything else."""
    try:
        return parse_card(text).canonical
    except CardNumberError:
        return None


def _matches_text(shown: CardRow, text: str, uid: str | None) -> bool:
    """The free text: a card number in any form, a person id, a household (or its building or
    unit: ``1-2``), or a holder's whole name (a clerk asked for 王芳's card)."""
    card = shown.card
    if uid is not None and card.uid == uid:
        return True
    folded = text.casefold()
    household = (shown.household or "").casefold()
    return (card.uid.casefold() == folded or card.holder.casefold() == folded
            or bool(household) and (household == folded or household.startswith(f"{folded}-")))


def matching(found: Iterable[CardRow], asked: Mapping[str, str], cards: Cards) -> Iterator[CardRow]:
    """The rows the filters ``asked`` for (status, household or its prefix, person id, text)."""
    status, household, person, text = (asked.get(name) for name in FILTERS)
    uid = _canonical(text) if text else None
    named = {p.id for p in cards.residents.persons() if p.name == text} if text else set()
    for shown in found:
        if status and shown.status != status:
            continue
        if household and not (shown.household == household or (shown.household or "").startswith(f"{household}-")):
            continue
        if person and shown.card.holder != person:
            continue
        if text and not (_matches_text(shown, text, uid) or shown.card.holder in named):
            continue
        yield shown
