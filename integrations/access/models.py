"""The things a decision is about: a door, who holds the credential, and the decision itself."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from .const import PEDESTRIAN

if TYPE_CHECKING:
    from .credentials import Credential
    from .restrictions import Restriction


@dataclass(frozen=True, slots=True)
class Door:
    """A door or gate the ``door`` integration registered (``Access.register_door``).

    ``kind`` says which restrictions reach it (a vehicle gate is not closed by a pedestrian
    restriction); ``area`` is what anti-passback counts presence in, when the door asks for it.
    """

    id: str
    kind: str = PEDESTRIAN
    area: str | None = None
    anti_passback: bool = False
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Holder:
    """Who presented a credential, as far as access needs to know them.

    ``person`` is the pseudonymous id (``P000123``) the log keeps; a household's car with
    no driver named has only a household. ``building`` and ``unit`` come from the household
    (``"1"`` and ``"1-2"``), so group selectors match on text.
    """

    person: str | None
    household: str | None
    building: str | None = None
    unit: str | None = None
    kind: str | None = None  # resident | staff
    role: str | None = None  # owner | tenant | family
    department: str | None = None
    erased: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """THE answer: granted or not, the sentence saying why, and the rule that decided.

    ``credential`` is the value as it may be shown (masked); ``card`` is the keyed digest of
    the canonical UID (``SiteKey.card``) when the credential was a card whose UID is known, so
    the log can be searched by card without keeping its number.
    """

    granted: bool
    reason: str
    rule: str
    person: str | None
    household: str | None
    credential: str
    type: str
    door: str
    at: float
    card: str | None = None
    source: str = "api"
    direction: str | None = None

    def as_response(self, tz: tzinfo | None = None) -> dict[str, Any]:
        """The contract's answer of ``access.check``, with the door, type, masked credential and time."""
        return {
            "granted": self.granted,
            "reason": self.reason,
            "rule": self.rule,
            "person": self.person,
            "household": self.household,
            "type": self.type,
            "credential": self.credential,
            "door": self.door,
            "at": datetime.fromtimestamp(self.at, tz).isoformat(),
        }

    def event_data(self) -> dict[str, Any]:
        """``access_granted`` / ``access_denied``: the contract's fields (value masked)."""
        return {
            "door": self.door,
            "type": self.type,
            "value": self.credential,
            "person": self.person,
            "household": self.household,
            "reason": self.reason,
            "rule": self.rule,
            "source": self.source,
        }

    def log_data(self) -> dict[str, Any]:
        """One access-log record's data (the recorder keeps the time and the subject)."""
        data = {
            "granted": self.granted,
            "reason": self.reason,
            "rule": self.rule,
            "door": self.door,
            "type": self.type,
            "credential": self.credential,
            "person": self.person,
            "household": self.household,
            "source": self.source,
        }
        if self.card is not None:
            data["card"] = self.card
        if self.direction is not None:
            data["direction"] = self.direction
        return data

    @property
    def subject(self) -> str:
        """The log's subject: the person's pseudonymous id, else the masked credential."""
        return self.person if self.person is not None else f"cred:{self.credential}"


@dataclass(frozen=True, slots=True)
class PlateStanding:
    """What access can say of a plate before any gate is asked (:meth:`Access.plate_standing`).

    ``known``: the plate is someone's credential (a resident's car, or a plate permission
    access issued), so only :meth:`Access.check` at a gate decides it, and logs it. A plate
    nobody holds gets no decision of its own (a temporary car is not a "not known" denial in
    the access log); what access still has to say of it is ``restriction``, the vehicle
    restriction in force on the plate itself (a blacklisted stranger). ``permission`` is the
    plate permission access issued for it, in force or not (a visitor's car), or None.
    """

    known: bool
    permission: Credential | None = None
    restriction: Restriction | None = None
