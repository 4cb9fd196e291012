"""Setting visitors up in the hub, and finding it (``get_visitors``)."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError
from xiaoqu.core.rowstore import RowStore
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.residents import get_residents

from . import tracking
from .const import DATA_VISITORS, RECORD_KIND, STORE_FILE, TABLE_VISITS
from .household import HouseholdChannel
from .visits import Visitors

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


async def set_up(hub: Hub, config: dict[str, Any]) -> Visitors:
    assert hub.config.data_dir is not None
    hub.recorder.set_retention(RECORD_KIND, timedelta(days=config["keep_days"]))
    rows = RowStore(Path(hub.config.data_dir) / STORE_FILE, (TABLE_VISITS,))
    await rows.open()
    channel = HouseholdChannel(hub)
    visitors = hub.data[DATA_VISITORS] = Visitors(hub, config, get_residents(hub), get_access(hub), rows, channel)
    await visitors.load()
    await channel.listen(visitors.app_answer)
    visitors.unlisten = tracking.listen(visitors)
    visitors.start()
    return visitors


async def tear_down(hub: Hub) -> None:
    visitors = hub.data.pop(DATA_VISITORS, None)
    if visitors is None:
        return
    visitors.stop()
    visitors.channel.stop()
    await visitors.rows.close()


def get_visitors(hub: Hub) -> Visitors:
    """The hub's visits; raises if the visitors integration is not set up."""
    visitors = hub.data.get(DATA_VISITORS)
    if visitors is None:
        raise HubError("visitors is not set up on this hub (see the log for why)")
    return visitors
