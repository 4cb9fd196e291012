"""``sun.sun``: above or below the horizon, with the next events, as Home Assistant shows it."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.entity import Entity

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.sun.astronomy import SiteSun

#: The attributes that name a next event, and the event each names.
NEXT: Final = {
    "next_dawn": "dawn",
    "next_dusk": "dusk",
    "next_midnight": "midnight",
    "next_noon": "noon",
    "next_rising": "sunrise",
    "next_setting": "sunset",
}
#: Elevation and azimuth are refreshed this often between events.
POSITION_EVERY: Final = timedelta(minutes=5)


class SunEntity(Entity):
    domain = "sun"
    _attr_name = "Sun"
    _attr_unique_id = "sun"
    _attr_icon = "mdi:white-balance-sunny"

    def __init__(self, sun: SiteSun) -> None:
        self.sun = sun
        self._next: dict[str, datetime | None] = {}
        self._position: tuple[float, float] = (0.0, 0.0)
        self._timer: TimerHandle | None = None

    @property
    def state(self) -> str:
        rising, setting = self._next.get("next_rising"), self._next.get("next_setting")
        if rising is None or setting is None:  # a polar day or night: the elevation says which
            return "above_horizon" if self._position[0] > 0 else "below_horizon"
        return "above_horizon" if setting < rising else "below_horizon"

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        elevation, azimuth = self._position
        noon, midnight = self._next.get("next_noon"), self._next.get("next_midnight")
        attributes: dict[str, Any] = {
            name: moment.isoformat() if moment else None for name, moment in self._next.items()
        }
        # Rising from solar midnight to solar noon: the next noon comes before the next midnight.
        attributes.update(elevation=round(elevation, 2), azimuth=round(azimuth, 2),
                          rising=noon is not None and midnight is not None and noon < midnight)
        return attributes

    async def added_to_hub(self) -> None:
        self._update()

    async def will_remove_from_hub(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _update(self) -> None:
        assert self.hub is not None  # an entity is updated only once added
        clock = self.hub.clock
        now = clock.now()
        self._next = {name: self.sun.next_event(event, now) for name, event in NEXT.items()}
        self._position = (self.sun.elevation(now), self.sun.azimuth(now))
        self.write_state()
        soonest = min((m for m in self._next.values() if m is not None), default=now + POSITION_EVERY)
        self._timer = clock.call_at(min(soonest, now + POSITION_EVERY), self._update)
