"""The residents registry: every household, person and vehicle in memory, looked up in one
dict hit, changed one row at a time.

Reads are synchronous and answer from dicts kept beside the records (by card UID, by the
low 24 bits a Wiegand-26 reader sees, by face id, by plate, by household, by user), so the
door's decision costs microseconds at 100,000 cards. Writes are ``async``: each is checked
against everything in memory, staged in a :class:`~.changes.Batch`, made durable as one
RowStore transaction (only the changed rows), audited when a person made it, and then
handed to the listeners (:meth:`Residents.listen`).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from xiaoqu.core.errors import HubError, Unauthorized
from xiaoqu.core.rowstore import Change
from xiaoqu.core.validation import vol

from . import schema
from .audit import Auditor, Who
from .cardnumber import low24_key, parse_card, wiegand26
from .changes import Batch
from .const import (
    AUDIT_CHANGED,
    AUDIT_ERASED,
    AUDIT_REVEALED,
    KIND_RESIDENT,
    KIND_STAFF,
    PERSONAL_FIELDS,
    TABLE_CONSENTS,
)
from .crypto import Vault, load_keys
from .models import Assessment, Consent, Household, Person, ResidentsChange, Training, Vehicle
from .personal import Personal, Sealed, mask
from .store import Loaded, ResidentsStore

_LOGGER = logging.getLogger(__package__)

Listener = Callable[[ResidentsChange], None]
#: How many changes an import stages before it writes them: turning them into rows runs on the
#: loop (a few milliseconds per 500), and each write is one transaction.
FLUSH_EVERY = 500


class ResidentsError(HubError, ValueError):
    """A change refused; the message names the field or the record and says why."""


def checked(validator: Callable[[Any], Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` through a schema, or ResidentsError naming each wrong field."""
    try:
        result: dict[str, Any] = validator(dict(data))
    except vol.Invalid as err:
        raise ResidentsError(schema.explain(err)) from None
    return result


