"""Guards' patrol wands: rounds through the checkpoints, live or uploaded afterwards.

Each wand starts a round every :data:`ROUND_EVERY` simulated hours (wands staggered), walks
the checkpoints in order a few simulated minutes apart and now and then misses one. An
online wand publishes each scan as it happens; an offline wand keeps them in memory and
uploads the whole round when it is docked at the guard room, each scan with its own time
and ``"offline": true`` — the hub sees the round late, as it would with the real thing.
"""
from __future__ import annotations

from typing import Any

from .context import SimContext
from .estate import Checkpoint, Wand

ROUND_EVERY = 2 * 3600.0
#: Simulated seconds between two checkpoints.
WALK = (120.0, 420.0)
MISS_CHANCE = 0.04


class PatrolWand:
    def __init__(self, ctx: SimContext, wand: Wand, checkpoints: list[Checkpoint], offset: float) -> None:
        self.ctx = ctx
        self.wand = wand
        self.checkpoints = checkpoints
        self.offset = offset
        self.memory: list[dict[str, Any]] = []

    def start(self) -> None:
        """First round at the next slot of this wand's schedule on the simulated clock."""
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
            self._scan(self.checkpoints[index])
        self._after(self.ctx.rng.uniform(*WALK), lambda: self._walk_to(index + 1))

    def _scan(self, checkpoint: Checkpoint) -> None:
        ctx = self.ctx
        scan = {"checkpoint": checkpoint.id, "ts": ctx.stamp(), "scan_id": ctx.next_id(self.wand.id)}
        if self.wand.online:
            ctx.publish("patrol", self.wand.id, "scan", scan)
            ctx.log.act("patrol", "%s scans %s", self.wand.name, checkpoint.name)
        else:
            self.memory.append(scan)

    def _finish_round(self) -> None:
        if self.wand.online or not self.memory:
            return
        for scan in self.memory:
            self.ctx.publish("patrol", self.wand.id, "scan", {**scan, "offline": True})
        self.ctx.log.act("patrol", "%s docked: uploads %d scans from its round", self.wand.name, len(self.memory))
        self.memory.clear()
