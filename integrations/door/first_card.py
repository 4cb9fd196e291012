"""First-card unlock: a door that stays unlocked for the day once someone trusted arrives.

A door with ``first_card_groups`` (a shop's street door, the property office) stays locked
until the first card of one of those groups is granted there; from then it is unlocked until
the end of the window of that group's schedule that let the card in (or the group's end of
validity, if sooner), when the hub locks it. Before that first card, and for everyone else's
cards, the door behaves as any other. Staff end it early with ``door.lock``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .const import UnlockSource

if TYPE_CHECKING:
    from xiaoqu.integrations.access.access import Access
    from xiaoqu.integrations.access.models import Decision

    from .entities import DoorEntity

#: The rule of a decision granted by an access group: ``group:<id>``.
_GROUP_RULE = "group:"


class FirstCard:
    def __init__(self, access: Access) -> None:
        self.access = access

    def until(self, door: DoorEntity, decision: Decision) -> float | None:
        """When the door's day unlock by this granted decision ends, or None when the
        decision does not start one (the door has none, or is unlocked for the day already)."""
        groups = door.settings.first_card_groups
        if not groups or door.status.unlock in (UnlockSource.FIRST_CARD, UnlockSource.EMERGENCY):
            return None
        group = decision.rule.removeprefix(_GROUP_RULE) if decision.rule.startswith(_GROUP_RULE) else None
        if group not in groups:
            return None
        return self.access.open_until(group, decision.at)
