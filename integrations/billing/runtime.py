"""Setting billing up in the hub, and finding it (``get_billing``).

Set-up opens ``billing.db`` and the ledger, reads the bills, receipts, acts and readings,
makes good any receipt the store lost, and listens for ``payment_received`` (payments) and
``notice_acknowledged`` (notices, when set up: the household's signature on a fee notice).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.errors import HubError
from xiaoqu.core.hub_data import HubKey
from xiaoqu.integrations.payments import EVENT_PAYMENT_RECEIVED
from xiaoqu.integrations.residents import get_residents

from .billing import Billing
from .books import Books
from .const import DATA_BILLING, DOMAIN, EVENT_NOTICE_ACKNOWLEDGED
from .store import BillingStore

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: What set-up started, undone when the hub stops.
_UNDO: Final[HubKey[list[Callable[[], Any]]]] = HubKey(f"{DOMAIN}.undo")


async def set_up(hub: Hub, config: dict[str, Any]) -> Billing:
    assert hub.config.data_dir is not None
    store = BillingStore(hub.config.data_dir)
    books = Books(hub.config.data_dir, hub.clock.time)
    # Both read years of rows in threads of their own (the rows' JSON; the ledger's sums): together.
    opened = await asyncio.gather(store.open(), books.open(), return_exceptions=True)
    failed = [result for result in opened if isinstance(result, BaseException)]
    if failed:
        await store.close()
        await books.close()
        raise failed[0]
    tables = opened[0]
    assert isinstance(tables, dict)
    billing = Billing(hub, config, get_residents(hub), books, store)
    billing.load(tables)
    await billing.make_good()
    hub.data[DATA_BILLING] = billing
    hub.data[_UNDO] = [hub.bus.listen(EVENT_PAYMENT_RECEIVED, billing.on_payment_received),
                       hub.bus.listen(EVENT_NOTICE_ACKNOWLEDGED, billing.on_acknowledged), books.close, store.close]
    return billing


async def tear_down(hub: Hub) -> None:
    hub.data.pop(DATA_BILLING, None)
    for undo in reversed(hub.data.pop(_UNDO, [])):
        result = undo()
        if result is not None:
            await result


def get_billing(hub: Hub) -> Billing:
    """The hub's billing; raises if the billing integration is not set up."""
    billing = hub.data.get(DATA_BILLING)
    if billing is None:
        raise HubError("billing is not set up on this hub (see the log for why)")
    return billing
