"""First-card unlock: a door that stays unlocked for the day once someone trusted arrives.

A door with ``first_card_groups`` (a shop's street door, the property office) stays locked
until the first card of one of those groups is granted there; from then it is unlocked until
the end of the window of that group's schedule that let the card in (or the group's end of
validity, if sooner), when the hub locks it. Before that first card, and for everyone else's
cards, the door behaves as any other. Staff end it early with ``door.lock``.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
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
        return self.window_end(group, decision.at)

    def window_end(self, group_id: str, at: float) -> float | None:
        """The end of the window of ``group_id``'s schedule that holds ``at``, or None."""
        group = self.access.groups.by_id.get(group_id)
        schedules = self.access.schedules
        schedule = schedules.by_id.get(group.schedule) if group is not None else None
        if group is None or schedule is None:
            return None
        day, minute = schedules.time.at(at)
        for start, end in schedule.windows(schedules.kind(day), schedules.calendar.weekend):
            if start <= minute < end:
                ends = (datetime.combine(day, time(), schedules.calendar.tz) + timedelta(minutes=end)).timestamp()
                return ends if group.valid_until is None else min(ends, group.valid_until)
        return None
