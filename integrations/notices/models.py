"""A notice and its deliveries, as kept in ``notices.db``.

A :class:`Notice` is frozen and replaced whole on each change. It holds what was sent (the
rendered title and body: the words a household signed are the words it was shown; for a notice
worded per household, the template and figures those words are rendered from), to whom
(households, never names or phones), when, and who signed. A :class:`Delivery` is one household
on one channel: pending, sent or failed with the reason. Times are epoch seconds.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from .const import ACKNOWLEDGED, DELIVERED, FAILED, PENDING, SCHEDULED


def iso(at: float | None, tz: tzinfo) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, tz).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Signature:
    """A household's acknowledgement: when, by whom (a resident's name, or staff's and their reason)."""

    at: float
    by: str
    how: str
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Notice:
    id: str
    title: str
    body: str
    to: tuple[dict[str, Any], ...]
    channels: tuple[str, ...]
    created_at: float
    created_by: str
    status: str
    template: str | None = None
    ref: str | None = None
    #: The households of the last sending (resolved from ``to`` when it is sent).
    recipients: tuple[str, ...] = ()
    #: When it is next sent (scheduled and repeating notices); None once nothing is left to send.
    next_at: float | None = None
    #: Seconds between sendings and how many in all (1: no repeat); how many were made.
    every: float | None = None
    count: int = 1
    sendings: int = 0
    last_sent_at: float | None = None
    signed: dict[str, Signature] = field(default_factory=dict)
    #: A notice worded per household (its template reads ``household``, sent to more than one):
    #: the template's title and body as sent, and the figures with ``today``; each household's
    #: words are these rendered with its id, and ``title``/``body`` are the first household's.
    parts: dict[str, str] | None = None
    variables: dict[str, Any] | None = None

    def changed(self, **changes: Any) -> Notice:
        return dataclasses.replace(self, **changes)

    @property
    def waiting(self) -> bool:
        return self.status == SCHEDULED and self.next_at is not None

    def as_doc(self) -> dict[str, Any]:
        doc = {key.name: getattr(self, key.name) for key in dataclasses.fields(self) if key.name not in ("id", "signed")}
        doc["to"], doc["channels"], doc["recipients"] = list(self.to), list(self.channels), list(self.recipients)
        doc["signed"] = {household: dataclasses.asdict(sig) for household, sig in self.signed.items()}
        return doc

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Notice:
        data = dict(doc)
        data["to"] = tuple(data["to"])
        data["channels"] = tuple(data["channels"])
        data["recipients"] = tuple(data.get("recipients", ()))
        data["signed"] = {household: Signature(**sig) for household, sig in data.get("signed", {}).items()}
        return cls(id=key, **data)

    def summary(self, tz: tzinfo, counts: dict[str, int] | None = None) -> dict[str, Any]:
        """The notice as services answer and pages show it: households, never people."""
        shown: dict[str, Any] = {
            "notice_id": self.id, "title": self.title, "body": self.body, "template": self.template,
            "ref": self.ref, "to": list(self.to), "channels": list(self.channels), "status": self.status,
            "created_at": iso(self.created_at, tz), "created_by": self.created_by,
            "last_sent_at": iso(self.last_sent_at, tz), "next_at": iso(self.next_at, tz),
            "sendings": self.sendings, "count": self.count, "recipients": len(self.recipients),
            "acknowledged": len(self.signed),
        }
        if counts is not None:
            shown["deliveries"] = counts
        return shown


@dataclass(frozen=True, slots=True)
class Delivery:
    notice: str
    household: str
    channel: str
    status: str = PENDING
    reason: str | None = None
    at: float | None = None
    attempts: int = 0

    @property
    def key(self) -> str:
        return delivery_key(self.notice, self.household, self.channel)

    def as_doc(self) -> dict[str, Any]:
        return {"notice": self.notice, "household": self.household, "channel": self.channel, "status": self.status,
                "reason": self.reason, "at": self.at, "attempts": self.attempts}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Delivery:
        return cls(**doc)


def delivery_key(notice: str, household: str, channel: str) -> str:
    return f"{notice}|{household}|{channel}"


def recipient_status(deliveries: list[Delivery], signed: bool) -> str:
    """One household's status on a notice: acknowledged once signed; else sent when any channel
    reached it, failed when every channel failed, pending while one is still trying."""
    if signed:
        return ACKNOWLEDGED
    statuses = {delivery.status for delivery in deliveries}
    if DELIVERED in statuses:
        return DELIVERED
    if PENDING in statuses or not statuses:
        return PENDING
    return FAILED

