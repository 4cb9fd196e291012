"""Setting tickets up in the hub, and finding it (``get_tickets``)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError
from xiaoqu.core.rowstore import RowStore
from xiaoqu.integrations.residents import get_residents

from .const import DATA_TICKETS, STORE_FILE, TABLE_TICKETS
from .household import HouseholdChannel
from .tickets import Tickets

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


async def set_up(hub: Hub, config: dict[str, Any]) -> Tickets:
    assert hub.config.data_dir is not None
    rows = RowStore(Path(hub.config.data_dir) / STORE_FILE, (TABLE_TICKETS,))
    await rows.open()
    channel = HouseholdChannel(hub)
    tickets = hub.data[DATA_TICKETS] = Tickets(hub, config, get_residents(hub), rows, channel)
    await tickets.load()
    await channel.listen(tickets.app_open, tickets.app_rate)
    tickets.start()
    return tickets


async def tear_down(hub: Hub) -> None:
    tickets = hub.data.pop(DATA_TICKETS, None)
    if tickets is None:
        return
    tickets.stop()
    tickets.channel.stop()
    await tickets.rows.close()


def get_tickets(hub: Hub) -> Tickets:
    """The hub's tickets; raises if the tickets integration is not set up."""
    tickets = hub.data.get(DATA_TICKETS)
    if tickets is None:
        raise HubError("tickets is not set up on this hub (see the log for why)")
    return tickets
