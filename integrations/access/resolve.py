"""From what a reader sent to who holds it: the first step of every decision.

A card in any form (``residents.cardnumber``) is looked up by its full UID when the form
carries it, else by its low 24 bits, in residents' persons and then in access's own
temporary cards; a face id in residents; a plate in residents, then in access's own
(a visitor's temporary permission); a QR token or a PIN by its digest in access's own
credentials. What cannot be read (a malformed card number) or is not known
comes back as a :class:`Refusal` with the sentence and the rule a denial gives.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from xiaoqu.integrations.residents.cardnumber import CardNumberError, canonical, parse_card, wiegand26

from .const import CARD, FACE, PIN, PLATE, QR
from .credentials import Credential, CredentialIndex, SiteKey, mask
from .models import Holder
from .restrictions import Key

if TYPE_CHECKING:
    from xiaoqu.integrations.residents import Residents
    from xiaoqu.integrations.residents.models import Person

_NOT_IN_PLATES: Final = re.compile(r"[\s·•.-]+")


def normalise_plate(value: str) -> str:
    """``沪A·123 45`` → ``沪A12345``: as residents keeps plates."""
    return _NOT_IN_PLATES.sub("", value).upper()


@dataclass(frozen=True, slots=True)
class Resolved:
    """A credential that names someone: who, the keys restrictions are looked up by, and how
    it may be shown."""

    holder: Holder
    masked: str
    keys: tuple[Key, ...]
    own: Credential | None = None  # access's own credential (QR, PIN, temporary card)
    card: str | None = None  # the card's canonical UID, for the log
    who: str = ""  # how a reason names the holder


@dataclass(frozen=True, slots=True)
class Refusal:
    """A credential that names nobody: ``problem`` is what it is counted and logged as."""

    problem: str  # malformed_credential | unknown_credential
    reason: str
    rule: str
    masked: str
    card: str | None = None


def person_holder(person: Person) -> Holder:
    return Holder(person.id, person.household, person.building, person.unit, person.kind, person.role,
                  person.department, person.erased)


class Resolver:
    """Looks credentials up in residents and in access's own credentials.

    Holders are remembered by person id (a decision then costs one dictionary lookup for
    them); :meth:`forget` drops what a residents change made stale.
    """

    def __init__(self, residents: Residents, credentials: CredentialIndex, site_key: SiteKey) -> None:
        self.residents = residents
        self.credentials = credentials
        self.site_key = site_key
        self._holders: dict[str, Holder] = {}

    def forget(self, person: str | None = None) -> None:
        if person is None:
            self._holders.clear()
        else:
            self._holders.pop(person, None)

    def holder(self, person_id: str) -> Holder | None:
        holder = self._holders.get(person_id)
        if holder is None:
            person = self.residents.person(person_id)
            if person is None:
                return None
            holder = self._holders[person_id] = person_holder(person)
        return holder

    def resolve(self, kind: str, value: str) -> Resolved | Refusal:
        if kind == CARD:
            return self._card(value)
        if kind == FACE:
            return self._face(value)
        if kind == PLATE:
            return self._plate(value)
        if kind in (QR, PIN):
            return self._own(kind, value)
        return Refusal("malformed_credential", f"denied: {kind!r} is not a credential type", "credential:malformed", "****")

    def _card(self, value: str) -> Resolved | Refusal:
        try:
            read = parse_card(value)
        except CardNumberError as err:
            return Refusal("malformed_credential", f"denied: {err}", "credential:malformed", mask(CARD, value.strip()))
        residents = self.residents
        person = residents.person_by_uid(read.uid) if read.uid is not None else residents.person_by_low24(read.low24)
        card_key: Key = (CARD, read.low24)
        if person is not None:
            uid = read.canonical or next((c for c in person.cards if int(c, 16) & 0xFFFFFF == read.low24), None)
            holder = self.holder(person.id) or person_holder(person)
            return Resolved(holder, mask(CARD, uid or wiegand26(read.low24)), _person_keys(holder, card_key),
                            card=uid, who=f"{person.id}")
        own = self.credentials.by_low24.get(read.low24)
        if own is not None and (read.uid is None or own.key == f"{CARD}:{canonical(read.uid)}"):
            uid = own.key.split(":", 1)[1]
            return self._own_resolved(own, card_key, card=uid)
        masked = mask(CARD, read.canonical or wiegand26(read.low24))
        return Refusal("unknown_credential", f"denied: card {masked} is not known", "credential:unknown",
                       masked, card=read.canonical)

    def _face(self, value: str) -> Resolved | Refusal:
        face = value.strip()
        person = self.residents.person_by_face(face)
        if person is None:
            return Refusal("unknown_credential", f"denied: face {mask(FACE, face)} is not known", "credential:unknown",
                           mask(FACE, face))
        holder = self.holder(person.id) or person_holder(person)
        return Resolved(holder, mask(FACE, face), _person_keys(holder), who=person.id)

    def _plate(self, value: str) -> Resolved | Refusal:
        vehicle = self.residents.vehicle(value.strip())
        plate = normalise_plate(value) if vehicle is None else vehicle.plate
        if vehicle is None and (own := self.credentials.get(f"{PLATE}:{plate}")) is not None:
            return self._own_resolved(own, (PLATE, plate))  # a visitor's car, for as long as its permission says
        if vehicle is None:
            return Refusal("unknown_credential", f"denied: plate {mask(PLATE, plate)} is not known",
                           "credential:unknown", mask(PLATE, plate))
        plate_key: Key = (PLATE, plate)
        masked = mask(PLATE, plate)
        if vehicle.person is not None and (holder := self.holder(vehicle.person)) is not None:
            return Resolved(holder, masked, _person_keys(holder, plate_key), who=f"{masked} ({holder.person})")
        household = self.residents.household(vehicle.household)
        holder = Holder(None, vehicle.household, household.building if household else None,
                        household.unit if household else None, kind="resident")
        return Resolved(holder, masked, (plate_key, ("household", vehicle.household)),
                        who=f"{masked} of household {vehicle.household}")

    def _own(self, kind: str, value: str) -> Resolved | Refusal:
        own = self.credentials.get(self.site_key.credential(kind, value.strip()))
        if own is None:
            what = "QR code" if kind == QR else "PIN"
            return Refusal("unknown_credential", f"denied: {what} {mask(kind, value.strip())} is not known",
                           "credential:unknown", mask(kind, value.strip()))
        return self._own_resolved(own)

    def _own_resolved(self, own: Credential, *keys: Key, card: str | None = None) -> Resolved:
        if own.person is not None:
            holder = self.holder(own.person) or Holder(own.person, own.household, erased=True)
            return Resolved(holder, own.masked, _person_keys(holder, *keys), own=own, card=card, who=own.person)
        holder = Holder(None, own.household)
        household_keys: tuple[Key, ...] = (("household", own.household),) if own.household else ()
        label = f"{own.type} {own.masked}" + (f" ({own.label})" if own.label else "")
        return Resolved(holder, own.masked, (*keys, *household_keys), own=own, card=card, who=label)


def _person_keys(holder: Holder, *keys: Key) -> tuple[Key, ...]:
    found: tuple[Key, ...] = (*keys, ("person", holder.person or ""))
    return (*found, ("household", holder.household)) if holder.household else found
