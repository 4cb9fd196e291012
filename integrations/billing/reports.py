"""Billing's statements for the finance office: collection detail, receivables, arrears ageing,
income by item and month, the month-end arrears list, and the collection rate.

Every figure comes from the ledger (``billing_ledger.db``) or from the bills in memory whose
money is ledger balances, never from a copy, so each report reconciles with the books: the
collection detail's total is what the ``method:`` accounts moved in the days; income is what
the ``income:`` accounts were credited; receivables and the ageing add up to the ``due:`` and
``late:`` balances (late fee *charged*; what has accrued since is in ``billing.arrears``, not
yet on the books). A report says how its figures were made (``explanation``).

:func:`build` is what ``billing.report`` and ``xiaoqu billing report`` call. Days are the
site's, both ends included; money is integer fen.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.ledger import Transaction

from .const import (
    CREDIT,
    DUE,
    INCOME,
    KIND_CORRECTION,
    KIND_PAYMENT,
    KIND_REFUND,
    KIND_WAIVER,
    LATE,
    METHOD,
    PRINCIPAL,
)
from .fees import add_months, period_text

if TYPE_CHECKING:
    from .billing import Billing

COLLECTION: Final = "collection"
RECEIVABLES: Final = "receivables"
AGEING: Final = "ageing"
INCOME_REPORT: Final = "income"
ARREARS_LIST: Final = "arrears_list"
COLLECTION_RATE: Final = "collection_rate"
KINDS: Final = (COLLECTION, RECEIVABLES, AGEING, INCOME_REPORT, ARREARS_LIST, COLLECTION_RATE)
#: The ageing's buckets: (column, the most days overdue it holds); not yet due is ``current``.
BUCKETS: Final = (("days_0_30", 30), ("days_31_90", 90), ("days_91_180", 180), ("days_over_180", None))
#: The longest stretch a dated report covers, in days.
MAX_DAYS: Final = 3 * 366 + 31


@dataclass(frozen=True)
class Report:
    kind: str
    columns: tuple[str, ...]  # row keys in order (English snake_case; labels are the page's job)
    rows: list[dict[str, Any]]  # money in *_fen ints, days ISO strings
    totals: dict[str, int]
    explanation: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "columns": list(self.columns)}

    def lines(self) -> Iterable[list[Any]]:
        return ([row.get(column) for column in self.columns] for row in self.rows)


async def build(billing: Billing, kind: str, *, start: date | None = None, end: date | None = None) -> Report:
    """Report ``kind``; ``start``/``end`` (both included) for ``collection`` (default: this month),
    ``income`` and ``collection_rate`` (default: the twelve months to ``end``); the others are of
    now. A wrong argument is a :class:`ServiceValidationError` naming it."""
    today = billing.today()
    if kind == RECEIVABLES:
        return _receivables(billing)
    if kind == AGEING:
        return _ageing(billing, today)
    if kind == ARREARS_LIST:
        return _arrears_list(billing, today)
    if kind not in KINDS:
        raise ServiceValidationError(f"kind: expected one of {', '.join(KINDS)}, not {kind!r}")
    last = end or today
    first = start or (last.replace(day=1) if kind == COLLECTION else add_months(last.replace(day=1), -11))
    if last < first:
        raise ServiceValidationError(f"end: {last} is before start {first}")
    if (last - first).days + 1 > MAX_DAYS:
        raise ServiceValidationError(f"end: {first} to {last} is longer than a report covers ({MAX_DAYS} days)")
    if kind == COLLECTION:
        return await _collection(billing, first, last)
    if kind == INCOME_REPORT:
        return await _income(billing, first, last)
    return await _collection_rate(billing, first, last)


def _span(billing: Billing, first: date, last: date) -> tuple[float, float]:
    tz = billing.hub.clock.tz
    return (datetime.combine(first, time(), tz).timestamp(),
            datetime.combine(last + timedelta(days=1), time(), tz).timestamp())


async def _posted(billing: Billing, first: date, last: date, kind: str | None = None) -> AsyncIterator[Transaction]:
    start, end = _span(billing, first, last)
    async for posted in billing.books.ledger.transactions(kind, start, end):
        yield posted


def _day(billing: Billing, when: float) -> date:
    return datetime.fromtimestamp(when, billing.hub.clock.tz).date()


# --- money taken ---------------------------------------------------------------------------------

COLLECTION_COLUMNS: Final = ("time", "kind", "receipt_no", "payment_id", "household", "method", "amount_fen",
                             "principal_fen", "late_fee_fen", "credit_fen")


async def _collection(billing: Billing, first: date, last: date) -> Report:
    rows: list[dict[str, Any]] = []
    async for posted in _posted(billing, first, last):
        taken = [(account.removeprefix(METHOD), amount) for account, amount in posted.legs if account.startswith(METHOD)]
        if not taken:
            continue
        [(method, amount)] = taken
        data = posted.data.get("answer") or posted.data
        moved = dict(posted.legs)
        rows.append({"time": datetime.fromtimestamp(posted.time, billing.hub.clock.tz).isoformat(timespec="seconds"),
                     "kind": "payment" if posted.kind == KIND_PAYMENT else "refund",
                     "receipt_no": data.get("receipt_no"), "payment_id": data.get("payment_id"),
                     "household": data.get("household"), "method": method, "amount_fen": amount,
                     **{column: -sum(fen for account, fen in moved.items() if account.startswith(prefix))
                        for column, prefix in (("principal_fen", DUE), ("late_fee_fen", LATE),
                                               ("credit_fen", CREDIT))}})
    totals = {column: sum(row[column] for row in rows) for column in COLLECTION_COLUMNS[6:]}
    totals["payments"] = sum(row["kind"] == "payment" for row in rows)
    totals["refunds"] = sum(row["kind"] == "refund" for row in rows)
    why = (f"Money taken from {first} to {last} (site time, both days included), one row per ledger posting that "
           f"moved a method: account ({KIND_PAYMENT}; a refund, {KIND_REFUND}, is the same amount negative), split "
           "into what it paid of principal (due: legs), of late fee (late:) and what it kept as credit (credit:), "
           "a refund's parts negative. amount_fen is the method account's "
           "movement, so the total is what those accounts moved in the days.")
    return Report(COLLECTION, COLLECTION_COLUMNS, rows, totals, why)


# --- what is owed ----------------------------------------------------------------------------------

RECEIVABLE_COLUMNS: Final = ("household", "bills", "outstanding_fen", "late_fee_fen", "credit_fen", "net_fen")


def _receivables(billing: Billing) -> Report:
    books = billing.books
    credits = {account.removeprefix(CREDIT): -balance for account, balance in books.ledger.balances().items()
               if account.startswith(CREDIT) and balance}
    rows: list[dict[str, Any]] = []
    for household in sorted(set(billing.open) | set(credits)):
        bills = billing.open.get(household, [])
        principal = sum(books.due(b.id) for b in bills)
        late = sum(books.late(b.id) for b in bills)
        credit = credits.get(household, 0)
        rows.append({"household": household, "bills": len(bills), "outstanding_fen": principal, "late_fee_fen": late,
                     "credit_fen": credit, "net_fen": principal + late - credit})
    totals = {column: sum(row[column] for row in rows) for column in RECEIVABLE_COLUMNS[1:]}
    why = ("What each household owes now on the books: outstanding_fen the principal of its bills not yet paid or "
           f"waived (the {DUE} balances), late_fee_fen the late fee charged and unpaid ({LATE}; what has accrued "
           f"since the last charge is not on the books yet: see billing.arrears), credit_fen what it holds "
           f"({CREDIT}), net_fen the three together.")
    return Report(RECEIVABLES, RECEIVABLE_COLUMNS, rows, totals, why)


AGEING_COLUMNS: Final = ("household", "current_fen", *(name + "_fen" for name, _days in BUCKETS), "total_fen",
                         "oldest_due")


def _bucket(days: int) -> str:
    if days <= 0:
        return "current_fen"
    return next(name + "_fen" for name, most in BUCKETS if most is None or days <= most)


def _ageing(billing: Billing, today: date) -> Report:
    books = billing.books
    rows: list[dict[str, Any]] = []
    for household in sorted(billing.open):
        row: dict[str, Any] = {"household": household, **dict.fromkeys(AGEING_COLUMNS[1:-1], 0), "oldest_due": None}
        for bill in billing.open[household]:
            owed = books.due(bill.id) + books.late(bill.id)
            if not owed:
                continue
            row[_bucket((today - bill.effective_due).days)] += owed
            row["total_fen"] += owed
            due = bill.effective_due.isoformat()
            row["oldest_due"] = min(row["oldest_due"] or due, due)
        if row["total_fen"]:
            rows.append(row)
    totals = {column: sum(row[column] for row in rows) for column in AGEING_COLUMNS[1:-1]}
    why = (f"What is owed on {today} (principal and late fee charged, the {DUE} and {LATE} balances) by how long "
           "each bill is overdue: current not yet due, then 0–30 days past its due date (extended, if it was), "
           "31–90, 91–180 and over 180.")
    return Report(AGEING, AGEING_COLUMNS, rows, totals, why)


ARREARS_COLUMNS: Final = ("household", "overdue_fen", "outstanding_fen", "late_fee_fen", "total_fen", "oldest_due",
                          "days", "months", "bills")


def _arrears_list(billing: Billing, today: date) -> Report:
    rows: list[dict[str, Any]] = []
    for owed in billing.arrears_all(today).values():
        if owed.overdue_fen or owed.late_fee_fen:
            shown = owed.as_response()
            rows.append({**{k: shown[k] for k in ARREARS_COLUMNS[:-1]}, "bills": len(owed.bills)})
    rows.sort(key=lambda r: (-r["days"], r["household"]))
    totals = {column: sum(row[column] for row in rows) for column in ARREARS_COLUMNS[1:5]}
    totals["households"] = len(rows)
    why = (f"The households with anything overdue on {today} (the month-end list the procedure asks for), longest "
           "overdue first: overdue_fen the principal past its due date, late_fee_fen charged and accrued to "
           f"today by the site's rule ({billing.rule.rule}), months whole calendar months since oldest_due.")
    return Report(ARREARS_LIST, ARREARS_COLUMNS, rows, totals, why)


# --- income and the collection rate ----------------------------------------------------------------

INCOME_COLUMNS: Final = ("month", "item", "amount_fen")


async def _income(billing: Billing, first: date, last: date) -> Report:
    found: dict[tuple[str, str], int] = defaultdict(int)
    async for posted in _posted(billing, first, last):
        for account, amount in posted.legs:
            if account.startswith(INCOME):
                found[(period_text(_day(billing, posted.time)), account.removeprefix(INCOME))] -= amount
    rows: list[dict[str, Any]] = [{"month": month, "item": item, "amount_fen": fen}
                                  for (month, item), fen in sorted(found.items()) if fen]
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals[row["item"]] += row["amount_fen"]
    totals["amount_fen"] = sum(row["amount_fen"] for row in rows)
    why = (f"Income earned from {first} to {last} by fee item and the month it was posted: what each {INCOME} "
           "account was credited (a period's bills when its run posted them, corrections and late fees charged "
           "when they were made; income:late_fee is the late fee).")
    return Report(INCOME_REPORT, INCOME_COLUMNS, rows, dict(totals), why)


RATE_COLUMNS: Final = ("period", "bills", "billed_fen", "waived_fen", "collected_fen", "outstanding_fen",
                       "rate_percent")


async def _collection_rate(billing: Billing, first: date, last: date) -> Report:
    wanted = {period_text(add_months(first.replace(day=1), n))
              for n in range((last.year - first.year) * 12 + last.month - first.month + 1)}
    rows: dict[str, dict[str, Any]] = {p: {"period": p, **dict.fromkeys(RATE_COLUMNS[1:-1], 0)} for p in sorted(wanted)}
    for bill in billing.bills.values():
        row = rows.get(bill.period)
        if row is not None:
            row["bills"] += 1
            row["billed_fen"] += bill.total_fen
            row["outstanding_fen"] += billing.books.due(bill.id)
    for kind in (KIND_CORRECTION, KIND_WAIVER):  # few: staff's acts
        async for posted in billing.books.ledger.transactions(kind):
            corrected = billing.bills.get(posted.data.get("bill", ""))
            row = None if corrected is None else rows.get(corrected.period)
            if row is None:
                continue
            if kind == KIND_CORRECTION:
                row["billed_fen"] += posted.data["amount_fen"]
            elif posted.data.get("part") == PRINCIPAL:
                row["waived_fen"] += posted.data["amount_fen"]
    for row in rows.values():
        row["collected_fen"] = row["billed_fen"] - row["waived_fen"] - row["outstanding_fen"]
        row["rate_percent"] = rate_text(row["collected_fen"], row["billed_fen"] - row["waived_fen"])
    shown = list(rows.values())
    totals = {column: sum(row[column] for row in shown) for column in RATE_COLUMNS[1:-1]}
    why = (f"For each period from {period_text(first)} to {period_text(last)}: its bills' principal as issued and "
           "corrected (billed_fen), let off by waivers (waived_fen), still owed now (outstanding_fen, the due: "
           "balances) and the rest collected, by payment or credit; rate_percent = collected / (billed − waived), "
           "to one decimal, rounded half up. Late fees are not in it.")
    return Report(COLLECTION_RATE, RATE_COLUMNS, shown, totals, why)


def rate_text(part: int, whole: int) -> str:
    """``part / whole`` as a percentage to one decimal, rounded half up (``"97.5"``); ``"-"`` of nothing."""
    if whole <= 0:
        return "-"
    tenths = (part * 1000 * 2 + whole) // (2 * whole)
    return f"{tenths // 10}.{tenths % 10}"
