"""A visit: who came to see which household, for what, until when, and what became of it.

A frozen dataclass, replaced whole on every change, so what was handed out stays as it was.
The visitor's name and phone are :class:`~xiaoqu.integrations.residents.personal.Sealed`
(residents' Fernet ciphertext and the mask): a visit can be logged, compared or put in an event
without leaking them. The plate is kept as one spelling (``粤B12345``, the plate cameras'), so
the visit is found by the plate a camera reads; it is shown masked (``粤B1***5``) everywhere.
Times are epoch seconds; :meth:`Visit.as_response` shows them in the site's time zone.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from xiaoqu.core.masking import mask_plate
from xiaoqu.integrations.residents.personal import Sealed

from .const import ADMITTED, OPEN, PENDING, REFUSED


def iso(at: float | None, tz: tzinfo) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, tz).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Passes:
    """What access was asked to let the visitor through: a QR pass for the route's doors (its
    credential id, what may be shown of it, and the token sealed so staff can show it again)
    and a plate permission for the lanes; each ``None`` when not issued."""

    qr: str | None = None
    qr_masked: str | None = None
    token: Sealed | None = None
    plate: str | None = None
    doors: tuple[str, ...] = ()
    lanes: tuple[str, ...] = ()
    until: float | None = None
    #: Why one was not issued (a plate that is a resident's car), for the answer and the log.
    notes: tuple[str, ...] = ()
    removed: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key in (self.qr, self.plate) if key is not None)

    def as_doc(self) -> dict[str, Any]:
        doc = dataclasses.asdict(self)
        doc["token"] = None if self.token is None else self.token.as_doc()
        doc["doors"], doc["lanes"], doc["notes"] = list(self.doors), list(self.lanes), list(self.notes)
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Passes:
        values = {key: doc[key] for key in cls.__dataclass_fields__ if key in doc}
        values["token"] = None if doc.get("token") is None else Sealed.from_doc(doc["token"])
        for key in ("doors", "lanes", "notes"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)

    def as_response(self, tz: tzinfo) -> dict[str, Any]:
        return {"qr": self.qr_masked, "plate": None if self.plate is None else mask_plate(self.plate.split(":", 1)[1]),
                "doors": list(self.doors), "lanes": list(self.lanes), "valid_until": iso(self.until, tz),
                "notes": list(self.notes)}


@dataclass(frozen=True, slots=True)
class Visit:
    id: str
    household: str
    name: Sealed
    phone: Sealed
    purpose: str
    leave_by: float
    registered_at: float
    registered_by: str
    plate: str | None = None
    status: str = PENDING
    #: The answer: when, who (a person's name or ``household 1-2-0601 (app)``), how
    #: (``resident``, ``mqtt``, ``staff``) and, from staff, why.
    answered_at: float | None = None
    answered_by: str | None = None
    answered_how: str | None = None
    reason: str | None = None
    passes: Passes = Passes()
    entered_at: float | None = None
    entered_at_door: str | None = None
    overstay_at: float | None = None
    closed_at: float | None = None
    closed_by: str | None = None
    #: The door or lane the visitor was seen leaving through, when they were.
    exit: str | None = None

    @property
    def open(self) -> bool:
        return self.status in OPEN

    @property
    def admitted(self) -> bool:
        return self.status in ADMITTED

    @property
    def plate_masked(self) -> str | None:
        return None if self.plate is None else mask_plate(self.plate)

    @property
    def ended_at(self) -> float | None:
        """When the visit stopped being open: closed, refused, or expired (at leave_by)."""
        if self.open:
            return None
        return self.closed_at or (self.answered_at if self.status == REFUSED else self.leave_by)

    def changed(self, **changes: Any) -> Visit:
        return dataclasses.replace(self, **changes)

    def as_doc(self) -> dict[str, Any]:
        doc = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}
        doc.pop("id")
        doc["name"], doc["phone"] = self.name.as_doc(), self.phone.as_doc()
        doc["passes"] = self.passes.as_doc()
        return doc

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Visit:
        values = {name: doc[name] for name in cls.__dataclass_fields__ if name in doc and name != "id"}
        values["name"], values["phone"] = Sealed.from_doc(doc["name"]), Sealed.from_doc(doc["phone"])
        values["passes"] = Passes.from_doc(doc.get("passes") or {})
        return cls(key, **values)

    def as_response(self, tz: tzinfo, purpose_name: str | None = None) -> dict[str, Any]:
        """The visit as services, pages and exports show it: the name, phone and plate masked."""
        return {
            "visit_id": self.id, "household": self.household, "name": self.name.masked, "phone": self.phone.masked,
            "plate": self.plate_masked, "purpose": self.purpose, "purpose_name": purpose_name or self.purpose,
            "status": self.status, "leave_by": iso(self.leave_by, tz),
            "registered_at": iso(self.registered_at, tz), "registered_by": self.registered_by,
            "answered_at": iso(self.answered_at, tz), "answered_by": self.answered_by,
            "answered_how": self.answered_how, "reason": self.reason,
            "passes": self.passes.as_response(tz) if self.passes.keys or self.passes.notes else None,
            "entered_at": iso(self.entered_at, tz), "entered_at_door": self.entered_at_door,
            "overstay_at": iso(self.overstay_at, tz), "closed_at": iso(self.closed_at, tz),
            "closed_by": self.closed_by, "exit": self.exit,
        }


@dataclass(frozen=True, slots=True)
class VisitPlate:
    """What visitors knows of a plate, for a gate (``Visitors.plate_status``): the plate's latest
    visit and its state (``pending``, ``confirmed``, ``overstay``, ``refused``, ``expired``,
    ``closed``); ``ended_at`` when it is no longer open, ``answered_by`` and ``reason`` from the answer."""

    visit_id: str
    household: str
    status: str
    leave_by: float
    ended_at: float | None = None
    answered_by: str | None = None
    reason: str | None = None
