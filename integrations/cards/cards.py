"""``Cards``: the card centre of a hub — its records, its stored value, door rights and history.

What the POS and the reports build on: :meth:`Cards.card` (any form a reader sends),
:meth:`Cards.balance`, :meth:`Cards.refusal` (why a card may not pay now), the :class:`Wallet`
for postings, :meth:`Cards.balance_moved` after a debit (the low-balance reminder) and
:meth:`Cards.add_unsettled_check` (a card with an unsettled offline charge cannot be returned).
The acts themselves are in :mod:`.lifecycle` and :mod:`.stored_value`.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from xiaoqu.core.masking import mask_card

from .const import CONSUMPTION, EVENT_LOW_BALANCE, LOST, RETIRED, SHEET
from .doors import DoorRights
from .errors import CardError
from .history import History
from .models import Card
from .registry import CardRegistry
from .wallet import Wallet

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.residents import Residents

#: A check a POS registers: why card ``uid`` may not be returned now (an offline charge not yet
#: settled), or None.
UnsettledCheck = Callable[[str], "str | None"]


class Cards:
    """One per hub (``get_cards(hub)``)."""

    def __init__(self, hub: Hub, registry: CardRegistry, wallet: Wallet, doors: DoorRights,
                 residents: Residents, config: dict[str, Any]) -> None:
        self.hub = hub
        self.tz: tzinfo = hub.clock.tz
        self.registry = registry
        self.wallet = wallet
        self.doors = doors
        self.residents = residents
        self.history = History(hub)
        self.config = config
        self._unsettled: list[UnsettledCheck] = []

    # --- finding cards ----------------------------------------------------------------------

    def card(self, value: str) -> Card:
        """The card ``value`` names in any form a reader sends; :class:`CardError` if none."""
        return self.registry.card(value)

    def live(self, value: str) -> Card:
        """:meth:`card`, refused when it is retired (returned, or replaced by a reissue)."""
        card = self.card(value)
        if card.status == RETIRED:
            raise CardError(f"card {card.uid} was retired {self.day(card.retired_at)}"
                            + (f" and replaced by card {card.replaced_by}" if card.replaced_by else ""))
        return card

    def balance(self, value: str) -> int:
        """The balance in fen of the card ``value`` names."""
        return self.wallet.balance(self.card(value).uid)

    def refusal(self, card: Card, at: float | None = None) -> str | None:
        """Why ``card`` may not pay now (lost, retired, expired, not yet valid, not a paying card),
        in words a terminal shows; None when it may."""
        at = self.hub.clock.time() if at is None else at
        if card.status == LOST:
            restriction = self.doors.access.restrictions.by_id.get(card.restriction or "")
            return restriction.sentence(self.tz) if restriction is not None else f"card {mask_card(card.uid)} reported lost"
        if card.status == RETIRED:
            return f"card {mask_card(card.uid)} was retired {self.day(card.retired_at)}"
        if CONSUMPTION not in card.subsystems:
            return f"card {mask_card(card.uid)} does not serve consumption"
        if card.valid_to is not None and at >= card.valid_to:
            return f"card {mask_card(card.uid)} expired {self.day(card.valid_to)}"
        if card.valid_from is not None and at < card.valid_from:
            return f"card {mask_card(card.uid)} is valid from {self.day(card.valid_from)}"
        return None

    def day(self, at: float | None) -> str:
        return "" if at is None else f"{datetime.fromtimestamp(at, self.tz):%Y-%m-%d}"

    async def keep(self, *cards: Card) -> None:
        """Write card records; a sheet card is recorded the first time it changes."""
        await self.registry.put(*cards)

    async def recorded(self, card: Card) -> Card:
        """``card``, stored if it is a sheet card not yet recorded (the centre acts on it now)."""
        if card.source == SHEET and self.registry.stored(card.uid) is None:
            await self.keep(card)
        return card

    # --- money hooks for the POS --------------------------------------------------------------

    def add_unsettled_check(self, check: UnsettledCheck) -> Callable[[], None]:
        """Have ``check(uid)`` asked before a card is returned; returns the removal."""
        self._unsettled.append(check)
        return lambda: self._unsettled.remove(check) if check in self._unsettled else None

    def unsettled(self, uid: str) -> str | None:
        """Why card ``uid`` has money not yet settled (an offline charge), or None."""
        return next((reason for check in self._unsettled if (reason := check(uid)) is not None), None)

    def balance_moved(self, card: Card, before: int, after: int, context: Context | None = None) -> None:
        """After a debit: fire ``cards_low_balance`` when it took the card below the threshold."""
        threshold = self.config["low_balance_fen"]
        if threshold and before >= threshold > after:
            self.hub.bus.fire(EVENT_LOW_BALANCE, {"card": card.uid, "person": card.holder, "balance_fen": after,
                                                  "threshold_fen": threshold}, context=context)
