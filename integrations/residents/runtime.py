"""Setting the registry up in the hub (and for a command on a stopped hub), and finding it."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access
from xiaoqu.core.auth.const import DATA_CONTROL
from xiaoqu.core.errors import HubError

from .audit import Auditor
from .commands import ResidentsCommands, register
from .const import DATA_INVITES, DATA_RESIDENTS
from .invites import Invites, open_invites
from .registry import Residents, open_residents

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


async def set_up(hub: Hub, config: dict[str, Any]) -> None:
    auditor = Auditor(get_access(hub))
    assert hub.config.data_dir is not None
    residents = await open_residents(hub.config.data_dir, config, auditor, hub.clock.time, hub.run_in_executor)
    hub.data[DATA_RESIDENTS] = residents
    invites = hub.data[DATA_INVITES] = await open_invites(hub, config, residents, auditor)
    control = hub.data.get(DATA_CONTROL)
    if control is not None:
        register(control, ResidentsCommands(residents, auditor, invites=invites))


async def tear_down(hub: Hub) -> None:
    hub.data.pop(DATA_INVITES, None)
    residents = hub.data.pop(DATA_RESIDENTS, None)
    if residents is not None:
        await residents.close()


def get_residents(hub: Hub) -> Residents:
    """The hub's residents registry; raises if the residents integration is not set up."""
    residents = hub.data.get(DATA_RESIDENTS)
    if residents is None:
        raise HubError("residents is not set up on this hub (see the log for why)")
    return residents


def get_invites(hub: Hub) -> Invites:
    """The hub's pending portal invitations; raises if the residents integration is not set up."""
    invites = hub.data.get(DATA_INVITES)
    if invites is None:
        raise HubError("residents is not set up on this hub (see the log for why)")
    return invites
