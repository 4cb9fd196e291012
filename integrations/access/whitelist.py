"""What a door controller needs to decide alone while the hub is out of reach.

``Access.whitelist(doors, keys=None)`` answers, for the controller of ``doors``, and
``Access.whitelists({controller: doors}, keys=None)`` for many at once, from one walk over
the people and credentials (an estate's 500 controllers would otherwise walk 100,000
credentials 500 times)::

    {"schedules": {"residents": {"windows": [[0, "07:00", "22:00"], ...],   # weekday 0 = Monday
                                 "holiday_windows": [["09:00", "18:00"]],
                                 "make_up_windows": [["07:00", "22:00"]]}},
     "holidays": ["2026-10-01", ...],       # the next 60 days' public holidays
     "workdays": ["2026-10-10"],            # and make-up working days
     "digest_key": "<64 hex digits>",       # the key QR and PIN entries are digested with
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

from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.residents.cardnumber import CardNumberError, parse_card, wiegand26

from .const import CARD, PEDESTRIAN, VEHICLE, WHITELIST_DAYS
from .credentials import Credential
from .groups import DoorGroups, Group
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
class _Presented:
    """One credential a holder presents: the whitelist keys it is listed under (a card twice),
    what a restriction finds it by, and access's own record of it when it is one of those."""

    keys: tuple[str, ...]
    restriction_keys: tuple[Key, ...]
    own: Credential | None = None

    @property
    def vehicle_only(self) -> bool:
        """A plate opens vehicle gates only."""
        return self.keys[0].startswith("plate:")

    def ended(self, now: float) -> bool:
        return self.own is not None and self.own.valid_until is not None and self.own.valid_until <= now


@dataclass(frozen=True, slots=True)
class _Subject:
    """One holder and the credentials they present."""

    holder: Holder
    presented: tuple[_Presented, ...]


def _person_subject(access: Access, person: Person) -> _Subject:
    holder = person_holder(person)
    base: tuple[Key, ...] = (("person", person.id),) + ((("household", person.household),) if person.household else ())
    presented = [_Presented(tuple(sorted(card_strings(card))), (("card", int(card, 16) & 0xFFFFFF), *base))
                 for card in person.cards]
    if (face := face_key(access, person)) is not None:
        presented.append(_Presented((face,), base))
    for own in access.credentials.of_person(person.id):
        extra: tuple[Key, ...] = (("card", own.low24),) if own.low24 is not None else ()
        presented.append(_Presented(tuple(sorted(credential_keys(own))), (*extra, *base), own))
    return _Subject(holder, tuple(presented))


def _vehicle_subject(access: Access, vehicle: Vehicle) -> _Subject:
    person = access.residents.person(vehicle.person) if vehicle.person else None
    household = access.residents.household(vehicle.household)
    holder = person_holder(person) if person is not None else Holder(
        None, vehicle.household, household.building if household else None, household.unit if household else None,
        kind="resident")
    found: tuple[Key, ...] = (("plate", vehicle.plate), ("household", vehicle.household))
    if person is not None:
        found += (("person", person.id),)
    return _Subject(holder, (_Presented((f"plate:{vehicle.plate}",), found),))


def _visitor_subject(credential: Credential) -> _Subject:
    extra: tuple[Key, ...] = (("card", credential.low24),) if credential.low24 is not None else ()
    household: tuple[Key, ...] = (("household", credential.household),) if credential.household else ()
    return _Subject(Holder(None, credential.household),
                    (_Presented(tuple(sorted(credential_keys(credential))), (*extra, *household), credential),))


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
            elif (own := access.credentials.get(key)) is not None:
                yield _visitor_subject(own)
        elif kind == "face":
            person = residents.person_by_face(value)
            if person is not None:
                yield _person_subject(access, person)
        elif (own := access.credentials.get(key)) is not None:
            yield _person_or_visitor(access, own)


def _person_or_visitor(access: Access, credential: Credential) -> _Subject:
    person = access.residents.person(credential.person) if credential.person else None
    return _person_subject(access, person) if person is not None else _visitor_subject(credential)


@dataclass(frozen=True, slots=True)
class _Served:
    """What the controllers asked about serve: the groups in force naming any of their doors
    (indexed, so a holder's are found without trying each), the served doors each names,
    each door's kind and controllers. Worked out once a call, not once a credential."""

    groups: dict[str, Group]
    members: DoorGroups
    doors_of: dict[str, tuple[str, ...]]
    kinds: dict[str, str]
    controllers_of: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, access: Access, controllers: Mapping[str, Collection[str]], now: float) -> _Served:
        controllers_of: dict[str, list[str]] = {}
        for controller, doors in controllers.items():
            for door in doors:
                controllers_of.setdefault(door, []).append(controller)
        groups: dict[str, Group] = {}
        doors_of: dict[str, tuple[str, ...]] = {}
        for group in access.groups.by_id.values():
            if group.valid_until is not None and group.valid_until <= now:
                continue
            named = tuple(door for door in controllers_of if group.names_door(door))
            if named:
                groups[group.id], doors_of[group.id] = group, named
        kinds = {door: access.doors[door].kind if door in access.doors else PEDESTRIAN for door in controllers_of}
        return cls(groups, DoorGroups(groups.values()), doors_of, kinds,
                   {door: tuple(served) for door, served in controllers_of.items()})


@dataclass(frozen=True, slots=True)
class _Grant:
    """A door one credential opens: the schedule id a controller checks there (``a+b`` for
    the union of several), and the groups it opens through."""

    schedule: str
    groups: tuple[Group, ...]


