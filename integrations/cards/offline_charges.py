"""Charges a terminal made while it could not reach the hub, and the ones the office must settle.

A terminal that was offline uploads its charges later (``pos/<id>/upload``, or a charge with
``offline: true`` and its original ``ts``). The goods were handed over then, so an upload is
never refused: each is applied once (its transaction id is the one its online charge would
have had), in the order of its ``ts``, against the card's balance as it stands when applied.
One the card cannot pay now — it would overdraw, or the card is unknown, not active or not for
consumption — is *flagged*: kept here (``<data dir>/cards_pos.db``), announced by an event,
listed by ``cards.offline_flagged`` and open until the office settles it (charged to the card
after a recharge, or waived with a reason). ``cards.return`` refuses a card while it has an
open one (:meth:`FlaggedCharges.unsettled`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

from xiaoqu.core.rowstore import RowStore

TABLE: Final = "offline_flagged"
OPEN: Final = "open"
SETTLED: Final = "settled"  # charged to the card later
WAIVED: Final = "waived"  # the office let it go, with a reason
#: How the office settles one (``cards.settle_offline``'s ``method``).
METHOD_CARD: Final = "card"  # charge it to the card now
METHOD_WAIVE: Final = "waive"  # let it go, with a reason
SETTLE_METHODS: Final = (METHOD_CARD, METHOD_WAIVE)


@dataclass(slots=True)
class FlaggedCharge:
    """An offline charge the card could not pay when it was uploaded."""

    transaction_id: str
    terminal: str
    request_id: str
    card: str  # the canonical UID, or what the terminal sent when no card matched
    amount_fen: int  # what the card owes (its discount applied)
    list_fen: int
    ts: float  # when the terminal made the sale
    reason: str
    rule: str
    flagged_at: float
    status: str = OPEN
    settled_at: float | None = None
    settled_by: str | None = None
    note: str | None = None

    def view(self) -> dict[str, Any]:
        return asdict(self)


class FlaggedCharges:
    """The flagged offline charges, durable, held in memory for the terminals' repeats."""

    def __init__(self, path: Path) -> None:
        self._store = RowStore(path, [TABLE])
        self._charges: dict[str, FlaggedCharge] = {}

    async def open(self) -> None:
        await self._store.open()
        self._charges = {key: FlaggedCharge(**doc) for key, doc in await self._store.load(TABLE)}

    async def close(self) -> None:
        await self._store.close()

    def get(self, transaction_id: str) -> FlaggedCharge | None:
        return self._charges.get(transaction_id)

    async def flag(self, charge: FlaggedCharge) -> None:
        """Keep ``charge``; durable when this returns (the terminal is told only then)."""
        await self._store.put(TABLE, charge.transaction_id, charge.view())
        self._charges[charge.transaction_id] = charge

    async def close_charge(self, charge: FlaggedCharge, status: str, at: float, by: str | None, note: str | None) -> None:
        charge.status, charge.settled_at, charge.settled_by, charge.note = status, at, by, note
        await self._store.put(TABLE, charge.transaction_id, charge.view())

    def listed(self, card: str | None = None, *, open_only: bool = True) -> list[FlaggedCharge]:
        """Flagged charges (of ``card``), oldest sale first."""
        found = [charge for charge in self._charges.values()
                 if (card is None or charge.card == card) and (not open_only or charge.status == OPEN)]
        return sorted(found, key=lambda charge: (charge.ts, charge.transaction_id))

    def unsettled(self, card: str) -> list[FlaggedCharge]:
        """The card's open flagged charges: while there is one, the card cannot be returned."""
        return self.listed(card)
