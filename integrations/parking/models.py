"""What parking keeps: lots, lanes and passes as configured, and each car's session.

A session is one stay of one car in one lot, from its entry read to its exit, with who the
car was to the lot (``kind``), the decision that let it in, the fee quoted at the exit and
what was paid (the ledger holds the money; ``paid_fen`` repeats its balance). It is a row of
``parking.db`` (a row store) and an object in memory; decisions read only memory.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, tzinfo
from typing import Any

from xiaoqu.core.masking import mask_plate

from .const import INSIDE, LEFT, TEMPORARY_KINDS
from .tariff import Fee, Tariff


@dataclass(frozen=True, slots=True)
class FixedSpace:
    """A space of one household, for the plates it lists."""

    space: str
    household: str
    plates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Lot:
    id: str
    name: str
    capacity: int
    temporary_spaces: int
    admit_temporary: bool
    residents_free: bool
    tariff: Tariff | None
    spaces: dict[str, FixedSpace]
    grace_minutes: int
    unmatched_fee_fen: int | None
    unmatched_hours: int

    @classmethod
    def from_config(cls, config: dict[str, Any], tz: tzinfo) -> Lot:
        tariff = Tariff.from_config(config["tariff"], tz) if "tariff" in config else None
        spaces = {s["space"]: FixedSpace(s["space"], s["household"], tuple(s["plates"])) for s in config["fixed_spaces"]}
        return cls(config["id"], config.get("name", config["id"]), config["capacity"], config["temporary_spaces"],
                   config["admit_temporary"], config["residents_free"], tariff, spaces, config["grace_minutes"],
                   config.get("unmatched_fee_fen"), config["unmatched_hours"])

    def fee(self, entered: datetime, exited: datetime) -> Fee:
        """The lot's tariff for a stay (aware times); a lot without a tariff is free."""
        if self.tariff is None:
            return Fee(0, [f"lot {self.id} has no tariff: parking there is free"], "no tariff")
        return self.tariff.fee(entered, exited)

    def space_of(self, plate: str) -> FixedSpace | None:
        """The fixed space that lists ``plate``, if any."""
        return next((space for space in self.spaces.values() if plate in space.plates), None)


@dataclass(frozen=True, slots=True)
class Lane:
    id: str
    name: str
    lot: str
    direction: str
    camera: str
    barrier: str
    display: str | None

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Lane:
        return cls(config["id"], config.get("name", config["id"]), config["lot"], config["direction"], config["camera"],
                   config["barrier"], config.get("display"))


@dataclass(frozen=True, slots=True)
class MonthlyPass:
    plate: str
    lot: str
    until: float  # epoch seconds: the pass is valid before this
    name: str | None = None


def iso(when: float | None, tz: tzinfo) -> str | None:
    return None if when is None else datetime.fromtimestamp(when, tz).isoformat()


@dataclass(slots=True)
class Session:
    """One car's stay in one lot (see the module docstring)."""

    id: str
    plate: str
    lot: str
    kind: str
    status: str = INSIDE
    entered_at: float | None = None
    entry_lane: str | None = None
    entry_read: str | None = None
    entry_snapshot: str | None = None
    reason: str = ""
    rule: str = ""
    household: str | None = None
    space: str | None = None
    #: From when the stay is charged by the tariff: entry (temporary), a pass's or permission's
    #: end (pass, visitor); None: never (a resident on the household's space).
    charge_from: float | None = None
    #: The entry was counted in the lot's occupancy (not so for an exit with no entry).
    counted: bool = True
    exit_lane: str | None = None
    exit_read: str | None = None
    exit_snapshot: str | None = None
    exited_at: float | None = None
    matched: str | None = None
    read_as: str | None = None
    #: The exit's quote: the fee, when it was worked out, and its lines.
    fee_fen: int | None = None
    quoted_at: float | None = None
    explanation: list[str] = field(default_factory=list)
    paid_fen: int = 0
    #: When the payments made reached the fee of the stay until then (for the grace after it).
    paid_through: float | None = None
    orders: list[str] = field(default_factory=list)
    unpaid_fen: int = 0
    released_by: str | None = None
    attention: list[str] = field(default_factory=list)

    @property
    def open(self) -> bool:
        return self.status != LEFT

    @property
    def temporary_space(self) -> bool:
        """The car takes one of the lot's temporary spaces."""
        return self.kind in TEMPORARY_KINDS

    @property
    def due_fen(self) -> int:
        return max(0, (self.fee_fen or 0) - self.paid_fen)

    @property
    def order_id(self) -> str | None:
        return self.orders[-1] if self.orders else None

    def as_doc(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Session:
        known = {item.name for item in fields(cls)}
        return cls(**{key: value for key, value in doc.items() if key in known})

    def as_response(self, tz: tzinfo) -> dict[str, Any]:
        """As services answer it: times in the site's zone, the plate masked."""
        doc = self.as_doc()
        doc.update(plate=mask_plate(self.plate), read_as=mask_plate(self.read_as) if self.read_as else None,
                   due_fen=self.due_fen, order_id=self.order_id)
        for key in ("entered_at", "exited_at", "quoted_at", "paid_through", "charge_from"):
            doc[key] = iso(doc[key], tz)
        del doc["orders"]
        return doc