def build(access: Access, controllers: Mapping[str, Collection[str]],
          keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Each controller's whitelist (``controllers``: its id → its doors), from one walk over
    the people and credentials: an estate's hundreds of controllers cost one pass, not one
    each. Entries are shared between the keys (and the credentials) that have the same one on
    a controller: read them, never change them."""
    now = access.hub.clock.time()
    served = _Served.of(access, controllers, now)
    wanted = None if keys is None else set(keys)
    entries: dict[str, dict[str, dict[str, Any]]] = {controller: {} for controller in controllers}
    used: dict[str, set[str]] = {controller: set() for controller in controllers}
    subjects = _every_subject(access) if wanted is None else _subjects_of(access, wanted)
    for subject in subjects if served.groups else ():
        if subject.holder.erased:
            continue
        for listed, reached in _subject_entries(access, served, subject, wanted, now):
            for controller, entry in reached.items():
                entries[controller].update(dict.fromkeys(listed, entry))
                used[controller].update(entry["doors"].values())
    today = datetime.fromtimestamp(now, access.tz).date()
    holidays, workdays = access.schedules.calendar_days(today, WHITELIST_DAYS)
    schedules = {sid: _schedule(access, sid.split("+")) for sid in set[str]().union(*used.values())}
    digest_key = access.site_key.credentials_hex
    return {controller: {"schedules": {sid: schedules[sid] for sid in sorted(used[controller])},
                         "holidays": list(holidays), "workdays": list(workdays), "digest_key": digest_key,
                         "entries": entries[controller]}
            for controller in controllers}


def _subject_entries(access: Access, served: _Served, subject: _Subject, wanted: set[str] | None,
                     now: float) -> Iterator[tuple[tuple[str, ...], dict[str, dict[str, Any]]]]:
    """Each credential of ``subject`` asked about and in force: the keys it is listed under,
    and its entry on each controller it reaches. The holder's groups are found once for all
    their credentials, and credentials that reach the same doors alike (a person's cards and
    face) share one entry per controller."""
    taking: list[Group] | None = None
    shared: dict[tuple[Any, ...], dict[str, dict[str, Any]]] = {}
    for presented in subject.presented:
        if (wanted is not None and wanted.isdisjoint(presented.keys)) or presented.ended(now):
            continue
        own = presented.own
        if own is not None and own.groups:
            groups = [served.groups[g] for g in dict.fromkeys(own.groups) if g in served.groups]
        else:
            taking = served.members.taking(subject.holder) if taking is None else taking
            groups = taking
        restricted = frozenset(kind for kind in set(served.kinds.values())
                               if access.restrictions.first(presented.restriction_keys, kind, now) is not None)
        alike = (tuple(g.id for g in groups), restricted, presented.vehicle_only, None if own is None else own.key)
        if alike not in shared:
            opened = _doors_opened(served, groups, restricted, presented.vehicle_only)
            shared[alike] = {controller: _entry(subject.holder, own, doors)
                             for controller, doors in _split(served, opened).items()}
        if shared[alike]:
            yield (presented.keys if wanted is None else tuple(k for k in presented.keys if k in wanted)), shared[alike]


def _doors_opened(served: _Served, groups: Iterable[Group], restricted: Collection[str],
                  vehicle_only: bool) -> dict[str, _Grant]:
    """The served doors ``groups`` name that a credential opens: none of a kind a restriction
    on it covers, and for a plate only vehicle gates."""
    through: dict[str, list[Group]] = {}
    for group in groups:
        for door in served.doors_of[group.id]:
            through.setdefault(door, []).append(group)
    opened: dict[str, _Grant] = {}
    for door, door_groups in through.items():
        kind = served.kinds[door]
        if kind not in restricted and (kind == VEHICLE or not vehicle_only):
            opened[door] = _Grant("+".join(sorted({g.schedule for g in door_groups})), tuple(door_groups))
    return opened


def _split(served: _Served, opened: Mapping[str, _Grant]) -> dict[str, dict[str, _Grant]]:
    """The doors opened, by the controller serving each."""
    split: dict[str, dict[str, _Grant]] = {}
    for door, grant in opened.items():
        for controller in served.controllers_of[door]:
            split.setdefault(controller, {})[door] = grant
    return split


def _entry(holder: Holder, own: Credential | None, doors: Mapping[str, _Grant]) -> dict[str, Any]:
    """A credential's entry on one controller: valid while one of the groups opening its doors
    there is (and the credential itself)."""
    granting = {g.id: g for grant in doors.values() for g in grant.groups}.values()
    starts = [g.valid_from for g in granting]
    ends = [g.valid_until for g in granting]
    start = None if None in starts else min(s for s in starts if s is not None)
    end = None if None in ends else max(e for e in ends if e is not None)
    if own is not None:
        start = own.valid_from if start is None else max(start, own.valid_from or start)
        end = own.valid_until if end is None else min(end, own.valid_until or end)
    return {"doors": {door: grant.schedule for door, grant in doors.items()}, "from": start, "until": end,
            "person": holder.person, "household": holder.household}


def _schedule(access: Access, parts: Iterable[str]) -> dict[str, Any]:
    """One schedule's windows, or the union of several (a door reached through groups on each)."""
    weekend = access.schedules.calendar.weekend
    merged: dict[str, list[Any]] = {"windows": [], "holiday_windows": [], "make_up_windows": []}
    for part in parts:
        for field, windows in access.schedules.by_id[part].as_whitelist(weekend).items():
            merged[field] += [w for w in windows if w not in merged[field]]
    return {field: sorted(windows) for field, windows in merged.items()}