class Residents:
    """Households, persons, vehicles and consents of one site (``get_residents(hub)``)."""

    def __init__(self, store: ResidentsStore, vault: Vault, auditor: Auditor, clock: Callable[[], float]) -> None:
        self._store = store
        self._vault = vault
        self._auditor = auditor
        self._clock = clock
        self._households: dict[str, Household] = {}
        self._persons: dict[str, Person] = {}
        self._vehicles: dict[str, Vehicle] = {}
        self._consents: dict[str, Consent] = {}
        self._members: dict[str, dict[str, None]] = {}  # household -> person ids, in order added
        self._cars: dict[str, dict[str, None]] = {}  # household -> plates
        self._consents_of: dict[str, list[str]] = {}
        self._by_uid: dict[int, str] = {}
        self._by_low24: dict[int, str] = {}
        self._by_face: dict[str, str] = {}
        self._face_of: dict[str, str] = {}  # person id -> face id, to unindex without decrypting
        self._face_hint: dict[str, str] = {}  # sealed token -> face id, for a face sealed just now
        self._by_user: dict[str, str] = {}
        self._by_name: dict[tuple[str | None, str], str] = {}
        self._next_number = 1
        self._lock = asyncio.Lock()
        self._listeners: list[Listener] = []

    @classmethod
    async def open(cls, store: ResidentsStore, vault: Vault, auditor: Auditor,
                   clock: Callable[[], float]) -> Residents:
        loaded = await store.open()
        residents = cls(store, vault, auditor, clock)
        residents._load(loaded)
        return residents

    async def close(self) -> None:
        async with self._lock:
            await self._store.close()

    def _load(self, loaded: Loaded) -> None:
        for household in loaded.households:
            self._apply(ResidentsChange("household", household.id, None, household))
        for person in loaded.persons:
            self._apply(ResidentsChange("person", person.id, None, person))
        for vehicle in loaded.vehicles:
            self._apply(ResidentsChange("vehicle", vehicle.plate, None, vehicle))
        for consent in loaded.consents:
            self._add_consent(consent)

    # --- reads ----------------------------------------------------------------------------

    def household(self, household_id: str) -> Household | None:
        return self._households.get(household_id)

    def households(self) -> Iterable[Household]:
        return self._households.values()

    def person(self, person_id: str) -> Person | None:
        return self._persons.get(person_id)

    def persons(self) -> Iterable[Person]:
        return self._persons.values()

    def persons_of(self, household_id: str) -> list[Person]:
        return [self._persons[pid] for pid in self._members.get(household_id, ())]

    def person_by_uid(self, uid: int) -> Person | None:
        """The person holding the card with this full 32-bit UID."""
        pid = self._by_uid.get(uid)
        return None if pid is None else self._persons[pid]

    def person_by_low24(self, low24: int) -> Person | None:
        """The person whose card has these low 24 bits (a Wiegand-26 read); at most one may."""
        pid = self._by_low24.get(low24)
        return None if pid is None else self._persons[pid]

    def person_by_card(self, value: str, form: str | None = None) -> Person | None:
        """The person holding the card ``value`` names in any form (raises CardNumberError)."""
        read = parse_card(value, form)
        return self.person_by_low24(read.low24) if read.uid is None else self.person_by_uid(read.uid)

    def person_by_face(self, face_id: str) -> Person | None:
        pid = self._by_face.get(face_id)
        return None if pid is None else self._persons[pid]

    def person_for_user(self, user_name: str) -> Person | None:
        pid = self._by_user.get(user_name)
        return None if pid is None else self._persons[pid]

    def person_named(self, household_id: str | None, name: str) -> Person | None:
        """The person called ``name`` in a household (or among staff, for ``None``)."""
        pid = self._by_name.get((household_id, name))
        return None if pid is None else self._persons[pid]

    def vehicle(self, plate: str) -> Vehicle | None:
        """The vehicle with this plate; the plate may be written with spaces or a dot."""
        found = self._vehicles.get(plate)
        if found is None:
            try:
                found = self._vehicles.get(schema.plate(plate))
            except vol.Invalid:
                return None
        return found

    def vehicles(self) -> Iterable[Vehicle]:
        return self._vehicles.values()

    def vehicles_of(self, household_id: str) -> list[Vehicle]:
        return [self._vehicles[plate] for plate in self._cars.get(household_id, ())]

    def consents_of(self, person_id: str) -> list[Consent]:
        return [self._consents[cid] for cid in self._consents_of.get(person_id, ())]

    def reveal(self, person_id: str, field: str, who: Who) -> str:
        """A personal value in clear; audited as ``who``'s read. Raises Unauthorized for a user
        without ``residents.reveal``, ResidentsError when there is nothing to reveal."""
        if field not in PERSONAL_FIELDS:
            raise ResidentsError(f"field: expected one of {', '.join(PERSONAL_FIELDS)}, not {field!r}")
        try:
            self._auditor.check_reveal(who)
        except Unauthorized:
            self._auditor.record(f"{AUDIT_REVEALED}_denied", who, person=person_id, field=field)
            raise
        person = self._get_person(person_id)
        sealed = person.sealed(field)
        if sealed is None:
            raise ResidentsError(f"{person_id} has no {field} on record")
        value = self._vault.open(sealed)
        self._auditor.record(AUDIT_REVEALED, who, person=person_id, field=field)
        return value

    def opened(self, person: Person, field: str) -> str | None:
        """A personal value in clear for the code that exports it; the caller audits the export."""
        sealed = person.sealed(field)
        return None if sealed is None else self._vault.open(sealed)

    def seal(self, value: Personal) -> Sealed:
        """Personal data another integration keeps of people who are not on the sheet (a
        visitor's name and phone), sealed under the site's key as residents' own, so a site keeps
        one key in secrets.yaml. Shown as ``value.masked``. ``rotate_key`` re-seals residents'
        records only: keep an old key listed until the other integration's records sealed with
        it are gone."""
        return self._vault.seal(value.field, value.value, value.masked)

    def unseal(self, sealed: Sealed) -> str:
        """What :meth:`seal` sealed, in clear, for the caller to show to someone allowed and audit
        (VaultError when no configured key opens it: a key dropped too soon)."""
        return self._vault.open(sealed)

    # --- the change feed ------------------------------------------------------------------

    def listen(self, callback: Listener) -> Callable[[], None]:
        """Call ``callback(change)`` on the loop after each change is durable; returns the unsubscribe."""
        self._listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._listeners:
                self._listeners.remove(callback)

        return unsubscribe

    def _notify(self, changes: list[ResidentsChange]) -> None:
        listeners = tuple(self._listeners)
        for change in changes:
            for listener in listeners:
                try:
                    listener(change)
                except Exception:
                    _LOGGER.exception("A residents listener failed on %s %s", change.kind, change.id)

    # --- writes ---------------------------------------------------------------------------

    @asynccontextmanager
    async def batch(self) -> AsyncIterator[Batch]:
        """Stage changes (``add_person(batch, ...)`` and kin) and write them on leaving; an
        error inside undoes everything not yet flushed."""
        async with self._lock:
            batch = Batch(self._store, self._apply, self._notify)
            try:
                yield batch
            except BaseException:
                batch.rollback()
                raise
            await batch.flush()

    async def _one(self, act: Callable[[Batch], Any], who: Who, audit: str = AUDIT_CHANGED, **details: Any) -> Any:
        async with self.batch() as batch:
            result = act(batch)
        self._auditor.record(audit, who, **details)
        return result

    async def add_household(self, household_id: str, area_m2: str | None = None, who: Who = None) -> Household:
        return await self._one(lambda b: self.stage_household(b, household_id, area_m2), who,
                               op="add_household", household=household_id)

    async def update_household(self, household_id: str, area_m2: str | None, who: Who = None) -> Household:
        return await self._one(lambda b: self.stage_household(b, household_id, area_m2, new=False), who,
                               op="update_household", household=household_id)

    async def remove_household(self, household_id: str, who: Who = None) -> Household:
        return await self._one(lambda b: self._stage_remove_household(b, household_id), who,
                               op="remove_household", household=household_id)

    async def add_person(self, who: Who = None, **fields: Any) -> Person:
        person: Person = await self._one(lambda b: self.stage_person(b, None, fields), who, op="add_person")
        return person

    async def update_person(self, person_id: str, who: Who = None, **fields: Any) -> Person:
        return await self._one(lambda b: self.stage_person(b, person_id, fields), who,
                               op="update_person", person=person_id, fields=sorted(fields))

    async def erase_person(self, person_id: str, who: Who = None) -> Person:
        """Erase the name, the personal data, the cards, the user link; keep the id and the history."""
        def erase(batch: Batch) -> Person:
            old = self._get_person(person_id)
            new = Person(old.id, old.kind, "", household=old.household, role=old.role,
                         department=old.department, position=old.position, erased=True)
            batch.stage(ResidentsChange("person", old.id, old, new))
            for vehicle in [v for v in self._vehicles.values() if v.person == old.id]:
                batch.stage(ResidentsChange("vehicle", vehicle.plate, vehicle, dataclasses.replace(vehicle, person=None)))
            return new

        return await self._one(erase, who, AUDIT_ERASED, person=person_id)

    async def link_user(self, person_id: str, user: str | None, who: Who = None) -> Person:
        def link(batch: Batch) -> Person:
            old = self._get_person(person_id)
            if user is not None:
                self._check_user(user, person_id)
            new = dataclasses.replace(old, user=user)
            batch.stage(ResidentsChange("person", person_id, old, new))
            return new

        return await self._one(link, who, op="link_user", person=person_id, user=user)

    async def record_training(self, person_id: str, who: Who = None, **training: Any) -> Person:
        data = checked(schema.TRAINING, training)
        return await self._one(lambda b: self._stage_staff_record(b, person_id, trainings=(Training(**data),)), who,
                               op="record_training", person=person_id)

    async def record_assessment(self, person_id: str, who: Who = None, **assessment: Any) -> Person:
        data = checked(schema.ASSESSMENT, assessment)
        return await self._one(lambda b: self._stage_staff_record(b, person_id, assessments=(Assessment(**data),)),
                               who, op="record_assessment", person=person_id)

    async def add_vehicle(self, plate: str, household: str, person: str | None = None, who: Who = None) -> Vehicle:
        return await self._one(lambda b: self.stage_vehicle(b, plate, household, person), who,
                               op="add_vehicle", plate=plate)

    async def remove_vehicle(self, plate: str, who: Who = None) -> Vehicle:
        def remove(batch: Batch) -> Vehicle:
            vehicle = self.vehicle(plate)
            if vehicle is None:
                raise ResidentsError(f"plate: no vehicle {plate!r} on record")
            batch.stage(ResidentsChange("vehicle", vehicle.plate, vehicle, None))
            return vehicle

        return await self._one(remove, who, op="remove_vehicle", plate=plate)

    async def record_consent(self, person_id: str, what: str, purpose: str, collected_by: str,
                             who: Who = None) -> Consent:
        data = checked(schema.CONSENT_SCHEMA, {"person": person_id, "what": what, "purpose": purpose,
                                               "collected_by": collected_by})
        async with self._lock:
            self._get_person(data["person"])
            consent = Consent(f"C{len(self._consents) + 1:07d}", data["person"], data["what"], data["purpose"],
                              self._clock(), data["collected_by"])
            await self._store.write([_consent_row(consent)])
            self._add_consent(consent)
        self._auditor.record(AUDIT_CHANGED, who, op="record_consent", person=consent.person, what=consent.what)
        return consent

    async def rotate_key(self, who: Who = None) -> int:
        """Re-seal every personal value with the first configured key; the number of persons re-sealed."""
        async with self.batch() as batch:
            for old in list(self._persons.values()):
                sealed: dict[str, Any] = {f: self._vault.rotate(s) for f in PERSONAL_FIELDS
                                          if (s := old.sealed(f)) is not None}
                if sealed:
                    batch.stage(ResidentsChange("person", old.id, old, dataclasses.replace(old, **sealed)))
                if len(batch) >= FLUSH_EVERY:
                    await batch.flush()
            count = batch.written + len(batch)
        self._auditor.record(AUDIT_CHANGED, who, op="rotate_key", persons=count)
        return count

    # --- staging: each checks the change against memory, then stages it --------------------

    def stage_household(self, batch: Batch, household_id: str, area_m2: str | None, *,
                        new: bool | None = True) -> Household:
        """Add (``new``), update (``new=False``) or either (``new=None``) a household."""
        data = checked(schema.HOUSEHOLD_SCHEMA, {"id": household_id, "area_m2": area_m2})
        old = self._households.get(data["id"])
        if new and old is not None:
            raise ResidentsError(f"id: household {data['id']} already exists")
        if new is False and old is None:
            raise ResidentsError(f"id: no household {data['id']}")
        household = Household(data["id"], data["area_m2"])
        if household != old:
            batch.stage(ResidentsChange("household", household.id, old, household))
        return household

    def _stage_remove_household(self, batch: Batch, household_id: str) -> Household:
        old = self._households.get(household_id)
        if old is None:
            raise ResidentsError(f"id: no household {household_id}")
        living = [p.id for p in self.persons_of(household_id) if not p.erased]
        cars = list(self._cars.get(household_id, ()))
        if living or cars:
            held = [f"{len(living)} persons ({', '.join(living[:5])})"] if living else []
            held += [f"{len(cars)} vehicles ({', '.join(cars[:5])})"] if cars else []
            raise ResidentsError(f"household {household_id} still has {' and '.join(held)}; "
                                 "move, erase or remove them first")
        batch.stage(ResidentsChange("household", household_id, old, None))
        return old

    def stage_person(self, batch: Batch, person_id: str | None, fields: Mapping[str, Any]) -> Person:
        """Add a person (``person_id`` None) or change the fields given of one."""
        if person_id is None:
            user = fields.get("user")
            data = checked(schema.new_person, {k: v for k, v in fields.items() if k != "user"})
            old = None
            base = Person(self._new_id(), data["kind"], data["name"])
            if user is not None:
                data["user"] = checked(schema.LINK_USER_SCHEMA, {"person": base.id, "user": user})["user"]
        else:
            data = checked(schema.person_changes, fields)
            old = base = self._get_person(person_id)
            if old.erased:
                raise ResidentsError(f"{person_id} was erased; add the person anew instead")
        person = self._built(base, data)
        face = data["face_id"].value if isinstance(data.get("face_id"), Personal) else None
        self._check_person(person, old, face)
        if person != old:
            if face is not None and person.face_id is not None and (old is None or old.face_id != person.face_id):
                self._face_hint[person.face_id.token] = face  # indexed without decrypting what was just sealed
            batch.stage(ResidentsChange("person", person.id, old, person))
        return person

    def _built(self, base: Person, data: dict[str, Any]) -> Person:
        changes: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, Personal):
                changes[key] = self._sealed(base.sealed(key), value)
            elif key in ("trainings", "assessments"):
                kind = Training if key == "trainings" else Assessment
                changes[key] = tuple(kind(**item) for item in value)
            else:
                changes[key] = value
        if changes.get("kind", base.kind) != KIND_STAFF:
            changes.update(department=None, position=None, trainings=(), assessments=())
        return dataclasses.replace(base, **changes)

    def _sealed(self, old: Sealed | None, value: Personal) -> Sealed:
        """``value`` sealed — or as it was sealed, when it has not changed (a re-import changes nothing)."""
        if old is not None and old.masked == mask(value.field, value.value) and self._vault.open(old) == value.value:
            return old
        return self._vault.seal(value.field, value.value)

    def _check_person(self, person: Person, old: Person | None, face: str | None) -> None:
        """What one record cannot see: the household exists, the card, face, user and name are free."""
        if person.kind == KIND_RESIDENT:
            if person.household is None:
                raise ResidentsError("household: a resident belongs to a household")
            if person.role is None:
                raise ResidentsError("role: a resident is an owner, a tenant or family")
        if person.household is not None and person.household not in self._households:
            raise ResidentsError(f"household: no household {person.household} (add it first)")
        holder = self._by_name.get((person.household, person.name))
        if holder is not None and holder != person.id:
            where = f"household {person.household}" if person.household else "the staff"
            raise ResidentsError(f"name: {where} already has a {person.name} ({holder})")
        for uid_text in person.cards:
            self._check_card(person.id, uid_text)
        if face is not None and self._by_face.get(face, person.id) != person.id:
            raise ResidentsError(f"face_id: the face id is already {self._by_face[face]}'s")
        if person.user is not None and (old is None or old.user != person.user):
            self._check_user(person.user, person.id)

    def _check_card(self, person_id: str, uid_text: str) -> None:
        uid = int(uid_text, 16)
        holder = self._by_uid.get(uid)
        if holder is not None and holder != person_id:
            raise ResidentsError(f"cards: card {uid_text} is already {holder}'s")
        clash = self._by_low24.get(low24_key(uid))
        if clash is not None and clash != person_id:
            other = next(c for c in self._persons[clash].cards if low24_key(int(c, 16)) == low24_key(uid))
            raise ResidentsError(f"cards: card {uid_text} clashes with card {other} of {clash} on its "
                                 f"Wiegand-26 number ({wiegand26(low24_key(uid))})")

    def _check_user(self, user: str, person_id: str) -> None:
        holder = self._by_user.get(user)
        if holder is not None and holder != person_id:
            raise ResidentsError(f"user: {user} is already linked to {holder}")
        if self._auditor.user_exists(user) is False:
            raise ResidentsError(f"user: the hub has no user {user} (add one: xiaoqu user add {user} --role resident)")

    def _stage_staff_record(self, batch: Batch, person_id: str, trainings: tuple[Training, ...] = (),
                            assessments: tuple[Assessment, ...] = ()) -> Person:
        old = self._get_person(person_id)
        if old.kind != KIND_STAFF:
            raise ResidentsError(f"person: {person_id} is a resident; trainings and assessments are kept for staff")
        if len(old.trainings) + len(old.assessments) >= 2 * schema.MAX_RECORDS:
            raise ResidentsError(f"person: {person_id} has {schema.MAX_RECORDS} records already")
        new = dataclasses.replace(old, trainings=old.trainings + trainings, assessments=old.assessments + assessments)
        batch.stage(ResidentsChange("person", person_id, old, new))
        return new

    def stage_vehicle(self, batch: Batch, plate: str, household: str, person: str | None = None) -> Vehicle:
        data = checked(schema.VEHICLE_SCHEMA, {"plate": plate, "household": household, "person": person})
        if data["household"] not in self._households:
            raise ResidentsError(f"household: no household {data['household']}")
        owner = data.get("person")
        if owner is not None and self._get_person(owner).household != data["household"]:
            raise ResidentsError(f"person: {owner} does not live in {data['household']}")
        old = self._vehicles.get(data["plate"])
        vehicle = Vehicle(data["plate"], data["household"], owner)
        if old is not None and old.household != vehicle.household:
            raise ResidentsError(f"plate: {vehicle.plate} is already registered to household {old.household}")
        if vehicle != old:
            batch.stage(ResidentsChange("vehicle", vehicle.plate, old, vehicle))
        return vehicle

    def _get_person(self, person_id: str) -> Person:
        person = self._persons.get(person_id)
        if person is None:
            raise ResidentsError(f"person: no person {person_id}")
        return person

    def _new_id(self) -> str:
        return f"P{self._next_number:06d}"

    # --- the indexes ----------------------------------------------------------------------

    def _apply(self, change: ResidentsChange) -> None:
        """Put one change (or its inverse, to undo it) into the records and their indexes."""
        if change.kind == "household":
            if change.new is None:
                self._households.pop(change.id, None)
            else:
                self._households[change.id] = change.new
        elif change.kind == "person":
            if change.old is not None:
                self._unindex_person(change.old)
            if change.new is not None:
                self._index_person(change.new)
        else:
            if change.old is not None:
                self._vehicles.pop(change.id, None)
                _discard(self._cars, change.old.household, change.id)
            if change.new is not None:
                self._vehicles[change.id] = change.new
                self._cars.setdefault(change.new.household, {})[change.id] = None

    def _index_person(self, person: Person) -> None:
        pid = person.id
        self._persons[pid] = person
        number = int(pid[1:])
        if number >= self._next_number:
            self._next_number = number + 1
        if person.household is not None:
            self._members.setdefault(person.household, {})[pid] = None
        if not person.erased:
            self._by_name[(person.household, person.name)] = pid
        for card in person.cards:
            uid = int(card, 16)
            self._by_uid[uid] = pid
            self._by_low24[low24_key(uid)] = pid
        if person.face_id is not None:
            face = self._face_hint.pop(person.face_id.token, None) or self._vault.open(person.face_id)
            self._by_face[face] = pid
            self._face_of[pid] = face
        if person.user is not None:
            self._by_user[person.user] = pid

    def _unindex_person(self, person: Person) -> None:
        pid = person.id
        self._persons.pop(pid, None)
        if person.household is not None:
            _discard(self._members, person.household, pid)
        if self._by_name.get((person.household, person.name)) == pid:
            del self._by_name[(person.household, person.name)]
        for card in person.cards:
            uid = int(card, 16)
            self._by_uid.pop(uid, None)
            self._by_low24.pop(low24_key(uid), None)
        face = self._face_of.pop(pid, None)
        if face is not None:
            self._by_face.pop(face, None)
        if person.user is not None and self._by_user.get(person.user) == pid:
            del self._by_user[person.user]

    def _add_consent(self, consent: Consent) -> None:
        self._consents[consent.id] = consent
        self._consents_of.setdefault(consent.person, []).append(consent.id)


def _discard(index: dict[str, dict[str, None]], key: str, item: str) -> None:
    members = index.get(key)
    if members is not None:
        members.pop(item, None)
        if not members:
            del index[key]


def _consent_row(consent: Consent) -> Change:
    return Change(TABLE_CONSENTS, consent.id, consent.as_doc())


async def open_residents(data_dir: Path, config: dict[str, Any], auditor: Auditor,
                         clock: Callable[[], float], run_in_executor: Any) -> Residents:
    """The registry of the site whose data lives in ``data_dir`` (keys read off the loop)."""
    keys = await run_in_executor(load_keys, config["encryption_key"], data_dir)
    return await Residents.open(ResidentsStore(data_dir), Vault(keys), auditor, clock)
