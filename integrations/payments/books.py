"""The money payments takes in, on a ledger (``<data dir>/payments_ledger.db``).

A provider answered "taken" stops retrying its notify, so what payments answers with must be
on disk first, and survive a power cut: the ledger's commits are ``synchronous=FULL``, the
row stores' are not. Each payment is one posting whose id is its idempotency key:

- ``order:<order_id>`` (kind ``payment``): ``provider:<name>`` −amount, ``purpose:<purpose>``
  +amount. An order is paid once, whatever the provider sends, because the ledger applies an
  id once; the provider's transaction id is in the posting's data.
- ``unmatched:<provider>:<payment_id>`` (kind ``unmatched``): ``provider:<name>`` −amount,
  ``suspense:<name>`` +amount, for money that paid no order (flagged for staff).

Reports of income by provider, method or purpose are the ledger's transactions of kind
``payment``; a provider's settlement is checked against ``provider:<name>``.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import Any

from xiaoqu.core.ledger import Ledger, Posted, Transaction

from .const import LEDGER_FILE, PAYMENT, PROVIDER_ACCOUNT, PURPOSE_ACCOUNT, SUSPENSE_ACCOUNT, UNMATCHED


def order_transaction(order_id: str) -> str:
    return f"order:{order_id}"


def unmatched_transaction(provider: str, payment_id: str) -> str:
    return f"{UNMATCHED}:{provider}:{payment_id}"


class Books:
    """The ledger and the accounts payments opens on it."""

    def __init__(self, data_dir: Path, clock: Callable[[], float]) -> None:
        self.ledger = Ledger(data_dir / LEDGER_FILE, clock=clock)

    async def open(self) -> None:
        await self.ledger.open()

    async def close(self) -> None:
        await self.ledger.close()

    async def _account(self, prefix: str, name: str) -> str:
        return await self.ledger.ensure_account(f"{prefix}{name}", None)

    async def settle(self, order_id: str, provider: str, purpose: str, amount: int, data: Mapping[str, Any]) -> Posted:
        """Post order ``order_id`` paid; a repeat answers the first posting (``new`` False)."""
        legs = [(await self._account(PROVIDER_ACCOUNT, provider), -amount),
                (await self._account(PURPOSE_ACCOUNT, purpose), amount)]
        return await self.ledger.post(order_transaction(order_id), PAYMENT, legs, data=data)

    async def suspend(self, provider: str, payment_id: str, amount: int, data: Mapping[str, Any]) -> Posted:
        """Post money that paid no order to the provider's suspense account, once per transaction."""
        legs = [(await self._account(PROVIDER_ACCOUNT, provider), -amount),
                (await self._account(SUSPENSE_ACCOUNT, provider), amount)]
        return await self.ledger.post(unmatched_transaction(provider, payment_id), UNMATCHED, legs, data=data)

    def payments(self, since: float) -> AsyncIterator[Transaction]:
        """Orders paid since ``since``, oldest first."""
        return self.ledger.transactions(PAYMENT, start=since)
