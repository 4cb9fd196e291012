"""A bill and a receipt as billing keeps them in memory and in ``billing.db``.

The money is not here: what a bill still owes, its late fee and a household's credit are
ledger balances (:mod:`.books`); a bill's lines are in its ledger posting's data. A bill in
memory is a few fields, so three years of 10,000 households' bills fit and arrears are
computed without touching the disk.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import date
from typing import Any, Final


@dataclass(slots=True)
class Bill:
    """One household's fee notice for one period: id ``<period>:<household>``."""

    id: str
    household: str
    period: str
    due: date
    total_fen: int
    #: A due date moved by an approved extension: late fees count from it.
    extended_to: date | None = None
    #: The late fee was charged up to this day (at a payment or a waiver); it accrues from here.
    accrued_to: date | None = None
    late_charged_fen: int = 0
    #: The household's acknowledgement of the fee notice: {notice_id, by, at}.
    signed: dict[str, Any] | None = None

    @staticmethod
    def id_of(period: str, household: str) -> str:
        return f"{period}:{household}"

    @property
    def effective_due(self) -> date:
        return self.extended_to or self.due

    def as_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        del doc["id"]
        for key in ("due", "extended_to", "accrued_to"):
            doc[key] = None if doc[key] is None else doc[key].isoformat()
        return doc

    @classmethod
    def from_doc(cls, key: str, doc: dict[str, Any]) -> Bill:
        dates = {k: None if doc.get(k) is None else date.fromisoformat(doc[k]) for k in ("due", "extended_to",
                                                                                        "accrued_to")}
        due = dates["due"]
        assert due is not None
        return cls(key, doc["household"], doc["period"], due, doc["total_fen"],
                   dates["extended_to"], dates["accrued_to"], doc.get("late_charged_fen", 0), doc.get("signed"))


@dataclass(slots=True)
class Receipt:
    """A payment's receipt: what was paid, how, and where it went. A re-issued receipt is a new
    number that names the original (``reissue_of``); the original stays valid and names it."""

    receipt_no: str
    household: str
    payment_id: str
    amount_fen: int
    method: str
    allocated: list[dict[str, Any]]
    credit_fen: int
    time: float
    reissue_of: str | None = None
    reissued_as: list[str] = field(default_factory=list)
    refunded: dict[str, Any] | None = None

    def as_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Receipt:
        if doc.keys() <= _RECEIPT_FIELDS:
            return cls(**doc)
        return cls(**{key: value for key, value in doc.items() if key in _RECEIPT_FIELDS})


#: What a receipt's row may hold (a row of an older version may hold more; it is left out).
_RECEIPT_FIELDS: Final = frozenset(item.name for item in fields(Receipt))
