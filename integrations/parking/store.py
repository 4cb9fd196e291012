"""Sessions, occupancy and pass reminders in ``<data dir>/parking.db``, read once at start-up.

A row store (``core/rowstore.py``): one row per session, written when it opens, when its exit
is quoted, paid or released, and when it closes; one row per lot for its occupancy; one per
pass reminder sent. The money is not here but in the ledger (:mod:`.books`).
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xiaoqu.core.rowstore import Change, RowStore

from .const import STORE_FILE, TABLE_LOTS, TABLE_REMINDERS, TABLE_SESSIONS, TABLES
from .models import Session


class ParkingStore:
    def __init__(self, data_dir: Path) -> None:
        self.rows = RowStore(data_dir / STORE_FILE, TABLES)

    async def open(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """Open the file and read every table."""
        await self.rows.open()
        return {table: await self.rows.load(table) for table in TABLES}

    async def close(self) -> None:
        await self.rows.close()

    async def save(self, session: Session) -> None:
        """Write ``session`` (new or changed); durable when this returns."""
        await self.rows.put(TABLE_SESSIONS, session.id, session.as_doc())

    async def forget(self, sessions: Iterable[str]) -> None:
        await self.rows.write([Change(TABLE_SESSIONS, key, None) for key in sessions])

    async def save_lot(self, lot: str, doc: dict[str, Any]) -> None:
        await self.rows.put(TABLE_LOTS, lot, doc)

    async def save_reminder(self, key: str, doc: dict[str, Any]) -> None:
        await self.rows.put(TABLE_REMINDERS, key, doc)
