"""Setting the plate cameras up in the hub, and finding them (``get_lpr``)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError

from . import device
from .const import DATA_LPR, RECORD_KIND
from .lpr import Lpr

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


def set_up(hub: Hub, config: dict[str, Any]) -> Lpr:
    hub.recorder.set_retention(RECORD_KIND, timedelta(days=config["keep_days"]))
    lpr = hub.data[DATA_LPR] = Lpr(hub, config)
    lpr.unlisten = device.listen(hub, lpr)
    return lpr


def tear_down(hub: Hub) -> None:
    lpr = hub.data.pop(DATA_LPR, None)
    if lpr is not None and lpr.unlisten is not None:
        lpr.unlisten()


def get_lpr(hub: Hub) -> Lpr:
    """The hub's plate cameras; raises if the lpr integration is not set up."""
    lpr = hub.data.get(DATA_LPR)
    if lpr is None:
        raise HubError("the plate cameras' integration (lpr) is not set up on this hub (see the log for why)")
    return lpr
