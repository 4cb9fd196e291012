"""The portal's first page: the resident's home, who lives there, and the household's cards.

Only the household's own records are read, from residents (and the card centre when the site
runs it, read-only: balances are what the ledger holds now). Phones are shown masked as
everywhere; ID numbers and face ids are not shown at all; card numbers show their first four
digits, as the card centre's messages do.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xiaoqu.core.masking import mask_card
from xiaoqu.integrations.cards.const import DATA_CARDS, RETIRED
from xiaoqu.integrations.residents import get_residents

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.integrations.cards import Cards
    from xiaoqu.integrations.residents import Person

    from .request import PortalRequest


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    role: str | None
    phone: str | None
    is_me: bool


@dataclass(frozen=True, slots=True)
class HeldCard:
    number: str
    holder: str
    status: str
    balance_fen: int

    @property
    def balance(self) -> str:
        """Integer fen as yuan, ``¥200.00``."""
        return f"¥{self.balance_fen // 100}.{self.balance_fen % 100:02d}"


def address(page: PortalRequest) -> str:
    """``1-2-0601`` as people say it: building 1, unit 2, room 0601."""
    building, unit, room = page.household.split("-")
    return page.gettext("Building %(building)s, unit %(unit)s, room %(room)s") % {
        "building": building, "unit": unit, "room": room}


def _members(page: PortalRequest, persons: list[Person]) -> list[Member]:
    return [Member(person.name, person.role, person.phone.masked if person.phone else None, person.id == page.person.id)
            for person in persons if not person.erased]


def _cards(cards: Cards, persons: list[Person]) -> list[HeldCard]:
    """The household's cards in use: those the centre issued to its people, and those on its
    people in the office's sheet."""
    names = {person.id: person.name for person in persons if not person.erased}
    found = {card.uid: card for card in cards.registry.records() if card.holder in names}
    for person in persons:
        for uid in person.cards:
            if uid not in found and (card := cards.registry.get(uid)) is not None:
                found[uid] = card
    return [HeldCard(mask_card(uid), names.get(card.holder, ""), card.status, cards.wallet.balance(uid))
            for uid, card in sorted(found.items()) if card.status != RETIRED]


async def home(page: PortalRequest) -> web.Response:
    residents = get_residents(page.hub)
    persons = residents.persons_of(page.household)
    household = residents.household(page.household)
    cards: Cards | None = page.hub.data.get(DATA_CARDS)
    values: dict[str, Any] = {
        "address": address(page), "area_m2": household.area_m2 if household else None,
        "members": _members(page, persons), "cards": None if cards is None else _cards(cards, persons),
    }
    return page.render("portal/home.html", **values)
