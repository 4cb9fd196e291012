"""What was paid toward each session, on a ledger (``<data dir>/parking_ledger.db``).

A payment is one posting whose id is ``pay:<payment_id>``: ``method:<method>`` −amount (the
money came in that way: cash at the booth, WeChat through the payments integration...) and
``session:<id>`` +amount. The ledger applies an id once, so a payment repeated — a cashier's
retry, a provider's second notice — changes nothing and answers the first posting. A
session's balance is what was paid toward it; income by method is the ledger's postings of
kind ``parking_payment``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from xiaoqu.core.ledger import Ledger, Posted, Transaction

from .const import LEDGER_FILE, LEDGER_KIND, METHOD_ACCOUNT, SESSION_ACCOUNT


def session_account(session_id: str) -> str:
    return f"{SESSION_ACCOUNT}{session_id}"


class Books:
    def __init__(self, data_dir: Path, clock: Callable[[], float]) -> None:
        self.ledger = Ledger(data_dir / LEDGER_FILE, clock=clock)

    async def open(self) -> None:
        await self.ledger.open()

    async def close(self) -> None:
        await self.ledger.close()

    @staticmethod
    def transaction_id(payment_id: str) -> str:
        return f"pay:{payment_id}"

    async def posted(self, payment_id: str) -> Transaction | None:
        """The posting of ``payment_id``, if it was taken before."""
        return await self.ledger.transaction(self.transaction_id(payment_id))

    async def pay(self, payment_id: str, session_id: str, amount: int, method: str, data: Mapping[str, Any]) -> Posted:
        """Post ``amount`` paid toward ``session_id``; a repeated ``payment_id`` answers the first posting."""
        legs = [(await self.ledger.ensure_account(f"{METHOD_ACCOUNT}{method}", None), -amount),
                (await self.ledger.ensure_account(session_account(session_id), None), amount)]
        return await self.ledger.post(self.transaction_id(payment_id), LEDGER_KIND, legs, data={"session": session_id, **data})

    def paid(self, session_id: str) -> int:
        """What was paid toward ``session_id`` (0 when nothing was)."""
        account = session_account(session_id)
        return self.ledger.balance(account) if self.ledger.has_account(account) else 0
