"""``trigger: time_pattern``: every time the clock matches a pattern (``minutes: "/5"``).

Each of ``hours``, ``minutes`` and ``seconds`` is a number, ``"*"`` (any) or ``"/N"`` (every
N, from 0). As in Home Assistant, a unit left out is ``*`` when it is larger than every
unit given and 0 when it is smaller: ``minutes: "/5"`` fires at :00:00, :05:00, :10:00...
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.bus import Unsubscribe
from xiaoqu.core.validation import vol

if TYPE_CHECKING:
    from xiaoqu.core.clock import Clock, TimerHandle
    from xiaoqu.core.hub import Hub

_LIMITS = {"hours": 23, "minutes": 59, "seconds": 59}


def _field(unit: str) -> Any:
    top = _LIMITS[unit]

    def validate(value: Any) -> str:
        text = str(value).strip()
        number = text[1:] if text.startswith("/") else text
        if text == "*":
            return text
        if number.isdigit() and (0 < int(number) <= top if text.startswith("/") else int(number) <= top):
            return text
        raise vol.Invalid(f"expected a number from 0 to {top}, '*' or '/N' (every N {unit})")

    return validate


def _at_least_one(config: dict[str, Any]) -> dict[str, Any]:
    if not {"hours", "minutes", "seconds"} & set(config):
        raise vol.Invalid("give at least one of hours, minutes, seconds")
    return config


SCHEMA = vol.All(
    vol.Schema({
        vol.Required("trigger"): "time_pattern",
        vol.Optional("hours"): _field("hours"),
        vol.Optional("minutes"): _field("minutes"),
        vol.Optional("seconds"): _field("seconds"),
    }),
    _at_least_one,
)


def allowed(pattern: str | None, top: int) -> list[int]:
    if pattern is None or pattern == "*":
        return list(range(top + 1))
    if pattern.startswith("/"):
        return list(range(0, top + 1, int(pattern[1:])))
    return [int(pattern)]


class Pattern:
    """The hours, minutes and seconds a pattern allows, and the next moment it matches."""

    __slots__ = ("hours", "minutes", "seconds")

    def __init__(self, config: Mapping[str, Any]) -> None:
        hours, minutes, seconds = config.get("hours"), config.get("minutes"), config.get("seconds")
        if minutes is None and hours is not None:
            minutes = "0"
        if seconds is None and minutes is not None:
            seconds = "0"
        self.hours = allowed(hours, 23)
        self.minutes = allowed(minutes, 59)
        self.seconds = allowed(seconds, 59)

    def next_after(self, clock: Clock, after: datetime) -> datetime:
        """The first matching moment strictly after ``after`` (site time zone, whole seconds)."""
        start = after.replace(microsecond=0) + timedelta(seconds=1)
        for offset in range(3):  # a pattern always matches within a day; the third is spare
            day = start.date() + timedelta(days=offset)
            same_day = offset == 0
            for hour in self.hours:
                if same_day and hour < start.hour:
                    continue
                same_hour = same_day and hour == start.hour
                for minute in self.minutes:
                    if same_hour and minute < start.minute:
                        continue
                    same_minute = same_hour and minute == start.minute
                    for second in self.seconds:
                        if same_minute and second < start.second:
                            continue
                        return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=clock.tz)
        raise AssertionError("a time pattern always matches within two days")


class TimePatternTrigger:
    schema = SCHEMA

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        pattern = Pattern(config)
        handle: TimerHandle | None = None

        def arm(after: datetime) -> None:
            nonlocal handle
            moment = pattern.next_after(hub.clock, after)
            handle = hub.clock.call_at(moment, lambda: due(moment))

        def due(moment: datetime) -> None:
            fire({"platform": "time_pattern", "now": moment, "description": "time pattern"}, None)
            arm(max(moment, hub.clock.now()))

        arm(hub.clock.now())

        def detach() -> None:
            if handle is not None:
                handle.cancel()

        return detach
