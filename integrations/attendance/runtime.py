"""Setting attendance up in the hub, and finding it (``get_attendance``)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.const import DATA_CONTROL
from xiaoqu.core.calendar import get_calendar
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.access import EVENT_ACCESS_DENIED, EVENT_ACCESS_GRANTED
from xiaoqu.integrations.residents import get_residents

from .absent import AbsenceWatch
from .attendance import Attendance
from .commands import register
from .const import DATA_ATTENDANCE, PUNCH_KIND

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: What set-up started and stop ends: the event subscriptions and the absence watch.
_STOPS: Final = "attendance.stops"


async def set_up(hub: Hub, config: dict[str, Any]) -> None:
    hub.recorder.set_retention(PUNCH_KIND, timedelta(days=config["keep_days"]))
    attendance = Attendance.from_config(config, get_residents(hub), get_calendar(hub), hub.recorder, hub.clock.time)
    hub.data[DATA_ATTENDANCE] = attendance
    watch = AbsenceWatch(hub, attendance)
    watch.start()
    on_decision = attendance.punches.on_decision
    hub.data[_STOPS] = [attendance.residents.listen(watch.replan), hub.bus.listen(EVENT_ACCESS_GRANTED, on_decision),
                        hub.bus.listen(EVENT_ACCESS_DENIED, on_decision), watch.stop]
    control = hub.data.get(DATA_CONTROL)
    if control is not None:
        register(control, attendance, get_auth(hub).manager.audit.record)


async def tear_down(hub: Hub) -> None:
    for stop in hub.data.pop(_STOPS, []):
        stop()
    hub.data.pop(DATA_ATTENDANCE, None)


def get_attendance(hub: Hub) -> Attendance:
    """The hub's attendance; raises if the attendance integration is not set up."""
    attendance = hub.data.get(DATA_ATTENDANCE)
    if attendance is None:
        raise HubError("attendance is not set up on this hub (see the log for why)")
    return attendance
