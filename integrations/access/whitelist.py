"""What a door controller needs to decide alone while the hub is out of reach.

``Access.whitelist(doors, keys=None)`` answers, for the controller of ``doors``::

    {"schedules": {"residents": {"windows": [[0, "07:00", "22:00"], ...],   # weekday 0 = Monday
                                 "holiday_windows": [["09:00", "18:00"]],
                                 "make_up_windows": [["07:00", "22:00"]]}},
     "holidays": ["2026-10-01", ...],       # the next 60 days' public holidays
     "workdays": ["2026-10-10"],            # and make-up working days
     "entries": {"card:04A2B3C4": {"doors": {"b1_east": "residents"}, "from": null,
                                   "until": 1798732800.0, "person": "P000123",
                                   "household": "1-2-0601"},
                 "w26:162,45764": {...the same...}, "plate:沪A12345": {...}, "qr:<sha256>": {...}}}

A controller decides as ``check`` does: on a public holiday it uses ``holiday_windows``, on a
make-up working day ``make_up_windows``, else the weekday's ``windows``. A door reached
through groups on different schedules gets a schedule of their union (id ``a+b``). A
credential under a restriction covering a door's kind, an erased person's, and one whose
groups have ended are absent, and a plate is listed for vehicle gates only; with ``keys``
given, only those keys are answered, and a key absent from ``entries`` is to be removed.
Cards are listed under their UID and under their Wiegand-26 pair, for controllers that
read Wiegand; faces under the face id a terminal reports (residents opens the sealed id).
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.residents.cardnumber import CardNumberError, parse_card, wiegand26

from .const import CARD, PEDESTRIAN, VEHICLE, WHITELIST_DAYS
from .credentials import Credential
from .groups import Group
from .models import Holder
from .resolve import person_holder
from .restrictions import Key

if TYPE_CHECKING:
    from xiaoqu.integrations.residents.models import Person, Vehicle

    from .access import Access


def card_strings(uid_hex: str) -> set[str]:
    """``card:04A2B3C4`` and ``w26:162,45764``: the keys one card is listed under."""
    return {f"card:{uid_hex}", f"w26:{wiegand26(int(uid_hex, 16) & 0xFFFFFF)}"}


def credential_keys(credential: Credential) -> set[str]:
    return card_strings(credential.key.split(":", 1)[1]) if credential.type == CARD else {credential.key}


def face_key(access: Access, person: Person) -> str | None:
    face = access.residents.opened(person, "face_id")
    return None if face is None else f"face:{face}"


def person_keys(access: Access, person: Person) -> set[str]:
    keys = {key for card in person.cards for key in card_strings(card)}
    if (face := face_key(access, person)) is not None:
        keys.add(face)
    for credential in access.credentials.of_person(person.id):
        keys |= credential_keys(credential)
    return keys


def household_keys(access: Access, household: str) -> set[str]:
    residents = access.residents
    keys = {f"plate:{v.plate}" for v in residents.vehicles_of(household)}
    for person in residents.persons_of(household):
        keys |= person_keys(access, person)
    for credential in access.credentials:
        if credential.household == household and credential.person is None:
            keys |= credential_keys(credential)
    return keys


def card_keys(access: Access, low24: int) -> set[str]:
    person = access.residents.person_by_low24(low24)
    cards = [c for c in person.cards if int(c, 16) & 0xFFFFFF == low24] if person is not None else []
    own = access.credentials.by_low24.get(low24)
    if own is not None:
        cards.append(own.key.split(":", 1)[1])
    return {f"w26:{wiegand26(low24)}"} | {key for card in cards for key in card_strings(card)}


@dataclass(frozen=True, slots=True)
class _Subject:
    """One holder and the whitelist keys they present, with what a restriction is looked up by."""

    holder: Holder
    keys: tuple[tuple[str, tuple[Key, ...], Credential | None], ...]


def _person_subject(access: Access, person: Person) -> _Subject:
    holder = person_holder(person)
    base: tuple[Key, ...] = (("person", person.id),) + ((("household", person.household),) if person.household else ())
    keys: list[tuple[str, tuple[Key, ...], Credential | None]] = []
    for card in person.cards:
        low24 = int(card, 16) & 0xFFFFFF
        keys += [(key, (("card", low24), *base), None) for key in sorted(card_strings(card))]
    if (face := face_key(access, person)) is not None:
        keys.append((face, base, None))
    for own in access.credentials.of_person(person.id):
        extra: tuple[Key, ...] = (("card", own.low24),) if own.low24 is not None else ()
        keys += [(key, (*extra, *base), own) for key in sorted(credential_keys(own))]
    return _Subject(holder, tuple(keys))


def _vehicle_subject(access: Access, vehicle: Vehicle) -> _Subject:
    person = access.residents.person(vehicle.person) if vehicle.person else None
    household = access.residents.household(vehicle.household)
    holder = person_holder(person) if person is not None else Holder(
        None, vehicle.household, household.building if household else None, household.unit if household else None,
        kind="resident")
    found: tuple[Key, ...] = (("plate", vehicle.plate), ("household", vehicle.household))
    if person is not None:
        found += (("person", person.id),)
    return _Subject(holder, ((f"plate:{vehicle.plate}", found, None),))


def _visitor_subject(credential: Credential) -> _Subject:
    extra: tuple[Key, ...] = (("card", credential.low24),) if credential.low24 is not None else ()
    household: tuple[Key, ...] = (("household", credential.household),) if credential.household else ()
    return _Subject(Holder(None, credential.household),
                    tuple((key, (*extra, *household), credential) for key in sorted(credential_keys(credential))))


def _every_subject(access: Access) -> Iterator[_Subject]:
    residents = access.residents
    for person in residents.persons():
        yield _person_subject(access, person)
    for vehicle in residents.vehicles():
        yield _vehicle_subject(access, vehicle)
    for credential in access.credentials:
        if credential.person is None:
            yield _visitor_subject(credential)


def _subjects_of(access: Access, keys: Iterable[str]) -> Iterator[_Subject]:
    residents = access.residents
    for key in keys:
        kind, _, value = key.partition(":")
        if kind in ("card", "w26"):
            try:
                read = parse_card(value, "wiegand26" if kind == "w26" else "hex")
            except CardNumberError:
                continue
            person = residents.person_by_uid(read.uid) if read.uid is not None else residents.person_by_low24(read.low24)
            if person is not None:
                yield _person_subject(access, person)
            elif (own := access.credentials.by_low24.get(read.low24)) is not None:
                yield _person_or_visitor(access, own)
        elif kind == "plate":
            vehicle = residents.vehicle(value)
            if vehicle is not None:
                yield _vehicle_subject(access, vehicle)
        elif kind == "face":
            person = residents.person_by_face(value)
            if person is not None:
                yield _person_subject(access, person)
        elif (own := access.credentials.get(key)) is not None:
            yield _person_or_visitor(access, own)


def _person_or_visitor(access: Access, credential: Credential) -> _Subject:
    person = access.residents.person(credential.person) if credential.person else None
    return _person_subject(access, person) if person is not None else _visitor_subject(credential)


def build(access: Access, doors: Collection[str], keys: Iterable[str] | None = None) -> dict[str, Any]:
    now = access.hub.clock.time()
    groups = [g for g in access.groups.by_id.values() if g.valid_until is None or g.valid_until > now]
    at_door = {door: [g for g in groups if g.names_door(door)] for door in doors}
    relevant = {g.id: g for door_groups in at_door.values() for g in door_groups}
    wanted = None if keys is None else set(keys)
    subjects = _every_subject(access) if wanted is None else _subjects_of(access, wanted)
    entries: dict[str, dict[str, Any]] = {}
    used: dict[str, list[str]] = {}
    for subject in subjects if relevant else ():
        if subject.holder.erased:
            continue
        for key, restriction_keys, own in subject.keys:
            if wanted is not None and key not in wanted:
                continue
            entry = _entry(access, key, subject.holder, restriction_keys, own, at_door, relevant, now, used)
            if entry is not None:
                entries[key] = entry
    today = datetime.fromtimestamp(now, access.tz).date()
    holidays, workdays = access.schedules.calendar_days(today, WHITELIST_DAYS)
    return {"schedules": {sid: _schedule(access, parts) for sid, parts in used.items()},
            "holidays": holidays, "workdays": workdays, "entries": entries}


def _entry(access: Access, key: str, holder: Holder, restriction_keys: tuple[Key, ...], own: Credential | None,
           at_door: dict[str, list[Group]], relevant: dict[str, Group], now: float,
           used: dict[str, list[str]]) -> dict[str, Any] | None:
    if own is not None and own.valid_until is not None and own.valid_until <= now:
        return None
    if own is not None and own.groups:
        mine = {g for g in own.groups if g in relevant}
    else:
        mine = {g.id for g in relevant.values() if g.members.matches(holder)}
    if not mine:
        return None
    doors: dict[str, str] = {}
    granting: set[str] = set()
    for door, door_groups in at_door.items():
        through = sorted({g.schedule for g in door_groups if g.id in mine})
        if not through:
            continue
        kind = access.doors[door].kind if door in access.doors else PEDESTRIAN
        if key.startswith("plate:") and kind != VEHICLE:
            continue
        if access.restrictions.first(restriction_keys, kind, now) is not None:
            continue
        schedule_id = "+".join(through)
        used.setdefault(schedule_id, through)
        doors[door] = schedule_id
        granting |= {g.id for g in door_groups if g.id in mine}
    if not doors:
        return None
    starts = [relevant[g].valid_from for g in granting]
    ends = [relevant[g].valid_until for g in granting]
    start = None if None in starts else min(s for s in starts if s is not None)
    end = None if None in ends else max(e for e in ends if e is not None)
    if own is not None:
        start = own.valid_from if start is None else max(start, own.valid_from or start)
        end = own.valid_until if end is None else min(end, own.valid_until or end)
    return {"doors": doors, "from": start, "until": end, "person": holder.person, "household": holder.household}


def _schedule(access: Access, parts: list[str]) -> dict[str, Any]:
    """One schedule's windows, or the union of several (a door reached through groups on each)."""
    weekend = access.schedules.calendar.weekend
    merged: dict[str, list[Any]] = {"windows": [], "holiday_windows": [], "make_up_windows": []}
    for part in parts:
        for field, windows in access.schedules.by_id[part].as_whitelist(weekend).items():
            merged[field] += [w for w in windows if w not in merged[field]]
    return {field: sorted(windows) for field, windows in merged.items()}
