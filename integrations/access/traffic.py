"""Today's traffic: decisions per hour, granted and denied, counted as they are recorded.

The overview and the access log page show it as a chart, and the overview its day's totals, on
every load. Counting them from the log each time would read every record of the day: granted
or not is a field of the record's data, which no index holds, so a day of 100,000 entries took
some 300 ms to count, and a million some 2 s. So the counts are kept here instead, one pair per
hour, raised wherever a decision's record is queued (:meth:`Access._publish`, and an offline
upload's new records) and seeded from the log once when access is set up. Reading them costs
nothing; keeping them, a comparison and an addition per decision.

Hours are the site's (its time zone), keyed by when each starts; only the last two days are kept.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import tzinfo

HOUR: Final = 3600.0
#: Hours older than this behind the newest are forgotten (a day is read; an upload may be late).
KEEP: Final = 2 * 86_400.0


@dataclass(slots=True)
class Hour:
    """One hour's decisions."""

    granted: int = 0
    denied: int = 0


class Traffic:
    """Decisions per hour of the site's day; see the module docstring for why."""

    def __init__(self, tz: tzinfo) -> None:
        self.tz = tz
        self._hours: dict[float, Hour] = {}
        self._current: tuple[float, float, Hour] | None = None  # the hour most decisions fall in

    def add(self, at: float, granted: bool, count: int = 1) -> None:
        """Count ``count`` decisions made at ``at`` (epoch seconds)."""
        current = self._current
        if current is not None and current[0] <= at < current[1]:
            hour = current[2]
        else:
            start = self.hour_start(at)
            hour = self._hours.get(start) or self._new_hour(start)
            if current is None or start >= current[0]:
                self._current = (start, start + HOUR, hour)
        if granted:
            hour.granted += count
        else:
            hour.denied += count

    def hour_start(self, at: float) -> float:
        """When the site's hour holding ``at`` started (an hour is not always 3,600 s from
        midnight: some time zones are half an hour off UTC)."""
        return datetime.fromtimestamp(at, self.tz).replace(minute=0, second=0, microsecond=0).timestamp()

    def hours(self, starts: Iterable[float]) -> list[Hour]:
        """The counts of the hours starting at ``starts`` (an hour nobody passed counts nothing)."""
        return [self._hours.get(start) or Hour() for start in starts]

    def _new_hour(self, start: float) -> Hour:
        hour = self._hours[start] = Hour()
        newest = max(self._hours)
        for old in [key for key in self._hours if key < newest - KEEP]:
            del self._hours[old]
        return hour


def day_hours(moment: float, tz: tzinfo) -> list[datetime]:
    """The starts of the hours of the site's day holding ``moment``, midnight first (23 or 25 of
    them where clocks change)."""
    midnight = datetime.fromtimestamp(moment, tz).replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = (midnight + timedelta(days=1, hours=2)).replace(hour=0).timestamp()
    starts, at = [], midnight.timestamp()
    while at < tomorrow:
        starts.append(datetime.fromtimestamp(at, tz))
        at += HOUR
    return starts
