"""The property's staff through their simulated day: each holds their card to an attendance
terminal (a gate's reader) a little before or after their shift starts and again as it ends,
and those on shift at noon have lunch at the canteen.

Unlike the residents' Poisson streams these acts keep the clock: each is planned for its time
of the simulated day and, once done, for the same time the next day. The hub judges the
punches by its own clock; at the demo's speed that is not the simulated hour, so the sheets
it makes of a demo run show punches, not a believable working day.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from functools import partial

from .context import SimContext
from .estate import LUNCH, StaffMember
from .pos import PosDevice
from .readers import DoorReader

#: Simulated seconds around a shift's start when its worker clocks in: most come early, a few late.
CLOCK_IN = (-20 * 60.0, 6 * 60.0)
#: And after its end when they clock out (the night guards' at 07:00, as the demo's day begins).
CLOCK_OUT = (0.0, 10 * 60.0)
#: Around noon, when each goes to the canteen.
LUNCH_SPREAD = (-30 * 60.0, 45 * 60.0)
DAY = 24 * 3600.0


@dataclass(slots=True)
class StaffDay:
    ctx: SimContext
    staff: list[StaffMember]
    terminals: list[DoorReader]  # the readers the office marked as attendance terminals
    canteen: PosDevice | None

    def start(self) -> None:
        for member in self.staff:
            self._daily(member.starts, CLOCK_IN, partial(self._clock, member, "in"))
            self._daily(member.ends, CLOCK_OUT, partial(self._clock, member, "out"))
            if member.lunches and self.canteen is not None:
                self._daily(LUNCH, LUNCH_SPREAD, partial(self._lunch, member))

    def _daily(self, at: time, spread: tuple[float, float], act: Callable[[], None]) -> None:
        """Do ``act`` at ``at`` give or take ``spread`` on the simulated day, then again each day after."""
        now = self.ctx.sim.now()
        self._plan(datetime.combine(now.date(), at, now.tzinfo).timestamp(), spread, act)

    def _plan(self, target: float, spread: tuple[float, float], act: Callable[[], None]) -> None:
        delay = target + self.ctx.rng.uniform(*spread) - self.ctx.sim.time()
        if delay < 0:  # today's has passed: tomorrow's
            self._plan(target + DAY, spread, act)
            return

        def fire() -> None:
            self._plan(target + DAY, spread, act)
            act()

        self.ctx.timers.later(self.ctx.sim.real_delay(delay), fire)

    def _clock(self, member: StaffMember, direction: str) -> None:
        if not self.terminals:
            return
        terminal = self.ctx.rng.choice(self.terminals)
        self.ctx.log.act("attendance", "%s: %s %s (%s) clocks %s", terminal.label, member.department,
                         member.name, member.position, direction)
        terminal.present("card", member.card, f"{member.name} ({member.department})")

    def _lunch(self, member: StaffMember) -> None:
        assert self.canteen is not None
        self.canteen.charge(member.name, member.card)

