"""Billing's money on a ledger (``<data dir>/billing_ledger.db``); docs/billing.md ("The books").

Each bill has two accounts, both with a floor of 0: ``due:<bill>`` (its principal still owed)
and ``late:<bill>`` (late fee charged and not yet paid, opened when first charged). A
household's credit is ``credit:<household>`` (the credit held is minus its balance). Every
posting's id says what it is, so a repeat changes nothing: ``bill:<bill>``, ``credit:<bill>``,
``late:<bill>:<occasion>``, ``pay:<payment_id>``, ``waive:<act>``, ``correct:<act>``, and a
refund ``refund:<payment_id>``, the reversal of the payment's posting.
"""
from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from xiaoqu.core.ledger import Ledger, Posted, Transaction

from .const import (
    CREDIT,
    DUE,
    INCOME,
    INCOME_LATE_FEE,
    KIND_BILL,
    KIND_CORRECTION,
    KIND_CREDIT,
    KIND_LATE,
    KIND_PAYMENT,
    KIND_REFUND,
    KIND_WAIVER,
    LATE,
    LATE_FEE,
    LEDGER_FILE,
    METHOD,
    WAIVED,
)
from .fees import Line

#: An allocation: (bill id, part, fen).
Allocation = tuple[str, str, int]


class Books:
    def __init__(self, data_dir: Path, clock: Callable[[], float]) -> None:
        self.ledger = Ledger(data_dir / LEDGER_FILE, clock=clock)

    async def open(self) -> None:
        await self.ledger.open()

    async def close(self) -> None:
        await self.ledger.close()

    def _balance(self, account: str) -> int:
        return self.ledger.balance(account) if self.ledger.has_account(account) else 0

    def due(self, bill: str) -> int:
        return self._balance(f"{DUE}{bill}")

    def late(self, bill: str) -> int:
        return self._balance(f"{LATE}{bill}")

    def credit(self, household: str) -> int:
        """The credit ``household`` holds (0 or more)."""
        return -self._balance(f"{CREDIT}{household}")

    async def issue(self, bills: Sequence[tuple[str, str, Sequence[Line], Mapping[str, Any]]]) -> list[Posted]:
        """Post each ``(bill, household, lines, data)``: the bill owed, each item's income earned."""
        items = {line.item for _bill, _household, lines, _data in bills for line in lines}
        await asyncio.gather(*(self.ledger.ensure_account(f"{INCOME}{item}", None) for item in items),
                             *(self.ledger.ensure_account(f"{DUE}{bill}") for bill, *_rest in bills))
        return list(await asyncio.gather(*(self._issue(*bill) for bill in bills)))

    async def _issue(self, bill: str, household: str, lines: Sequence[Line], data: Mapping[str, Any]) -> Posted:
        income: dict[str, int] = defaultdict(int)
        for line in lines:
            income[line.item] += line.amount_fen
        total = sum(income.values())
        legs = [(f"{DUE}{bill}", total), *((f"{INCOME}{item}", -fen) for item, fen in income.items() if fen)]
        return await self.ledger.post(f"bill:{bill}", KIND_BILL, legs, data={"household": household, **data})

    async def use_credit(self, bill: str, household: str, fen: int) -> Posted:
        """Credit ``household`` holds paying ``fen`` of a new ``bill``."""
        return await self.ledger.post(f"credit:{bill}", KIND_CREDIT,
                                      [(f"{CREDIT}{household}", fen), (f"{DUE}{bill}", -fen)],
                                      data={"household": household, "bill": bill})

    async def charge_late(self, bill: str, occasion: str, fen: int, data: Mapping[str, Any]) -> Posted:
        account = await self.ledger.ensure_account(f"{LATE}{bill}")
        await self.ledger.ensure_account(INCOME_LATE_FEE, None)
        return await self.ledger.post(f"late:{bill}:{occasion}", KIND_LATE, [(account, fen), (INCOME_LATE_FEE, -fen)],
                                      data={"bill": bill, **data})

    async def pay(self, payment_id: str, household: str, method: str, amount: int, allocations: Sequence[Allocation],
                  credit: int, data: Mapping[str, Any]) -> Posted:
        """``amount`` taken by ``method``: each allocation off its bill's part, ``credit`` kept."""
        legs = [(await self.ledger.ensure_account(f"{METHOD}{method}", None), amount),
                *((_part_account(bill, part), -fen) for bill, part, fen in allocations)]
        if credit:
            legs.append((await self.ledger.ensure_account(f"{CREDIT}{household}", None), -credit))
        return await self.ledger.post(self.payment_id(payment_id), KIND_PAYMENT, legs,
                                      data={"household": household, **data})

    @staticmethod
    def payment_id(payment_id: str) -> str:
        return f"pay:{payment_id}"

    async def payment(self, payment_id: str) -> Transaction | None:
        return await self.ledger.transaction(self.payment_id(payment_id))

    async def waive(self, act: str, bill: str, part: str, fen: int, data: Mapping[str, Any]) -> Posted:
        waived = await self.ledger.ensure_account(f"{WAIVED}{part}", None)
        return await self.ledger.post(f"waive:{act}", KIND_WAIVER, [(_part_account(bill, part), -fen), (waived, fen)],
                                      data={"bill": bill, "part": part, **data})

    async def correct(self, act: str, bill: str, item: str, fen: int, data: Mapping[str, Any]) -> Posted:
        income = await self.ledger.ensure_account(f"{INCOME}{item}", None)
        return await self.ledger.post(f"correct:{act}", KIND_CORRECTION, [(f"{DUE}{bill}", fen), (income, -fen)],
                                      data={"bill": bill, "item": item, **data})

    async def refund(self, payment_id: str, data: Mapping[str, Any]) -> Posted:
        return await self.ledger.reverse(f"refund:{payment_id}", KIND_REFUND, self.payment_id(payment_id), data=data)


def _part_account(bill: str, part: str) -> str:
    return f"{LATE if part == LATE_FEE else DUE}{bill}"
