"""Who the community is: households, persons (residents and staff), vehicles, consents.

Every model is a frozen slots dataclass: a change makes a new object, so what the change
feed hands out as ``old`` and ``new`` stays as it was, and 30,000 persons stay lean. A
person's personal data is :class:`~.personal.Sealed` (ciphertext and mask) — never the
clear text — so a model can be logged, compared or put in an event without leaking it.

``as_dict()`` is each model as services and exports show it: masked.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from .personal import Sealed

ChangeKind = Literal["household", "person", "vehicle"]


def split_household_id(household_id: str) -> tuple[str, str, int, str]:
    """``1-2-0601`` → building ``"1"``, unit ``"2"``, floor 6, room ``"01"`` (the id is checked first)."""
    building, unit, number = household_id.split("-")
    return building, unit, int(number[:-2]), number[-2:]


@dataclass(frozen=True, slots=True)
class Household:
    """A flat: ``<building>-<unit>-<floor><room>``; its floor area kept exact (``"89.50"`` m²)."""

    id: str
    area_m2: str | None = None

    @property
    def building(self) -> str:
        return self.id.split("-", 1)[0]

    @property
    def unit(self) -> str:
        """The unit's id, ``<building>-<unit>`` (``1-2``): units are numbered within a building."""
        return self.id.rsplit("-", 1)[0]

    @property
    def floor(self) -> int:
        return split_household_id(self.id)[2]

    @property
    def area_centi_m2(self) -> int | None:
        """The floor area in hundredths of a square metre, for billing's integer arithmetic."""
        return None if self.area_m2 is None else int(Decimal(self.area_m2) * 100)

    def as_doc(self) -> dict[str, Any]:
        return {"area_m2": self.area_m2}

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Household:
        return cls(key, doc.get("area_m2"))

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "building": self.building, "unit": self.unit, "floor": self.floor,
                "area_m2": self.area_m2}


@dataclass(frozen=True, slots=True)
class Training:
    date: str  # ISO date
    title: str
    hours: float

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date, "title": self.title, "hours": self.hours}


@dataclass(frozen=True, slots=True)
class Assessment:
    date: str  # ISO date
    subject: str
    result: str

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date, "subject": self.subject, "result": self.result}


@dataclass(frozen=True, slots=True)
class Person:
    """A resident (with a household and a role in it) or a member of staff.

    ``id`` (``P000123``) is what the access log keeps: it outlives an erasure, which empties
    the name, the personal data and the cards and sets ``erased``.
    """

    id: str
    kind: str  # resident | staff
    name: str
    household: str | None = None
    role: str | None = None  # owner | tenant | family, for residents
    phone: Sealed | None = None
    id_number: Sealed | None = None
    face_id: Sealed | None = None
    cards: tuple[str, ...] = ()  # canonical UIDs, 8 upper-case hex digits
    user: str | None = None  # the hub user this person logs in as
    department: str | None = None  # staff
    position: str | None = None
    trainings: tuple[Training, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    erased: bool = False

    @property
    def building(self) -> str | None:
        return None if self.household is None else self.household.split("-", 1)[0]

    @property
    def unit(self) -> str | None:
        """``<building>-<unit>`` of the person's household."""
        return None if self.household is None else self.household.rsplit("-", 1)[0]

    def sealed(self, field: str) -> Sealed | None:
        value: Sealed | None = getattr(self, field)
        return value

    def as_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"kind": self.kind, "name": self.name}
        optional = {"household": self.household, "role": self.role, "user": self.user,
                    "department": self.department, "position": self.position}
        doc.update((key, value) for key, value in optional.items() if value is not None)
        for field in ("phone", "id_number", "face_id"):
            sealed = self.sealed(field)
            if sealed is not None:
                doc[field] = sealed.as_doc()
        if self.cards:
            doc["cards"] = list(self.cards)
        if self.trainings:
            doc["trainings"] = [t.as_dict() for t in self.trainings]
        if self.assessments:
            doc["assessments"] = [a.as_dict() for a in self.assessments]
        if self.erased:
            doc["erased"] = True
        return doc

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Person:
        sealed = {field: Sealed.from_doc(doc[field]) for field in ("phone", "id_number", "face_id") if field in doc}
        return cls(
            id=key, kind=doc["kind"], name=doc["name"], household=doc.get("household"), role=doc.get("role"),
            cards=tuple(doc.get("cards", ())), user=doc.get("user"), department=doc.get("department"),
            position=doc.get("position"),
            trainings=tuple(Training(**t) for t in doc.get("trainings", ())),
            assessments=tuple(Assessment(**a) for a in doc.get("assessments", ())),
            erased=doc.get("erased", False), **sealed,
        )

    def as_dict(self) -> dict[str, Any]:
        """The person as staff see them: personal data masked."""
        data: dict[str, Any] = {
            "id": self.id, "kind": self.kind, "name": self.name, "household": self.household,
            "building": self.building, "unit": self.unit, "role": self.role,
        }
        for field in ("phone", "id_number", "face_id"):
            sealed = self.sealed(field)
            data[field] = None if sealed is None else sealed.masked
        data.update(cards=list(self.cards), user=self.user, erased=self.erased)
        if self.kind == "staff":
            data.update(department=self.department, position=self.position,
                        trainings=[t.as_dict() for t in self.trainings],
                        assessments=[a.as_dict() for a in self.assessments])
        return data


@dataclass(frozen=True, slots=True)
class Vehicle:
    plate: str  # upper case, no spaces: 沪A12345
    household: str
    person: str | None = None

    def as_doc(self) -> dict[str, Any]:
        return {"household": self.household, "person": self.person}

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Vehicle:
        return cls(key, doc["household"], doc.get("person"))

    def as_dict(self) -> dict[str, Any]:
        return {"plate": self.plate, "household": self.household, "person": self.person}


@dataclass(frozen=True, slots=True)
class Consent:
    """What was collected from a person, for what, when and by whom (PIPL asks for the record)."""

    id: str
    person: str
    what: str
    purpose: str
    collected_at: float  # epoch seconds
    collected_by: str

    def as_doc(self) -> dict[str, Any]:
        return {"person": self.person, "what": self.what, "purpose": self.purpose,
                "collected_at": self.collected_at, "collected_by": self.collected_by}

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Consent:
        return cls(key, **doc)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.as_doc()}


Model = Household | Person | Vehicle


@dataclass(frozen=True, slots=True)
class ResidentsChange:
    """One durable change, as :meth:`Residents.listen` callbacks get it (``old`` None: added;
    ``new`` None: removed)."""

    kind: ChangeKind
    id: str
    old: Any = None
    new: Any = None

    def inverse(self) -> ResidentsChange:
        return ResidentsChange(self.kind, self.id, self.new, self.old)
