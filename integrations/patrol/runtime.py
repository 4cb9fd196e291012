"""Setting patrol up in the hub, and finding it (``get_patrol``)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.calendar import get_calendar
from xiaoqu.core.errors import HubError

from . import device
from .const import CLOCK_KIND, DATA_PATROL, REJECTED_KIND, ROUND_KIND, SCAN_KIND
from .intake import Intake
from .model import Plan
from .patrol import Patrol
from .wand_clock import WandClocks
from .watch import RoundWatch

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: What set-up started and stop ends: the device handlers and the round watch.
_STOPS: Final = "patrol.stops"


async def set_up(hub: Hub, config: dict[str, Any]) -> None:
    keep = timedelta(days=config["keep_days"])
    for kind in (SCAN_KIND, REJECTED_KIND, CLOCK_KIND, ROUND_KIND):
        hub.recorder.set_retention(kind, keep)
    plan = Plan.from_config(config)
    intake = Intake(plan, hub.recorder, hub.bus, WandClocks(config["clock_skew_minutes"] * 60.0), hub.clock.time)
    patrol = Patrol(plan, hub.recorder, intake, get_calendar(hub), hub.clock.tz, hub.clock.time,
                    (config["map"]["width"], config["map"]["height"]))
    hub.data[DATA_PATROL] = patrol
    watch = RoundWatch(hub, patrol, config["settle_minutes"] * 60.0)
    watch.start()
    hub.data[_STOPS] = [*device.listen(hub, intake), watch.stop]


async def tear_down(hub: Hub) -> None:
    for stop in hub.data.pop(_STOPS, []):
        stop()
    hub.data.pop(DATA_PATROL, None)


def get_patrol(hub: Hub) -> Patrol:
    """The hub's patrol; raises if the patrol integration is not set up."""
    patrol = hub.data.get(DATA_PATROL)
    if patrol is None:
        raise HubError("patrol is not set up on this hub (see the log for why)")
    return patrol
