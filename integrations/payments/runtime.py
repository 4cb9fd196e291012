"""Setting payments up in the hub, and finding it (``get_payments``)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core.const import EVENT_HUB_START
from xiaoqu.core.errors import HubError

from .books import Books
from .const import DATA_PAYMENTS
from .orderbook import OrderBook
from .payments import Payments

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub


async def set_up(hub: Hub, config: dict[str, Any]) -> Payments:
    """Open the order book and the ledger; orders paid before a crash are announced once the
    hub starts, when every integration that listens for ``payment_received`` is set up."""
    assert hub.config.data_dir is not None
    book = OrderBook(hub.config.data_dir)
    await book.open()
    books = Books(hub.config.data_dir, hub.clock.time)
    try:
        await books.open()
    except BaseException:
        await book.close()
        raise
    payments = hub.data[DATA_PAYMENTS] = Payments(hub, book, books, config)

    async def reconcile(_event: Event) -> None:
        await payments.reconcile()

    hub.bus.listen_once(EVENT_HUB_START, reconcile)
    return payments


async def tear_down(hub: Hub) -> None:
    payments = hub.data.pop(DATA_PAYMENTS, None)
    if payments is not None:
        await payments.books.close()
        await payments.book.close()


def get_payments(hub: Hub) -> Payments:
    """The hub's payments; raises if the payments integration is not set up."""
    payments = hub.data.get(DATA_PAYMENTS)
    if payments is None:
        raise HubError("payments is not set up on this hub (see the log for why)")
    return payments
