"""The late fee: overdue principal × a rate per day × the days after the grace, rounded once.

Pure: ``LateFeeRule.from_config(section)`` and its two questions. ``charge(principal, days)``
is what ``billing.late_fee`` answers: ``days`` are days overdue (the day after the due date
is day 1), the first ``grace_days`` of them are free, and every later day costs
``percent_per_day`` % of the principal (0.3 by default). The exact amount is rounded once by
``rounding``; a cap (``cap_percent`` of the principal, ``cap_fen``, the smaller if both) cuts
it. docs/billing.md ("Late fee") has the worked examples; they are tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from xiaoqu.core.money import yuan
from xiaoqu.core.validation import vol

from .const import DEFAULT_GRACE_DAYS, DEFAULT_LATE_PERCENT, HALF_UP, ROUNDINGS
from .rounding import NAMES, exact_fen, to_fen


def percent(value: Any) -> Decimal:
    """A percentage as exact decimal text (``"0.3"``), 0 to 100; a float would not be exact."""
    if isinstance(value, bool) or isinstance(value, float):
        raise vol.Invalid('expected a percentage as text, like "0.3" (a float is not exact)')
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise vol.Invalid('expected a percentage, like "0.3"') from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise vol.Invalid("expected a percentage from 0 to 100")
    return number


def _days(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 3650:
        raise vol.Invalid("expected whole days from 0 to 3650")
    return value


LATE_FEE_SCHEMA = vol.Schema({
    vol.Optional("percent_per_day", default=DEFAULT_LATE_PERCENT): percent,
    vol.Optional("grace_days", default=DEFAULT_GRACE_DAYS): _days,
    vol.Optional("rounding", default=HALF_UP): vol.In(ROUNDINGS, msg=f"expected one of {', '.join(ROUNDINGS)}"),
    vol.Optional("cap_percent"): percent,
    vol.Optional("cap_fen"): vol.All(int, vol.Range(min=0)),
})


def _percent_text(value: Decimal) -> str:
    return f"{value.normalize():f}%"


@dataclass(frozen=True, slots=True)
class LateFee:
    """A late fee and the sentence that shows its arithmetic."""

    fen: int
    explanation: str


@dataclass(frozen=True, slots=True)
class LateFeeRule:
    percent_per_day: Decimal
    grace_days: int
    rounding: str
    cap_percent: Decimal | None = None
    cap_fen: int | None = None

    @classmethod
    def from_config(cls, section: dict[str, Any] | None = None) -> LateFeeRule:
        conf = LATE_FEE_SCHEMA(dict(section or {}))
        return cls(conf["percent_per_day"], conf["grace_days"], conf["rounding"], conf.get("cap_percent"),
                   conf.get("cap_fen"))

    @property
    def rule(self) -> str:
        """The rule in words, as docs and answers name it."""
        caps = []
        if self.cap_percent is not None:
            caps.append(f"{_percent_text(self.cap_percent)} of the principal")
        if self.cap_fen is not None:
            caps.append(yuan(self.cap_fen))
        cap = f", at most {' or '.join(caps)} a bill" if caps else ""
        return (f"{_percent_text(self.percent_per_day)} of the overdue principal a day after {self.grace_days} "
                f"grace days, {NAMES[self.rounding]}{cap}")

    def cap(self, principal: int) -> int | None:
        """The most a bill of ``principal`` may be charged in late fees; None: no cap."""
        caps = [] if self.cap_fen is None else [self.cap_fen]
        if self.cap_percent is not None:
            caps.append(to_fen(Fraction(self.cap_percent) * principal / 100, self.rounding))
        return min(caps) if caps else None

    def charge(self, principal: int, days: int) -> LateFee:
        """The late fee on ``principal`` overdue ``days`` days (the grace taken off first)."""
        charged = max(0, days - self.grace_days)
        grace = f" ({days} days overdue, the first {self.grace_days} free)" if self.grace_days and days else ""
        return self.accrue(principal, charged, self.cap(principal), grace)

    def accrue(self, principal: int, days: int, cap: int | None, note: str = "") -> LateFee:
        """The late fee on ``principal`` for ``days`` charged days, cut to ``cap`` (what a bill may
        still be charged); ``note`` follows the day count in the sentence."""
        exact = Fraction(self.percent_per_day) * principal * days / 100
        fen = to_fen(exact, self.rounding)
        sentence = (f"{yuan(principal)} × {_percent_text(self.percent_per_day)} × {days} day{'' if days == 1 else 's'}{note} = "
                    f"{yuan(fen)}")
        if exact != fen:
            sentence += f" ({NAMES[self.rounding]} from {exact_fen(exact)})"
        if cap is not None and fen > cap:
            sentence += f", capped at {yuan(cap)}"
            fen = cap
        return LateFee(fen, sentence)
