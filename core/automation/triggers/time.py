"""``trigger: time``: at a time of day (``at: "07:30"``), or when an entity's time comes.

``at`` takes one or several times, each either fixed or the entity id of something holding a
time: a state ``"HH:MM[:SS]"`` fires every day at that time; a date and time (or an ISO
timestamp, as a timestamp sensor holds) fires once, at that moment. When the entity changes,
the trigger follows. An entity may come with an ``offset`` (Home Assistant 2024.x:
``{entity_id: sensor.phone_next_alarm, offset: "-00:05:00"}``), added to its moment, or to
its daily time (wrapping round midnight). ``weekday`` limits it to some days. Times are in
the site's time zone and come from the hub's clock.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.automation.validators import WEEKDAYS, time_or_entity, weekdays
from xiaoqu.core.bus import Event, Unsubscribe
from xiaoqu.core.tracking import track_state_change
from xiaoqu.core.validation import ensure_list, entity_id, time_of_day, time_period, vol

if TYPE_CHECKING:
    from xiaoqu.core.clock import Clock, TimerHandle
    from xiaoqu.core.hub import Hub

_ENTITY_WITH_OFFSET = vol.Schema({
    vol.Required("entity_id"): entity_id,
    vol.Optional("offset", default=timedelta(0)): time_period,
})


def _at(value: Any) -> time | str | dict[str, Any]:
    """A time of day, an entity id, or ``{entity_id, offset}``."""
    return _ENTITY_WITH_OFFSET(value) if isinstance(value, dict) else time_or_entity(value)


SCHEMA = vol.Schema({
    vol.Required("trigger"): "time",
    vol.Required("at"): vol.All(ensure_list, [_at]),
    vol.Optional("weekday"): weekdays,
})


def next_daily(clock: Clock, at: time, after: datetime) -> datetime:
    """The first moment strictly after ``after`` when the site's clock shows ``at``."""
    day = after.date()
    while True:
        moment = datetime.combine(day, at, clock.tz)
        if moment > after:
            return moment
        day += timedelta(days=1)


def parse_entity_time(text: str, clock: Clock) -> time | datetime | None:
    """A state read as a daily time (``"07:30:00"``) or a moment (a date and time), or None."""
    try:
        return time_of_day(text)
    except vol.Invalid:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=clock.tz)


_ANY_DAY: Final = date(2000, 1, 2)  # far from date.min: an offset must not overflow


def shifted(at: time | datetime, offset: timedelta) -> time | datetime:
    """``at`` moved by ``offset``: a moment to another moment, a daily time to another daily
    time (the date ignored, wrapping round midnight, as Home Assistant does)."""
    if isinstance(at, datetime):
        return at + offset
    return (datetime.combine(_ANY_DAY, at) + offset).time() if offset else at


class _Schedule:
    """The timer of one ``at`` entry: re-armed after each firing and when its entity changes."""

    __slots__ = ("_hub", "_fire", "_days", "_entity_id", "_handle")

    def __init__(self, hub: Hub, fire: Callable[[str | None], None], days: set[int] | None,
                 entity_id: str | None) -> None:
        self._hub = hub
        self._fire = fire
        self._days = days
        self._entity_id = entity_id
        self._handle: TimerHandle | None = None

    def arm(self, at: time | datetime | None, after: datetime | None = None) -> None:
        self.cancel()
        if at is None:
            return
        clock = self._hub.clock
        now = clock.now()
        if isinstance(at, datetime):
            if at > now:
                self._handle = clock.call_at(at, lambda: self._due(None))
            return
        moment = next_daily(clock, at, max(now, after) if after is not None else now)
        self._handle = clock.call_at(moment, lambda: self._due((at, moment)))

    def _due(self, daily: tuple[time, datetime] | None) -> None:
        self._handle = None
        moment = daily[1] if daily is not None else self._hub.clock.now()
        if self._days is None or moment.weekday() in self._days:
            self._fire(self._entity_id)
        if daily is not None:
            self.arm(daily[0], after=moment)

    def cancel(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None


class TimeTrigger:
    schema = SCHEMA

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        days = {WEEKDAYS.index(day) for day in config["weekday"]} if "weekday" in config else None
        schedules: list[_Schedule] = []
        unsubscribes: list[Unsubscribe] = []

        def fired(entity_id: str | None) -> None:
            now = hub.clock.now()
            description = f"time set in {entity_id}" if entity_id else f"time {now:%H:%M:%S}"
            fire({"platform": "time", "now": now, "entity_id": entity_id, "description": description}, None)

        def entity_time(entity_id: str, offset: timedelta) -> time | datetime | None:
            state = hub.states.get(entity_id)
            at = None if state is None else parse_entity_time(state.state, hub.clock)
            return None if at is None else shifted(at, offset)

        for at in config["at"]:
            if isinstance(at, time):
                schedule = _Schedule(hub, fired, days, None)
                schedule.arm(at)
            else:
                watched, offset = (at, timedelta(0)) if isinstance(at, str) else (at["entity_id"], at["offset"])
                schedule = _Schedule(hub, fired, days, watched)
                schedule.arm(entity_time(watched, offset))

                def follow(event: Event, schedule: _Schedule = schedule, watched: str = watched,
                           offset: timedelta = offset) -> None:
                    schedule.arm(entity_time(watched, offset))

                unsubscribes.append(track_state_change(hub, watched, follow))
            schedules.append(schedule)

        def detach() -> None:
            for unsubscribe in unsubscribes:
                unsubscribe()
            for schedule in schedules:
                schedule.cancel()

        return detach



