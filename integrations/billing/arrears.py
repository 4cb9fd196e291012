"""What a household owes, computed from its open bills in memory: no disk, no ledger read.

- ``outstanding_fen``: principal billed and neither paid nor waived, due or not yet due;
- ``overdue_fen``: the part of it past its (possibly extended) due date;
- ``late_fee_fen``: late fee charged and unpaid, plus what has accrued since it was last
  charged (to today, by the site's late-fee rule);
- ``oldest_due``: the earliest due date among the bills still owing; ``days`` since it (0 when
  not yet past) and ``months``: whole calendar months since it (15 March → 14 May is 1, → 15 May 2).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .books import Books
from .latefee import LateFee, LateFeeRule
from .models import Bill

NO_FEE = LateFee(0, "")


def whole_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)
    return max(0, months)


def accruing(rule: LateFeeRule, bill: Bill, principal: int, today: date) -> LateFee:
    """The late fee ``bill`` has accrued on ``principal`` since it was last charged (or since its
    due date and the grace), to ``today``; at most what the bill's cap leaves."""
    start = bill.effective_due + timedelta(days=rule.grace_days)
    if bill.accrued_to is not None and bill.accrued_to > start:
        start = bill.accrued_to
    days = (today - start).days
    if days <= 0 or principal <= 0:
        return NO_FEE
    cap = rule.cap(bill.total_fen)
    left = None if cap is None else max(0, cap - bill.late_charged_fen)
    return rule.accrue(principal, days, left, f" ({start + timedelta(days=1)} to {today})")


@dataclass(frozen=True, slots=True)
class Arrears:
    household: str
    outstanding_fen: int
    overdue_fen: int
    late_fee_fen: int
    oldest_due: date | None
    days: int
    months: int
    credit_fen: int
    bills: tuple[str, ...]

    @property
    def total_fen(self) -> int:
        return self.outstanding_fen + self.late_fee_fen

    def as_response(self) -> dict[str, Any]:
        return {"household": self.household, "outstanding_fen": self.outstanding_fen,
                "overdue_fen": self.overdue_fen, "late_fee_fen": self.late_fee_fen, "total_fen": self.total_fen,
                "oldest_due": None if self.oldest_due is None else self.oldest_due.isoformat(), "days": self.days,
                "months": self.months, "credit_fen": self.credit_fen, "bills": list(self.bills)}


def arrears_of(household: str, bills: list[Bill], books: Books, rule: LateFeeRule, today: date) -> Arrears:
    outstanding = overdue = late = 0
    oldest: date | None = None
    owing = []
    for bill in bills:
        principal, charged = books.due(bill.id), books.late(bill.id)
        if not principal and not charged:
            continue
        owing.append(bill.id)
        due = bill.effective_due
        outstanding += principal
        late += charged + accruing(rule, bill, principal, today).fen
        if due < today:
            overdue += principal
        if oldest is None or due < oldest:
            oldest = due
    days = 0 if oldest is None else max(0, (today - oldest).days)
    months = 0 if oldest is None else whole_months(oldest, today)
    return Arrears(household, outstanding, overdue, late, oldest, days, months, books.credit(household), tuple(owing))
