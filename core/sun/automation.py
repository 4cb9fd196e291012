"""The ``sun`` trigger and condition, as Home Assistant documents them.

The trigger fires at sunrise or sunset, moved by ``offset`` (negative: before). The condition
compares the hub's time with today's sunrise and sunset (each moved by its offset): ``before``
and ``after`` must both hold, except ``after: sunset`` with ``before: sunrise``, which means the
night across midnight and holds when either does (Home Assistant's rule).
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.platforms import Checker, FireTrigger, TriggerInfo
from xiaoqu.core.automation.trace import record
from xiaoqu.core.bus import Unsubscribe
from xiaoqu.core.errors import HubError
from xiaoqu.core.validation import time_period, vol

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.sun.astronomy import SiteSun

SunLookup = Callable[["Hub"], "SiteSun | None"]
_RISE_SET: Final = vol.In(("sunrise", "sunset"), msg="expected sunrise or sunset")
NO_PLACE: Final = "the site's latitude and longitude are not set (xiaoqu: latitude, longitude in config.yaml)"


def _site_sun(lookup: SunLookup, hub: Hub) -> SiteSun:
    sun = lookup(hub)
    if sun is None:
        raise HubError(f"sun: {NO_PLACE}")
    return sun


class SunTrigger:
    """``trigger: sun`` with ``event: sunrise|sunset`` and an optional ``offset``."""

    schema = vol.Schema({
        vol.Required("trigger"): "sun",
        vol.Required("event"): _RISE_SET,
        vol.Optional("offset", default=timedelta()): time_period,
    })

    def __init__(self, lookup: SunLookup) -> None:
        self._lookup = lookup

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        sun = _site_sun(self._lookup, hub)
        event, offset = config["event"], config["offset"]
        timer: TimerHandle | None = None

        def schedule(after: datetime) -> None:
            nonlocal timer
            moment = sun.next_event(event, after, offset)
            timer = None if moment is None else hub.clock.call_at(moment, lambda: fired(moment))

        def fired(moment: datetime) -> None:
            fire({"platform": "sun", "event": event, "offset": offset,
                  "description": f"sun {event}" + (f" {_signed(offset)}" if offset else "")}, None)
            schedule(moment)

        schedule(hub.clock.now())

        def detach() -> None:
            if timer is not None:
                timer.cancel()

        return detach


class SunCondition:
    """``condition: sun`` with ``before``/``after`` (sunrise or sunset) and their offsets."""

    schema = vol.All(
        vol.Schema({
            vol.Required("condition"): "sun",
            vol.Optional("before"): _RISE_SET,
            vol.Optional("after"): _RISE_SET,
            vol.Optional("before_offset", default=timedelta()): time_period,
            vol.Optional("after_offset", default=timedelta()): time_period,
        }),
        lambda config: config if "before" in config or "after" in config else _refuse("give before, after or both"),
    )

    def __init__(self, lookup: SunLookup) -> None:
        self._lookup = lookup

    def checker(self, hub: Hub, config: Mapping[str, Any]) -> Checker:
        before, after = config.get("before"), config.get("after")
        before_offset, after_offset = config["before_offset"], config["after_offset"]

        def check(_variables: Mapping[str, Any]) -> bool:
            sun = _site_sun(self._lookup, hub)
            now = hub.clock.now()
            today = now.astimezone(sun.time_zone).date()
            wanted_before = _moved(sun.event(before, today), before_offset) if before else None
            wanted_after = _moved(sun.event(after, today), after_offset) if after else None
            record(now=now.isoformat(), before=_iso(wanted_before), after=_iso(wanted_after))
            if before == "sunrise" and after == "sunset":  # the night, across midnight
                return (wanted_before is not None and now < wanted_before) or (
                    wanted_after is not None and now > wanted_after)
            if before and (wanted_before is None or now > wanted_before):
                return False
            return not (after and (wanted_after is None or now < wanted_after))

        return check


def _refuse(message: str) -> Any:
    raise vol.Invalid(message)


def _moved(moment: datetime | None, offset: timedelta) -> datetime | None:
    return None if moment is None else moment + offset


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _signed(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    minutes, second = divmod(abs(seconds), 60)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}:{second:02d}"
