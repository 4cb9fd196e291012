"""When the community is busy: rate profiles over the day, and the simulator's own clock.

Each stream of acts (residents at the doors, cars, visitors, shopping) has a profile: a
step function from the time of day in the site's time zone to a share of its peak rate.
Arrivals are a Poisson process with that varying rate, drawn by thinning: candidates come
at the peak rate and each is kept with probability ``rate(t) / peak`` — exact for a step
function and needing no integration.

``speed`` compresses the day: the profile reads a simulated clock that runs ``speed`` times
faster than the hub's, and every delay between acts is divided by ``speed``. Device
mechanics (a barrier's travel, a door swinging shut) stay in real time, since the hub polls
and commands them in real time.
"""
from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from xiaoqu.core.clock import Clock

#: (start hour, share of peak) — the share holds until the next start.
Profile = Sequence[tuple[float, float]]

#: Residents going out and coming home: the morning (07:00–09:00) and evening (17:30–19:30) peaks.
RESIDENTS: Profile = (
    (0, 0.03), (6, 0.25), (7, 1.0), (9, 0.25), (11.5, 0.35), (13.5, 0.2), (17.5, 1.0), (19.5, 0.3), (22, 0.08),
)
#: Cars leaving for work in the morning and coming back in the evening.
CARS: Profile = ((0, 0.02), (6, 0.2), (7, 1.0), (9, 0.2), (11.5, 0.25), (13.5, 0.2), (17.5, 1.0), (19.5, 0.25), (22, 0.05))
#: Visitors, deliveries and guests: daytime and early evening, none at night.
VISITORS: Profile = ((0, 0.0), (7, 0.2), (9, 0.6), (11, 1.0), (14, 0.7), (17, 0.9), (20, 0.4), (22, 0.0))
#: Canteen and shop: breakfast, lunch and dinner.
SHOPPING: Profile = ((0, 0.0), (6.5, 0.6), (9, 0.2), (11.5, 1.0), (13.5, 0.2), (17, 0.9), (19.5, 0.3), (22, 0.0))


def share(profile: Profile, moment: datetime) -> float:
    """The profile's share of peak at ``moment`` (read in ``moment``'s own time zone)."""
    hour = moment.hour + moment.minute / 60 + moment.second / 3600
    index = bisect.bisect_right([start for start, _ in profile], hour) - 1
    return profile[max(index, 0)][1]


def direction_out_share(moment: datetime) -> float:
    """How many of the cars and people at the gate are leaving rather than coming home."""
    hour = moment.hour + moment.minute / 60
    if 6 <= hour < 10:
        return 0.85
    if 16.5 <= hour < 21:
        return 0.2
    return 0.5


@dataclass(slots=True)
class SimClock:
    """The simulated time of day: starts at the hub's now (or today at ``start_at``) and
    runs ``speed`` times faster."""

    clock: Clock
    speed: float
    start_at: time | None = None
    _origin_real: float = 0.0
    _origin_sim: float = 0.0

    def __post_init__(self) -> None:
        self._origin_real = self._origin_sim = self.clock.time()
        if self.start_at is not None:
            self._origin_sim = datetime.combine(self.clock.now().date(), self.start_at, self.clock.tz).timestamp()

    def time(self) -> float:
        return self._origin_sim + (self.clock.time() - self._origin_real) * self.speed

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), self.clock.tz)

    def real_delay(self, sim_seconds: float) -> float:
        """How long the hub's clock takes to pass ``sim_seconds`` of simulated time."""
        return sim_seconds / self.speed


def next_arrival(rng: random.Random, sim: SimClock, profile: Profile, peak_per_hour: float) -> float | None:
    """Simulated seconds until the next kept arrival, or None if the stream never fires.

    Thinning: draw candidates at the peak rate, keep each with probability share(t).
    Candidates are drawn ahead on the simulated clock (not yet elapsed), so a night of
    rejected candidates costs no timers.
    """
    if peak_per_hour <= 0 or max(s for _, s in profile) <= 0:
        return None
    rate = peak_per_hour / 3600.0
    now = sim.time()
    at = now
    while True:
        at += rng.expovariate(rate)
        if rng.random() < share(profile, datetime.fromtimestamp(at, sim.clock.tz)):
            return at - now
