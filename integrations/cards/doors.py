"""A card's door rights, through access, so every reader and offline controller sees them.

A card the centre issues is access's own credential (type ``card``) bound to its holder: the
decision finds the person from it, and the credential's validity and groups apply. Its
``access_groups`` *replace* the holder's groups (access's rule for an own credential that names
groups); with none, the holder's own groups, by selector, apply. Access tells the offline
controllers of every change (:meth:`~xiaoqu.integrations.access.Access.listen`) at once.

A card from the office's sheet is residents' and opens what its holder's groups open; a loss
report blocks it all the same, with a restriction on the card.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Final

from .const import SHEET
from .models import Card

if TYPE_CHECKING:
    from xiaoqu.integrations.access import Access
    from xiaoqu.integrations.access.credentials import Credential

#: The words of the restrictions the centre sets, as a refusal shows them:
#: ``denied: card 04A2**** reported lost 2026-03-02 by 王芳``.
LOST_REASON: Final = "reported lost"
RETURNED_REASON: Final = "returned to the card centre"


class DoorRights:
    """Access's credential and restrictions for each card."""

    def __init__(self, access: Access) -> None:
        self.access = access

    def credential(self, card: Card) -> Credential | None:
        return self.access.credentials.get(f"card:{card.uid}")

    def check_groups(self, groups: tuple[str, ...]) -> str | None:
        """Why ``groups`` cannot be given (a group access does not have), or None."""
        unknown = [group for group in groups if group not in self.access.groups.by_id]
        return None if not unknown else f"there is no access group {', '.join(unknown)}"

    def clash(self, uid: str) -> str | None:
        """Why access would refuse ``uid`` as a new card (a temporary card of its own shares its
        number), or None."""
        own = self.access.credentials.by_low24.get(int(uid, 16) & 0xFFFFFF)
        if own is None:
            return None
        return f"card {uid} clashes with {own.masked}, a card access issued to {own.person or own.label or 'a visitor'}"

    async def grant(self, card: Card, by: str) -> None:
        """Make an issued card open what it should (nothing, when it does not serve doors)."""
        if card.source == SHEET or not card.opens_doors:
            return
        tz = self.access.tz
        await self.access.add_credential({
            "type": "card", "card": card.uid, "person": card.holder, "groups": list(card.access_groups),
            "valid_from": None if card.valid_from is None else datetime.fromtimestamp(card.valid_from, tz),
            "valid_until": None if card.valid_to is None else datetime.fromtimestamp(card.valid_to, tz),
        }, by)

    async def update(self, card: Card, by: str) -> None:
        """Bring access's credential in line with ``card`` in one step."""
        current = self.credential(card)
        if current is None:
            await self.grant(card, by)
        elif not card.opens_doors:
            await self.access.remove_credential(current)
        else:
            await self.access.replace_credential(replace(
                current, groups=card.access_groups, valid_from=card.valid_from, valid_until=card.valid_to))

    async def revoke(self, card: Card, by: str) -> None:
        """The card opens nothing any more: its credential goes; a sheet card is blocked."""
        current = self.credential(card)
        if current is not None:
            await self.access.remove_credential(current)
        elif card.source == SHEET:
            await self.access.restrict("card", card.uid, scope="all", reason=RETURNED_REASON, kind="staff", by=by)

    async def block(self, card: Card, by: str) -> str:
        """Refuse the card at every door at once (a restriction of kind lost); its id."""
        restriction = await self.access.restrict("card", card.uid, scope="all", reason=LOST_REASON, kind="lost", by=by)
        return restriction.id

    async def unblock(self, card: Card) -> None:
        if card.restriction is not None and card.restriction in self.access.restrictions.by_id:
            await self.access.lift(card.restriction)
