"""Fee items and what one costs a household for a period, in integer fen, with the sentence why.

Pure: no hub, no clock, no I/O. A :class:`FeeItem` comes from the ``billing: items:`` section;
``item.line(period, quantity)`` prices it for the billing period that starts on ``period``
(the first of a month) and answers None when the item bills nothing then.

- **Kinds.** ``area``: the household's floor area (exact to 0.01 m², as residents keeps it) ×
  the rate in fen per m² per month. ``per_unit``: a count (parking spaces, passes, a fixed
  utility charge: 1) × the rate in fen per unit per month. ``usage``: a quantity recorded for
  the period (a meter's reading, special services counted) × the rate in fen per unit, not
  multiplied by months.
- **Periods.** A monthly item bills every month; a quarterly one in January, April, July and
  October, for three months; a yearly one in January, for twelve. The item's due day is in the
  first month of what it bills (the 31st is the month's last day in a shorter month).
- **Effective dates and rate changes: by days.** An item bills only the days between its
  ``from`` and ``until`` (inclusive); a rate applies from its ``from``. When the days a bill
  covers are not all at one rate (a rate change or an item starting or ending mid-period), each
  stretch is charged ``rate × quantity × months × its days / the period's days``.
- **Rates finer than a fen.** A rate is exact: ``rate_fen`` a whole number or decimal text with
  up to 4 decimals of a fen (``"58.8"``), or ``rate_yuan`` decimal text with up to 6 decimals
  (``"0.588"``, electricity at ¥0.588/kWh); it is kept as a fraction of a fen, never a float.
- **Rounding once.** The stretches are added exactly (fractions of a fen) and the line rounded
  once by the setting ``rounding`` (half up by default), never stretch by stretch.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from xiaoqu.core.money import yuan

from .const import AREA, PER_UNIT, PERIOD_MONTHS, USAGE
from .rounding import NAMES, exact_fen, to_fen


def add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_day(first: date, day: int) -> date:
    """Day ``day`` of ``first``'s month, the month's last day when it is shorter."""
    last = (add_months(first, 1) - timedelta(days=1)).day
    return first.replace(day=min(day, last))


def parse_period(text: str) -> date:
    """``"2026-03"`` → 2026-03-01; ValueError naming the form otherwise."""
    try:
        year, month = text.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"expected a period as year and month, like 2026-03, got {text!r}") from None


def period_text(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def quantity_text(quantity: Fraction, unit: str) -> str:
    """``89.50 m²``, ``2 spaces``, ``12.5 m³``: a quantity as the line shows it."""
    if unit == "m²":
        centi = int(quantity * 100)
        return f"{centi // 100}.{centi % 100:02d} m²"
    if quantity.denominator == 1:
        return f"{quantity.numerator} {unit}"
    return f"{Decimal(quantity.numerator) / Decimal(quantity.denominator):f} {unit}"


def rate_text(fen: Fraction) -> str:
    """A rate as the line shows it: ``¥2.50``, or every decimal it has (``¥0.588``)."""
    if fen.denominator == 1:
        return yuan(fen.numerator)
    exact = Decimal(fen.numerator) / Decimal(fen.denominator) / 100
    return f"{'-' if exact < 0 else ''}¥{abs(exact).normalize():f}"


@dataclass(frozen=True, slots=True)
class Rate:
    start: date
    fen: Fraction  # exact: a rate may be finer than a fen (¥0.588/kWh is 58.8 fen)


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a bill: ``item`` charged ``amount_fen`` (a discount: negative), and why."""

    item: str
    name: str
    amount_fen: int
    why: str

    def as_doc(self) -> dict[str, Any]:
        return {"item": self.item, "name": self.name, "amount_fen": self.amount_fen, "why": self.why}


@dataclass(frozen=True, slots=True)
class Priced:
    """An item priced for a period: the line and the day it is due."""

    line: Line
    due: date


