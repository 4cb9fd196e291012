"""Bills, receipts, staff's acts and usage readings in ``<data dir>/billing.db``, read once at start-up.

A row store (``core/rowstore.py``): one row per bill (written when issued, extended, signed or
its late fee charged), per receipt, per act (waiver, extension, vacancy, correction, refund,
re-issue: who approved what and why) and per usage reading. The money is in the ledger.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xiaoqu.core.rowstore import Change, RowStore

from .const import STORE_FILE, TABLE_ACTS, TABLE_BILLS, TABLE_READINGS, TABLE_RECEIPTS, TABLES
from .models import Bill, Receipt


class BillingStore:
    def __init__(self, data_dir: Path) -> None:
        self.rows = RowStore(data_dir / STORE_FILE, TABLES)

    async def open(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        await self.rows.open()
        return {table: await self.rows.load(table) for table in TABLES}

    async def close(self) -> None:
        await self.rows.close()

    async def save_bills(self, bills: Iterable[Bill]) -> None:
        await self.rows.write([Change(TABLE_BILLS, bill.id, bill.as_doc()) for bill in bills])

    async def save_receipts(self, receipts: Iterable[Receipt]) -> None:
        await self.rows.write([Change(TABLE_RECEIPTS, r.receipt_no, r.as_doc()) for r in receipts])

    async def save_act(self, act_id: str, doc: dict[str, Any], bills: Iterable[Bill] = (),
                       receipts: Iterable[Receipt] = ()) -> None:
        """An act's row and the bills and receipts it changed, in one transaction: all or none."""
        await self.rows.write([Change(TABLE_ACTS, act_id, doc),
                               *(Change(TABLE_BILLS, bill.id, bill.as_doc()) for bill in bills),
                               *(Change(TABLE_RECEIPTS, r.receipt_no, r.as_doc()) for r in receipts)])

    async def save_docs(self, table: str, docs: dict[str, dict[str, Any]]) -> None:
        """Rows of ``table`` by key, in one transaction."""
        await self.rows.write([Change(table, key, doc) for key, doc in docs.items()])

    async def save_reading(self, key: str, doc: dict[str, Any]) -> None:
        await self.rows.put(TABLE_READINGS, key, doc)
