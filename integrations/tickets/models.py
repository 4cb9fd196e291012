"""A ticket as kept in ``tickets.db``: what was asked, its deadline and the rule behind it, and
every step (who, when, which state, the note) in order."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any


def iso(moment: float | None, tz: tzinfo) -> str | None:
    return None if moment is None else datetime.fromtimestamp(moment, tz).isoformat()


@dataclass(slots=True)
class Step:
    """One step of a ticket: ``state`` after it, ``by`` who (a name), ``how`` (staff, resident,
    mqtt), ``note`` what they said, ``assignee`` when it changed who works on it."""

    at: float
    state: str
    by: str
    how: str
    note: str | None = None
    assignee: str | None = None

    def to_doc(self) -> dict[str, Any]:
        return {key: value for key, value in dataclasses.asdict(self).items() if value is not None}


@dataclass(slots=True)
class Ticket:
    id: str
    category: str
    description: str
    opened_at: float
    due: float
    #: How ``due`` was reached, in words (the rule and its figures).
    rule: str
    state: str
    household: str | None = None
    device: str | None = None
    assignee: str | None = None
    #: When the deadline was met (the first step into a MET_STATES state).
    met_at: float | None = None
    #: When ``tickets.overdue`` fired (once).
    overdue_at: float | None = None
    closed_at: float | None = None
    #: Since when the ticket's device is sound again (its close waits out the category's hold).
    recovered_at: float | None = None
    rating: int | None = None
    rating_comment: str | None = None
    rated_at: float | None = None
    history: list[Step] = field(default_factory=list)

    def to_doc(self) -> dict[str, Any]:
        doc = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name not in ("id", "history")}
        return {**doc, "history": [step.to_doc() for step in self.history]}

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Ticket:
        fields = {f.name for f in dataclasses.fields(cls)} - {"id", "history"}
        values: dict[str, Any] = {name: doc[name] for name in fields if name in doc}
        return cls(id=key, **values, history=[Step(**step) for step in doc.get("history", ())])

    def shown(self, tz: tzinfo, category_name: str) -> dict[str, Any]:
        """The ticket as the API, the app and the pages show it (times in the site's zone)."""
        return {"ticket_id": self.id, "category": self.category, "category_name": category_name,
                "description": self.description, "household": self.household, "device": self.device,
                "state": self.state, "assignee": self.assignee, "opened_at": iso(self.opened_at, tz),
                "due": iso(self.due, tz), "rule": self.rule, "met_at": iso(self.met_at, tz),
                "overdue": self.overdue_at is not None, "overdue_at": iso(self.overdue_at, tz),
                "closed_at": iso(self.closed_at, tz), "rating": self.rating, "rating_comment": self.rating_comment,
                "history": [{**dataclasses.asdict(step), "at": iso(step.at, tz)} for step in self.history]}