@dataclass(frozen=True, slots=True)
class FeeItem:
    id: str
    name: str
    kind: str
    rates: tuple[Rate, ...]  # by start
    months: int
    due_day: int
    start: date | None
    until: date | None  # the last day billed
    quantities: dict[str, int] | None  # per household (per_unit, or area/usage limited to these); None: all
    unit: str
    rounding: str

    @classmethod
    def from_config(cls, conf: dict[str, Any], rounding: str) -> FeeItem:
        rates = conf.get("rates") or [{**conf, "from": date.min}]
        households = conf.get("households")
        quantities = None if households is None else (
            dict(households) if isinstance(households, dict) else dict.fromkeys(households, 1))
        unit = conf.get("unit") or {AREA: "m²", PER_UNIT: "unit", USAGE: "unit"}[conf["kind"]]
        return cls(conf["id"], conf.get("name", conf["id"]), conf["kind"],
                   tuple(sorted((Rate(r["from"], rate_of(r)) for r in rates), key=lambda r: r.start)),
                   PERIOD_MONTHS[conf["period"]], conf["due_day"], conf.get("from"), conf.get("until"), quantities,
                   unit, rounding)

    def bills_in(self, period: date) -> bool:
        """Whether a run for ``period`` bills this item (quarterly: Jan/Apr/Jul/Oct; yearly: Jan)."""
        return (period.month - 1) % self.months == 0

    def applies_to(self, household: str) -> bool:
        return self.quantities is None or household in self.quantities

    def quantity_of(self, household: str, area_centi_m2: int | None, usage: Fraction | None) -> Fraction | None:
        """What the rate multiplies for ``household``; None when it has none (no area, no reading)."""
        if not self.applies_to(household):
            return None
        if self.kind == AREA:
            return None if area_centi_m2 is None else Fraction(area_centi_m2, 100)
        if self.kind == USAGE:
            return usage
        return Fraction(1 if self.quantities is None else self.quantities[household])

    def stretches(self, first: date, end: date) -> list[tuple[date, date, Fraction]]:
        """``(start, end, rate)`` for the days of [first, end) the item bills, by rate."""
        low = max(first, self.start) if self.start else first
        high = min(end, self.until + timedelta(days=1)) if self.until else end
        found = []
        for index, rate in enumerate(self.rates):
            stop = self.rates[index + 1].start if index + 1 < len(self.rates) else date.max
            a, b = max(low, rate.start), min(high, stop)
            if a < b:
                found.append((a, b, rate.fen))
        return found

    def line(self, period: date, quantity: Fraction) -> Priced | None:
        """The item for the billing period starting ``period``, for ``quantity``; None: nothing to bill."""
        if not self.bills_in(period) or quantity <= 0:
            return None
        end = add_months(period, self.months)
        span = (end - period).days
        stretches = self.stretches(period, end)
        if not stretches:
            return None
        months = 1 if self.kind == USAGE else self.months
        exact = sum((fen * months * (b - a).days / span * quantity for a, b, fen in stretches), Fraction(0))
        amount = to_fen(exact, self.rounding)
        if amount == 0:
            return None
        return Priced(Line(self.id, self.name, amount, self._why(quantity, stretches, span, exact, amount)),
                      month_day(period, self.due_day))

    def _why(self, quantity: Fraction, stretches: list[tuple[date, date, Fraction]], span: int, exact: Fraction,
             amount: int) -> str:
        per = f"/{self.unit}" + ("" if self.kind == USAGE else "/month")
        months = "" if self.kind == USAGE else f" × {self.months} month{'s' if self.months > 1 else ''}"
        amount_text = quantity_text(quantity, self.unit)
        whole = len(stretches) == 1 and (stretches[0][1] - stretches[0][0]).days == span
        if whole:
            terms = f"{amount_text} × {rate_text(stretches[0][2])}{per}{months}"
        else:
            terms = " + ".join(
                f"{amount_text} × {rate_text(fen)}{per}{months} × {(b - a).days}/{span} days ({a}–{b - timedelta(days=1)})"
                for a, b, fen in stretches)
        sentence = f"{self.name}: {terms} = {yuan(amount)}"
        notes = [] if whole else ["prorated by days"]
        if exact != amount:
            notes.append(f"{NAMES[self.rounding]} from {exact_fen(exact)}")
        return sentence + (f" ({'; '.join(notes)})" if notes else "")


def rate_of(conf: dict[str, Any]) -> Fraction:
    """The rate of a ``rates`` entry or an item, in exact fen: ``rate_fen`` or ``rate_yuan`` × 100."""
    if "rate_yuan" in conf:
        return Fraction(Decimal(conf["rate_yuan"])) * 100
    return Fraction(Decimal(conf["rate_fen"]))


def discount(line: Line, percent: Decimal, rounding: str, approver: str, reason: str) -> Line:
    """The vacant-unit discount (空置房) on ``line``: ``percent`` of it off, rounded as lines are."""
    off = to_fen(Fraction(percent) * line.amount_fen / 100, rounding)
    return Line(line.item, f"{line.name} vacancy discount", -off,
                f"vacant unit (空置房): {percent.normalize():f}% of {line.name} {yuan(line.amount_fen)} = "
                f"−{yuan(off)} (approved by {approver}: {reason})")
