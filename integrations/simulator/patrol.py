"""Guards' patrol wands: rounds through the checkpoints, live or uploaded afterwards.

With ``patrol:`` in the hub's config, a wand some patroller carries walks that patroller's
routes as the hub's schedule has them, on the hub's clock whatever the simulation's speed: it
asks ``patrol.evaluate`` (as a guard reads the rota) for the next round and its expected
times, and reaches each checkpoint a little before or after (now and then :data:`LATE_CHANCE`
well late, :data:`MISS_CHANCE` not at all). Otherwise each wand starts a round every
:data:`ROUND_EVERY` simulated hours (wands staggered) and walks the estate's checkpoints in
order a few simulated minutes apart. Either way an online wand publishes each scan as it
happens; an offline wand keeps them in memory and uploads the whole round when it is docked
at the guard room, each scan with its own time and ``"offline": true`` — the hub sees the
round late, as it would with the real thing.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import Any

from .context import SimContext
from .estate import Checkpoint, Wand

ROUND_EVERY = 2 * 3600.0
#: Simulated seconds between two checkpoints.
WALK = (120.0, 420.0)
MISS_CHANCE = 0.04
#: On a scheduled round: how far off the expected time a guard usually is (hub seconds), and
#: how often and how far well late.
USUAL = (-150.0, 200.0)
LATE_CHANCE = 0.06
WELL_LATE = (420.0, 1200.0)
#: How long after the round's last scan an offline wand is docked (hub seconds).
DOCKING = 120.0
#: Until patrol is set up on a starting hub (hub seconds).
SETTLE = 1.0


class PatrolWand:
    def __init__(self, ctx: SimContext, wand: Wand, checkpoints: list[Checkpoint], offset: float) -> None:
        self.ctx = ctx
        self.wand = wand
        self.checkpoints = checkpoints
        self.offset = offset
        self.memory: list[dict[str, Any]] = []

    def start(self) -> None:
        """Scheduled rounds when the hub has patrol and this wand a patroller; else the first round
        at the next slot of this wand's schedule on the simulated clock."""
        if self._routes():
            self.ctx.timers.later(SETTLE, lambda: self.ctx.hub.create_task(self._plan()))
            return
        now = self.ctx.sim.time()
        slot = (now - self.offset) // ROUND_EVERY + 1
        self._after(slot * ROUND_EVERY + self.offset - now, self._start_round)

    def _after(self, sim_seconds: float, callback: Any) -> None:
        self.ctx.timers.later(self.ctx.sim.real_delay(sim_seconds), callback)

    def _start_round(self) -> None:
        self._after(ROUND_EVERY, self._start_round)
        self.ctx.log.act("patrol", "%s starts a round of %d checkpoints", self.wand.name, len(self.checkpoints))
        self._walk_to(0)

    def _walk_to(self, index: int) -> None:
        if index >= len(self.checkpoints):
            self._finish_round()
            return
        if self.ctx.rng.random() >= MISS_CHANCE:
            self._scan(self.checkpoints[index].id)
        self._after(self.ctx.rng.uniform(*WALK), lambda: self._walk_to(index + 1))

    # --- rounds on the hub's schedule --------------------------------------------------

    def _routes(self) -> list[str]:
        """The routes of the patroller carrying this wand, from the hub's ``patrol:`` section."""
        section = self.ctx.hub.config.raw.get("patrol")
        patrollers = section.get("patrollers") if isinstance(section, dict) else None
        for patroller in patrollers if isinstance(patrollers, list) else []:
            if isinstance(patroller, dict) and patroller.get("wand") == self.wand.id:
                return [str(route) for route in patroller.get("routes") or []]
        return []

    async def _plan(self) -> None:
        """Walk the next round of this wand's routes, the hub's schedule says when."""
        hub = self.ctx.hub
        if not hub.services.has("patrol", "evaluate"):
            return  # patrol did not come up: the hub's log says why
        now = hub.clock.time()
        today = datetime.fromtimestamp(now, hub.clock.tz).date()
        upcoming: list[tuple[float, list[tuple[str, float]]]] = []
        for route in self._routes():
            for day in (today, today + timedelta(days=1)):
                answer = await hub.services.call("patrol", "evaluate", {"route": route, "date": day.isoformat()},
                                                 return_response=True)
                for found in (answer or {}).get("rounds", []):
                    start = datetime.fromisoformat(found["start"]).timestamp()
                    stops = [(c["checkpoint"], datetime.fromisoformat(c["expected"]).timestamp())
                             for c in found["checkpoints"] if c["expected"]]
                    if start > now:
                        upcoming.append((start, stops))
        if not upcoming:
            self.ctx.timers.later(6 * 3600.0, lambda: hub.create_task(self._plan()))
            return
        start, stops = min(upcoming, key=lambda item: item[0])
        self.ctx.timers.later(start - now, lambda: self._walk_scheduled(stops))

    def _walk_scheduled(self, stops: list[tuple[str, float]]) -> None:
        ctx, now = self.ctx, self.ctx.hub.clock.time()
        ctx.log.act("patrol", "%s starts a scheduled round of %d checkpoints", self.wand.name, len(stops))
        last = now
        for checkpoint, expected in stops:
            if ctx.rng.random() < MISS_CHANCE:
                continue
            drift = ctx.rng.uniform(*(WELL_LATE if ctx.rng.random() < LATE_CHANCE else USUAL))
            last = max(last, expected + drift, now)
            ctx.timers.later(last - now, partial(self._scan, checkpoint))
        ctx.timers.later(last - now + DOCKING, self._finish_round)
        ctx.timers.later(last - now + DOCKING + SETTLE, lambda: ctx.hub.create_task(self._plan()))

    # --- scans -------------------------------------------------------------------------

    def _scan(self, checkpoint: str) -> None:
        ctx = self.ctx
        scan = {"checkpoint": checkpoint, "ts": ctx.stamp(), "scan_id": ctx.next_id(self.wand.id)}
        if self.wand.online:
            ctx.publish("patrol", self.wand.id, "scan", scan)
            ctx.log.act("patrol", "%s scans %s", self.wand.name, checkpoint)
        else:
            self.memory.append(scan)

    def _finish_round(self) -> None:
        if self.wand.online or not self.memory:
            return
        for scan in self.memory:
            self.ctx.publish("patrol", self.wand.id, "scan", {**scan, "offline": True})
        self.ctx.log.act("patrol", "%s docked: uploads %d scans from its round", self.wand.name, len(self.memory))
        self.memory.clear()
