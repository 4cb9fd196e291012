"""The rules of the decision, in the order they apply, each with its sentence and rule id.

0. a plate opens vehicle gates only (``door:kind``);
1. an erased person is let in nowhere (``person:erased``);
2. a restriction in force on the holder's card, plate, person or household, for the door's
   kind, denies (``restriction:<id>``, in the words its author gave);
3. an own credential (QR, PIN, temporary card) outside its validity denies
   (``credential:validity``);
4. the groups at the door that take the holder — by selector, or the groups a visitor's
   pass names — grant on the first whose validity and schedule let them in
   (``group:<id>``); if none does, the denial says which schedule or validity was not met
   (``schedule:<id>``, ``group:<id>:validity``), or that no group takes them (``group:none``).

Anti-passback, which needs the holder's history, is the caller's (``access.Access``).
"""
from __future__ import annotations

from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from .const import PLATE, VEHICLE
from .models import Door
from .resolve import Resolved

if TYPE_CHECKING:
    from .groups import Group, GroupIndex
    from .restrictions import RestrictionIndex
    from .schedules import Schedules

Verdict = tuple[bool, str, str]  # granted, reason, rule


def _when(at: float, tz: tzinfo) -> str:
    return f"{datetime.fromtimestamp(at, tz):%Y-%m-%d %H:%M}"


def decide(kind: str, resolved: Resolved, door: Door, at: float, groups: GroupIndex, schedules: Schedules,
           restrictions: RestrictionIndex) -> Verdict:
    holder = resolved.holder
    tz = schedules.calendar.tz
    if kind == PLATE and door.kind != VEHICLE:
        return False, f"denied: a plate opens vehicle gates; door {door.id} is a {door.kind} door", "door:kind"
    if holder.erased:
        return False, f"denied: person {holder.person} was erased", "person:erased"
    restriction = restrictions.first(resolved.keys, door.kind, at)
    if restriction is not None:
        return False, f"denied: {restriction.sentence(tz)}", f"restriction:{restriction.id}"
    own = resolved.own
    if own is not None and not own.valid_at(at):
        if own.valid_until is not None and at >= own.valid_until:
            return False, f"denied: {resolved.who} expired {_when(own.valid_until, tz)}", "credential:validity"
        assert own.valid_from is not None
        return False, f"denied: {resolved.who} is valid from {_when(own.valid_from, tz)}", "credential:validity"
    at_door = groups.at_door(door.id)
    if own is not None and own.groups:
        candidates = [g for g in at_door.all if g.id in own.groups]
    else:
        candidates = at_door.taking(holder)
    if not candidates:
        return False, f"denied: {resolved.who} is in no access group for door {door.id}", "group:none"
    day, minute = schedules.time.at(at)
    closed: Group | None = None
    for group in candidates:
        if not group.valid_at(at):
            continue
        schedule = schedules.by_id.get(group.schedule)
        if schedule is not None and schedules.open_at(schedule, day, minute):
            return True, f"granted: {resolved.who} by group {group.name} ({group.id}), schedule {schedule.name}", \
                f"group:{group.id}"
        closed = closed or group
    if closed is not None:
        schedule = schedules.by_id.get(closed.schedule)
        if schedule is None:
            return False, f"denied: group {closed.name} names schedule {closed.schedule}, which does not exist", \
                f"schedule:{closed.schedule}"
        return False, (f"denied: {resolved.who} at {datetime.fromtimestamp(at, tz):%H:%M} is outside "
                       f"{schedules.why_closed(schedule, day)} of group {closed.name}"), f"schedule:{schedule.id}"
    group = candidates[0]
    if group.valid_until is not None and at >= group.valid_until:
        return False, f"denied: group {group.name} ({group.id}) ended {_when(group.valid_until, tz)}", \
            f"group:{group.id}:validity"
    start = group.valid_from if group.valid_from is not None else at
    return False, f"denied: group {group.name} ({group.id}) starts {_when(start, tz)}", f"group:{group.id}:validity"
