"""The card centre's reports: issued cards, balances, recharges, extensions, losses, consumption.

Each is a header, rows and totals. Money comes from the ledger itself (its transactions, or
its balances), so a report's totals are the ledger's: ``balances`` sums every card account,
``recharges`` every recharge in the period, ``consumption`` every charge in it by day,
terminal and meal period. Acts (issued, extended, lost) come from the card records and the
card's history. ``progress(n)`` is called as rows are made, for a bar on the command line.

A report reads :class:`Books` (the card records, the ledger, the recorder, the site's time
zone), not the running centre, so ``xiaoqu cards report`` makes the same report from a
stopped hub's files.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Final

from .const import CARD_ACCOUNT, CHARGE, HISTORY_KIND, RECHARGE, SALES_ACCOUNT
from .models import iso
from .stored_value import receipt_no

if TYPE_CHECKING:
    from xiaoqu.core.ledger import Ledger
    from xiaoqu.core.recorder import Recorder

    from .cards import Cards
    from .registry import CardRegistry

KINDS: Final = ("issued", "balances", "recharges", "extensions", "losses", "consumption")
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class Books:
    """What the reports read: the card records, the ledger, the acts in the recorder, the time zone."""

    registry: CardRegistry
    ledger: Ledger
    recorder: Recorder
    tz: tzinfo

    @classmethod
    def of(cls, cards: Cards) -> Books:
        """The running centre's books."""
        return cls(cards.registry, cards.wallet.ledger, cards.hub.recorder, cards.tz)


@dataclass
class Report:
    kind: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)

    def as_response(self) -> dict[str, Any]:
        return {"kind": self.kind, "header": self.header, "rows": self.rows, "totals": self.totals}


async def build(books: Books, kind: str, start: float | None, end: float | None,
                progress: Progress = lambda _n: None) -> Report:
    """Report ``kind`` over ``start <= time < end`` (``balances``: as they stand now)."""
    return await _BUILDERS[kind](books, start, end, progress)


def _in(at: float | None, start: float | None, end: float | None) -> bool:
    return at is not None and (start is None or at >= start) and (end is None or at < end)


async def _issued(books: Books, start: float | None, end: float | None, progress: Progress) -> Report:
    report = Report("issued", ["card", "holder", "card_class", "subsystems", "status", "valid_to", "deposit_fen",
                               "issued_at", "issued_by"])
    for card in books.registry.records():
        if _in(card.issued_at, start, end) and card.source != "sheet":
            report.rows.append([card.uid, card.holder, card.card_class, " ".join(card.subsystems), card.status,
                                iso(card.valid_to, books.tz), card.deposit_fen, iso(card.issued_at, books.tz),
                                card.issued_by])
            progress(1)
    report.totals = {"cards": len(report.rows), "deposit_fen": sum(row[6] for row in report.rows)}
    return report


async def _balances(books: Books, _start: float | None, _end: float | None, progress: Progress) -> Report:
    report = Report("balances", ["card", "holder", "status", "balance_fen"])
    for account, balance in sorted(books.ledger.balances().items()):
        if account.startswith(CARD_ACCOUNT):
            card = books.registry.get(account.removeprefix(CARD_ACCOUNT))
            report.rows.append([account.removeprefix(CARD_ACCOUNT), card.holder if card else None,
                                card.status if card else None, balance])
            progress(1)
    report.totals = {"cards": len(report.rows), "balance_fen": sum(row[3] for row in report.rows)}
    return report


async def _recharges(books: Books, start: float | None, end: float | None, progress: Progress) -> Report:
    report = Report("recharges", ["time", "card", "amount_fen", "method", "payment_id", "receipt_no", "by"])
    async for transaction in books.ledger.transactions(RECHARGE, start, end):
        data = transaction.data
        account = f"{CARD_ACCOUNT}{data['card']}"
        report.rows.append([iso(transaction.time, books.tz), data["card"], dict(transaction.legs)[account],
                            data["method"], data["payment_id"], receipt_no(transaction), data.get("by")])
        progress(1)
    report.totals = {"recharges": len(report.rows), "amount_fen": sum(row[2] for row in report.rows)}
    return report


async def _acts(books: Books, kind: str, act: str, header: list[str], fields: list[str], start: float | None,
                end: float | None, progress: Progress) -> Report:
    report = Report(kind, ["time", "card", "by", *header])
    await books.recorder.flush()  # the acts just made are in
    async for record in books.recorder.iterate(HISTORY_KIND, since=start, until=end, where={"act": act}):
        report.rows.append([iso(record.time, books.tz), record.subject, record.data.get("by"),
                            *(_cell(record.data.get(name)) for name in fields)])
        progress(1)
    report.totals = {kind: len(report.rows)}
    return report


def _cell(value: Any) -> Any:
    return " → ".join(str(v) for v in value) if isinstance(value, list) else value


async def _extensions(books: Books, start: float | None, end: float | None, progress: Progress) -> Report:
    return await _acts(books, "extensions", "extended", ["valid_to"], ["valid_to"], start, end, progress)


async def _losses(books: Books, start: float | None, end: float | None, progress: Progress) -> Report:
    return await _acts(books, "losses", "reported_lost", ["reason", "restriction"], ["reason", "restriction"],
                       start, end, progress)


async def _consumption(books: Books, start: float | None, end: float | None, progress: Progress) -> Report:
    """Charges by day, terminal and meal period (the POS puts ``period`` in a charge's data)."""
    amounts: Counter[tuple[str, str, str]] = Counter()
    counts: Counter[tuple[str, str, str]] = Counter()
    async for transaction in books.ledger.transactions(CHARGE, start, end):
        terminal = next((a.removeprefix(SALES_ACCOUNT) for a, _n in transaction.legs if a.startswith(SALES_ACCOUNT)),
                        "")
        key = (f"{datetime.fromtimestamp(transaction.time, books.tz):%Y-%m-%d}", terminal,
               str(transaction.data.get("period") or ""))
        amounts[key] += sum(n for a, n in transaction.legs if a.startswith(SALES_ACCOUNT))
        counts[key] += 1
        progress(1)
    report = Report("consumption", ["date", "terminal", "period", "charges", "amount_fen"],
                    [[*key, counts[key], amounts[key]] for key in sorted(amounts)])
    report.totals = {"charges": sum(counts.values()), "amount_fen": sum(amounts.values())}
    return report


_BUILDERS: Final = {"issued": _issued, "balances": _balances, "recharges": _recharges, "extensions": _extensions,
                    "losses": _losses, "consumption": _consumption}
