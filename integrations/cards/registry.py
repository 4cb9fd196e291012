"""The card records: every card the centre has acted on, in memory by UID and by low 24 bits,
kept in a row store (``<data dir>/cards.db``) so a change writes one row.

Cards on persons from the office's sheet (residents' ``person.cards``) are cards too, of the
holder's kind (resident or staff) serving door and consumption. Their records are made
lazily: :meth:`CardRegistry.card` answers one from residents as it stands, and it is written
here the first time the centre acts on it (a recharge, a loss report). An estate of 100,000
residents then costs nothing at start, and a card the office removes from a person before
the centre ever touched it leaves nothing behind.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from xiaoqu.core.rowstore import Change, RowStore
from xiaoqu.integrations.residents.cardnumber import CardNumberError, low24_key, parse_card, wiegand26

from .const import CONSUMPTION, DOOR, RESIDENT, SHEET, STAFF, STORE_FILE, TABLE_CARDS
from .errors import CardError
from .models import Card

if TYPE_CHECKING:
    from xiaoqu.integrations.residents import Residents
    from xiaoqu.integrations.residents.models import Person


class CardRegistry:
    """Card records by UID; :meth:`card` finds one in any form a reader sends."""

    def __init__(self, data_dir: Path, residents: Residents) -> None:
        self.store = RowStore(data_dir / STORE_FILE, [TABLE_CARDS])
        self.residents = residents
        self._cards: dict[str, Card] = {}
        self._by_low24: dict[int, str] = {}

    async def open(self) -> None:
        await self.store.open()
        for _key, doc in await self.store.load(TABLE_CARDS):
            self._index(Card.from_doc(doc))

    async def close(self) -> None:
        await self.store.close()

    def __len__(self) -> int:
        return len(self._cards)

    def records(self) -> Iterator[Card]:
        """Every stored record (the centre has acted on each)."""
        return iter(list(self._cards.values()))

    def cards(self) -> Iterator[Card]:
        """Every card: the stored records, then the office's sheet cards not yet recorded."""
        yield from self.records()
        for person in self.residents.persons():
            for uid in person.cards:
                if uid not in self._cards:
                    yield sheet_card(person, uid)

    def stored(self, uid: str) -> Card | None:
        """Card ``uid``'s record, if the centre has acted on it."""
        return self._cards.get(uid)

    def get(self, uid: str) -> Card | None:
        """The card with canonical ``uid``: its record, or a sheet card's as residents has it."""
        found = self._cards.get(uid)
        if found is not None:
            return found
        person = self.residents.person_by_uid(int(uid, 16))
        return None if person is None else sheet_card(person, uid)

    def card(self, value: str) -> Card:
        """The card ``value`` names, in any form (hex, decimal, Wiegand-26 or -34 pair);
        :class:`CardError` saying why when it names none."""
        try:
            read = parse_card(str(value))
        except CardNumberError as err:
            raise CardError(str(err)) from None
        if read.canonical is not None:
            found = self.get(read.canonical)
        else:
            found = self._by_wiegand26(read.low24)
        if found is None:
            raise CardError(f"card {read.canonical or wiegand26(read.low24)} was never issued here")
        return found

    def _by_wiegand26(self, low24: int) -> Card | None:
        uid = self._by_low24.get(low24)
        if uid is not None:
            return self._cards[uid]
        person = self.residents.person_by_low24(low24)
        if person is None:
            return None
        uid = next(c for c in person.cards if low24_key(int(c, 16)) == low24)
        return sheet_card(person, uid)

    def in_use(self, uid: str) -> str | None:
        """Why card ``uid`` cannot be issued (a card here or on a person shares its number, or
        its Wiegand-26 number), or None."""
        low24 = low24_key(int(uid, 16))
        clash = self._cards.get(uid) or (self._cards.get(self._by_low24[low24]) if low24 in self._by_low24 else None)
        if clash is None:
            person = self.residents.person_by_low24(low24)
            if person is not None:
                other = next(c for c in person.cards if low24_key(int(c, 16)) == low24)
                clash = sheet_card(person, other)
        if clash is None:
            return None
        if clash.uid == uid:
            return f"card {uid} is already in use ({clash.status}, held by {clash.holder})"
        return (f"card {uid} shares its Wiegand-26 number ({wiegand26(low24)}) with card {clash.uid} of "
                f"{clash.holder}; a door reading Wiegand-26 could not tell them apart")

    async def put(self, *cards: Card) -> None:
        """Keep ``cards`` (in memory at once, durably when this returns; all or none)."""
        for card in cards:
            self._index(card)
        await self.store.write([Change(TABLE_CARDS, card.uid, card.as_doc()) for card in cards])

    def _index(self, card: Card) -> None:
        self._cards[card.uid] = card
        self._by_low24[low24_key(int(card.uid, 16))] = card.uid


def sheet_card(person: Person, uid: str) -> Card:
    """A card from the office's sheet as the centre sees it before acting on it."""
    return Card(uid, person.id, (DOOR, CONSUMPTION), STAFF if person.kind == STAFF else RESIDENT, source=SHEET)
