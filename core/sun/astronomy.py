"""The sun over one site: its events on a local day and the next one after a moment.

A thin layer over astral, which does the astronomy. Every day is the site's local day: astral
reads a bare date as a UTC day, which in China is the wrong day for a sunrise, so a time zone
is always given.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Final

from astral import Observer
from astral import sun as astral_sun

#: The events a trigger or a condition may name, as Home Assistant names them.
EVENTS: Final = ("sunrise", "sunset", "dawn", "dusk", "noon", "midnight")
#: How far ahead an event is looked for: past a polar night or day, there is none.
_SEARCH_DAYS: Final = 366


class SiteSun:
    """Sun events for the site at ``latitude``/``longitude`` (degrees), local to ``time_zone``."""

    def __init__(self, latitude: float, longitude: float, elevation: float, time_zone: tzinfo) -> None:
        self.observer = Observer(latitude, longitude, elevation)
        self.time_zone = time_zone

    def event(self, name: str, day: date) -> datetime | None:
        """``name`` (one of ``EVENTS``) on the local ``day``; None when the sun does not do it then."""
        if name == "midnight":
            return astral_sun.midnight(self.observer, day, tzinfo=self.time_zone)
        try:
            return getattr(astral_sun, name)(self.observer, day, tzinfo=self.time_zone)
        except ValueError:  # astral's word for "the sun never reaches that angle that day"
            return None

    def next_event(self, name: str, after: datetime, offset: timedelta = timedelta()) -> datetime | None:
        """The first ``name`` + ``offset`` strictly after ``after``; None in a year without one."""
        day = after.astimezone(self.time_zone).date() - timedelta(days=1)
        for _ in range(_SEARCH_DAYS):
            moment = self.event(name, day)
            if moment is not None and moment + offset > after:
                return moment + offset
            day += timedelta(days=1)
        return None

    def elevation(self, moment: datetime) -> float:
        """Degrees above the horizon (negative below), corrected for refraction."""
        return float(astral_sun.elevation(self.observer, moment))

    def azimuth(self, moment: datetime) -> float:
        """Degrees clockwise from north."""
        return float(astral_sun.azimuth(self.observer, moment))
