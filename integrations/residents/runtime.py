"""Setting the registry up in the hub (and for a command on a stopped hub), and finding it."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access
from xiaoqu.core.errors import HubError

from .audit import Auditor
from .const import DATA_RESIDENTS
from .crypto import Vault, load_keys
from .registry import Residents
from .store import ResidentsStore

if TYPE_CHECKING:
    from collections.abc import Callable

    from xiaoqu.core.hub import Hub


async def open_residents(data_dir: Path, config: dict[str, Any], auditor: Auditor,
                         clock: Callable[[], float], run_in_executor: Any) -> Residents:
    """The registry of the site whose data lives in ``data_dir`` (keys read off the loop)."""
    keys = await run_in_executor(load_keys, config["encryption_key"], data_dir)
    return await Residents.open(ResidentsStore(data_dir), Vault(keys), auditor, clock)


async def set_up(hub: Hub, config: dict[str, Any]) -> None:
    auditor = Auditor(get_access(hub))
    assert hub.config.data_dir is not None
    residents = await open_residents(hub.config.data_dir, config, auditor, hub.clock.time, hub.run_in_executor)
    hub.data[DATA_RESIDENTS] = residents


async def tear_down(hub: Hub) -> None:
    residents = hub.data.pop(DATA_RESIDENTS, None)
    if residents is not None:
        await residents.close()


def get_residents(hub: Hub) -> Residents:
    """The hub's residents registry; raises if the residents integration is not set up."""
    residents = hub.data.get(DATA_RESIDENTS)
    if residents is None:
        raise HubError("residents is not set up on this hub (see the log for why)")
    return residents
