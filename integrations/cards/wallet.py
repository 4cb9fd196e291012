"""Stored value: the card centre's accounts and postings on the ledger (``<data dir>/cards_ledger.db``).

A balance is what a card's entries add up to, never a number kept beside them. Each card has
an account ``card:<uid>`` with a floor of 0 (the ledger refuses what would take it below);
money comes from and goes to accounts outside the cards, which have no floor:
``cash:<method>`` (taken in), ``refund:<method>`` (paid back), ``sales:<terminal>`` (what a POS
sold), and ``deposit:held`` (deposits taken and not yet returned, floor 0). Every posting's
id says what it is (``recharge:<payment_id>``, ``transfer:<old>:<new>``, ``return:<uid>``), so a
repeat is the same posting and applied once.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

from xiaoqu.core.ledger import BelowFloor, Ledger, Posted, Transaction

from .const import CARD_ACCOUNT, CASH_ACCOUNT, DEPOSIT, DEPOSIT_ACCOUNT, LEDGER_FILE, RECHARGE, REFUND_ACCOUNT

#: Attempts at a posting sized from a balance a concurrent charge may change meanwhile.
ATTEMPTS: Final = 3


def card_account(uid: str) -> str:
    return f"{CARD_ACCOUNT}{uid}"


class Wallet:
    """The ledger and the accounts the card centre opens on it."""

    def __init__(self, data_dir: Path, clock: Callable[[], float]) -> None:
        self.ledger = Ledger(data_dir / LEDGER_FILE, clock=clock)

    async def open(self) -> None:
        await self.ledger.open()
        await self.open_account(DEPOSIT_ACCOUNT, 0)

    async def close(self) -> None:
        await self.ledger.close()

    def __contains__(self, account: str) -> bool:
        """Whether ``account`` was ever opened (a card with no account never had money)."""
        return self.ledger.has_account(account)

    async def open_account(self, account: str, floor: int | None) -> str:
        """Open ``account`` once (a dict lookup after the first time); returns its name."""
        return await self.ledger.ensure_account(account, floor)

    async def card(self, uid: str) -> str:
        """Card ``uid``'s account, opened (floor 0) if it was not."""
        return await self.open_account(card_account(uid), 0)

    async def external(self, prefix: str, name: str) -> str:
        """An account outside the cards (``cash:wechat``, ``sales:canteen_1``): no floor."""
        return await self.open_account(f"{prefix}{name}", None)

    def balance(self, uid: str) -> int:
        """Card ``uid``'s committed balance in fen; 0 for a card that never had money."""
        account = card_account(uid)
        return self.ledger.balance(account) if self.ledger.has_account(account) else 0

    async def transaction(self, transaction_id: str) -> Transaction | None:
        return await self.ledger.transaction(transaction_id)

    async def recharge(self, uid: str, amount: int, payment_id: str, method: str,
                       data: Mapping[str, Any]) -> Posted:
        legs = [(await self.external(CASH_ACCOUNT, method), -amount), (await self.card(uid), amount)]
        return await self.ledger.post(f"{RECHARGE}:{payment_id}", RECHARGE, legs, data=data)

    async def take_deposit(self, uid: str, amount: int, method: str, data: Mapping[str, Any]) -> Posted:
        legs = [(await self.external(CASH_ACCOUNT, method), -amount), (DEPOSIT_ACCOUNT, amount)]
        return await self.ledger.post(f"{DEPOSIT}:{uid}", DEPOSIT, legs, data=data)

    async def drain(self, transaction_id: str, kind: str, uid: str, to: Callable[[int], list[tuple[str, int]]],
                    data: Mapping[str, Any]) -> Posted | None:
        """Move card ``uid``'s whole balance out by the legs ``to(balance)`` gives (with the card's
        own leg), once per ``transaction_id``; None when there is nothing to move.

        The balance is read, then posted: a charge committed in between makes the ledger refuse
        (the card would go below 0), so it is read again and posted again.
        """
        account = await self.card(uid)
        earlier = await self.ledger.transaction(transaction_id)
        if earlier is not None:
            return Posted.of(earlier, False)
        attempt = 1
        while True:
            balance = self.ledger.balance(account)
            legs = [leg for leg in ((account, -balance), *to(balance)) if leg[1] != 0]
            if not legs:
                return None
            try:
                return await self.ledger.post(transaction_id, kind, legs, data=data)
            except BelowFloor:
                if attempt == ATTEMPTS:
                    raise
                attempt += 1

    async def refund_account(self, method: str) -> str:
        return await self.external(REFUND_ACCOUNT, method)
