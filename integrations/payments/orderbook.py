"""Orders and flagged payments in ``<data dir>/payments.db``, kept in memory for look-ups.

A row store (``core/rowstore.py``): one row per order, written when it is made and when it is
paid, read once at start-up. The money is not here but in the ledger (:mod:`.books`), which
decides that an order is paid once; a row lost to a power cut is rebuilt from it.
"""
from __future__ import annotations

from pathlib import Path

from xiaoqu.core.rowstore import RowStore

from .const import STORE_FILE, TABLE_FLAGS, TABLE_ORDERS
from .models import Flag, Order


class OrderBook:
    """Every order by id and every flag by its ledger id; the store writes each change."""

    def __init__(self, data_dir: Path) -> None:
        self.store = RowStore(data_dir / STORE_FILE, (TABLE_ORDERS, TABLE_FLAGS))
        self._orders: dict[str, Order] = {}
        self._flags: dict[str, Flag] = {}

    async def open(self) -> None:
        await self.store.open()
        self._orders = {key: Order.from_doc(doc) for key, doc in await self.store.load(TABLE_ORDERS)}
        self._flags = {key: Flag.from_doc(doc) for key, doc in await self.store.load(TABLE_FLAGS)}

    async def close(self) -> None:
        await self.store.close()

    def order(self, order_id: str) -> Order | None:
        return self._orders.get(order_id)

    async def save(self, order: Order) -> None:
        """Write ``order`` (new or changed); durable when this returns."""
        await self.store.put(TABLE_ORDERS, order.order_id, order.as_doc())
        self._orders[order.order_id] = order

    def flag_of(self, key: str) -> Flag | None:
        return self._flags.get(key)

    async def flag(self, flag: Flag) -> None:
        await self.store.put(TABLE_FLAGS, flag.key, flag.as_doc())
        self._flags[flag.key] = flag

    def orders(self, *, status: str | None = None, purpose: str | None = None, reference: str | None = None,
               limit: int | None = None) -> list[Order]:
        """Orders newest first, of one status, purpose or reference if asked."""
        found = [order for order in self._orders.values()
                 if (status is None or order.status == status) and (purpose is None or order.purpose == purpose)
                 and (reference is None or order.reference == reference)]
        found.sort(key=lambda order: order.created, reverse=True)
        return found if limit is None else found[:limit]

    def flags(self, limit: int | None = None) -> list[Flag]:
        """Flagged payments, newest first."""
        found = sorted(self._flags.values(), key=lambda flag: flag.time, reverse=True)
        return found if limit is None else found[:limit]
