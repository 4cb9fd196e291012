"""Fault episodes: a gate in fault or silent is one episode from the first report of it to the
first sound report after it, so ``barrier_fault`` fires once per episode and
``barrier_recovered`` once at its end, however often the controller repeats itself or
switches between a fault and silence in between.

Pure bookkeeping (the caller passes ``now``), so every rule is a line a test can drive.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Episode:
    #: what is wrong, in the controller's words (or why it is silent); the latest words
    fault: str
    #: when the episode began (epoch seconds)
    since: float


@dataclass(slots=True)
class Change:
    """What one observation changed: an episode that began, or one that ended."""

    began: Episode | None = None
    ended: Episode | None = None


class FaultTracker:
    def __init__(self) -> None:
        self.episode: Episode | None = None

    def observe(self, fault: str | None, known: bool, now: float) -> Change:
        """The gate is in fault (``fault`` in words, or why it is silent) or not (None).

        ``known``: the gate reported a state at all; a gate not heard from yet (state
        unknown) neither begins nor ends an episode by being sound.
        """
        if fault is not None:
            if self.episode is None:
                self.episode = Episode(fault, now)
                return Change(began=self.episode)
            self.episode.fault = fault
            return Change()
        if self.episode is None or not known:
            return Change()
        ended, self.episode = self.episode, None
        return Change(ended=ended)
