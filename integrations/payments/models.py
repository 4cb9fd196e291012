"""An order, and a payment flagged for staff: what payments keeps, as rows of ``payments.db``."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, tzinfo
from typing import Any

from .const import PAID, PENDING


def _iso(when: float | None, tz: tzinfo) -> str | None:
    return None if when is None else datetime.fromtimestamp(when, tz).isoformat()


@dataclass(slots=True)
class Order:
    """One thing to be paid, once: ``amount_fen`` for ``purpose``/``reference`` through ``provider``.

    ``status`` is ``pending`` until the provider's notify of exactly ``amount_fen`` settles it
    (``paid``, with the provider's ``payment_id``); it never goes back.
    """

    order_id: str
    provider: str
    method: str
    amount_fen: int
    description: str
    purpose: str
    reference: str
    created: float
    pay_url: str = ""
    qr: str = ""
    status: str = PENDING
    payment_id: str | None = None
    paid_at: float | None = None

    @property
    def paid(self) -> bool:
        return self.status == PAID

    def as_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Order:
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in doc.items() if key in known})

    def as_response(self, tz: tzinfo) -> dict[str, Any]:
        """The order as services answer it, times in the site's zone."""
        return {**self.as_doc(), "created": _iso(self.created, tz), "paid_at": _iso(self.paid_at, tz)}


@dataclass(frozen=True, slots=True)
class Flag:
    """A payment the provider reports that settles no order: the money came, and staff must
    decide (refund it, or settle the order by hand). Kept once per provider transaction."""

    key: str
    provider: str
    payment_id: str
    order_id: str
    amount_fen: int
    expected_fen: int | None  # the order's amount; None when there is no such order
    reason: str
    time: float

    def as_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Flag:
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in doc.items() if key in known})

    def as_response(self, tz: tzinfo) -> dict[str, Any]:
        return {**self.as_doc(), "time": _iso(self.time, tz)}
