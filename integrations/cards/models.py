"""A card as the centre keeps it: one record per card, by its canonical UID."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from .const import ACTIVE, CARD_ACCOUNT, DOOR


@dataclass(frozen=True, slots=True)
class Card:
    """One card. ``valid_from``/``valid_to`` are epoch seconds (``valid_to`` exclusive: the first
    moment it no longer works); ``restriction`` the access restriction a loss report set."""

    uid: str  # 8 upper-case hex digits
    holder: str  # the person's id
    subsystems: tuple[str, ...]
    card_class: str
    access_groups: tuple[str, ...] = ()  # empty: the holder's own groups at each door
    valid_from: float | None = None
    valid_to: float | None = None
    deposit_fen: int = 0
    status: str = ACTIVE
    issued_at: float = 0.0
    issued_by: str | None = None
    source: str = "issued"  # issued | sheet
    restriction: str | None = None
    replaces: str | None = None  # the card this one was reissued for
    replaced_by: str | None = None
    retired_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def account(self) -> str:
        return f"{CARD_ACCOUNT}{self.uid}"

    @property
    def opens_doors(self) -> bool:
        return DOOR in self.subsystems

    def valid_at(self, at: float) -> bool:
        return (self.valid_from is None or at >= self.valid_from) and (self.valid_to is None or at < self.valid_to)

    def as_doc(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["subsystems"] = list(self.subsystems)
        doc["access_groups"] = list(self.access_groups)
        return doc

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Card:
        values = {key: doc[key] for key in cls.__dataclass_fields__ if key in doc}
        values["subsystems"] = tuple(values.get("subsystems") or ())
        values["access_groups"] = tuple(values.get("access_groups") or ())
        return cls(**values)

    def as_response(self, tz: tzinfo) -> dict[str, Any]:
        """What staff see: times in the site's zone, the card's number in full (they hold it)."""
        doc = self.as_doc()
        doc["card"] = doc.pop("uid")
        doc.pop("extra")
        for key in ("valid_from", "valid_to", "issued_at", "retired_at"):
            doc[key] = iso(doc[key], tz)
        return doc


def iso(at: float | None, tz: tzinfo) -> str | None:
    return None if at is None else datetime.fromtimestamp(at, tz).isoformat()
