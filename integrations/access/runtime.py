"""Setting access up in the hub, and finding it (``get_access``)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.calendar import get_calendar
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.residents import get_residents

from . import log
from .access import Access
from .const import DATA_ACCESS, LOG_INDEXED, LOG_KIND
from .credentials import SiteKey
from .schedules import Schedule, Schedules
from .store import AccessStore, load_site_key

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: The residents change-feed subscription, ended at stop.
_UNSUBSCRIBE = "access.unsubscribe"


async def set_up(hub: Hub, config: dict[str, Any]) -> Access:
    residents = get_residents(hub)
    hub.recorder.set_retention(LOG_KIND, timedelta(days=config["keep_days"]))
    await hub.recorder.index_fields(LOG_KIND, LOG_INDEXED)
    schedules = Schedules(get_calendar(hub), [Schedule.from_config(sid, s) for sid, s in config["schedules"].items()])
    assert hub.config.data_dir is not None
    store = AccessStore(hub.config.data_dir)
    tables = await store.open()
    site_key = SiteKey(await hub.run_in_executor(load_site_key, hub.config.data_dir))
    access = Access(hub, residents, store, config, schedules, site_key)
    access.load(tables)
    for entry in config["entries"]:
        access.register_door(entry["id"], entry["kind"], entry.get("area"), name=entry.get("name"))
    await log.seed_traffic(access)
    hub.data[DATA_ACCESS] = access
    hub.data[_UNSUBSCRIBE] = residents.listen(access.on_residents_change)
    return access


async def tear_down(hub: Hub) -> None:
    unsubscribe = hub.data.pop(_UNSUBSCRIBE, None)
    if unsubscribe is not None:
        unsubscribe()
    access = hub.data.pop(DATA_ACCESS, None)
    if access is not None:
        await access.store.close()


def get_access(hub: Hub) -> Access:
    """The hub's :class:`Access`; raises if the access integration is not set up."""
    access = hub.data.get(DATA_ACCESS)
    if access is None:
        raise HubError("access is not set up on this hub (see the log for why), so no door can decide")
    return access
