"""A wand's clock against the hub's: measured where it can be, used where it is known.

The rule (docs/patrol.md, "Wand clocks"):

1. A reference tells the wand's clock at a moment the hub knows: a live scan's ``ts`` (sent
   as it is read, so the wand's time then is the hub's receipt time), or an upload's
   ``sent`` (the wand's clock as it sent the batch). ``offset = reference − received``.
2. Within ``clock_skew_minutes`` either way the clock is fine and scans keep their time. Ahead
   beyond it, the wand's clock is off (nothing arrives before it is sent). Behind beyond it,
   the clock is off only when the reference came in a call answered at once (``patrol.upload``):
   over MQTT a message held up by the broker (the hub was away) looks the same as a slow
   clock, so such a scan keeps its own time and the log says why. When off,
   ``patrol.wand_clock_off`` is fired (once per wand until its offset moves by more than the
   skew again), and the scans are read as ``ts − offset``.
3. A scan with no reference (an offline upload without ``sent``) uses the wand's offset last
   measured within ``TRUST`` (a day); with none, its own time — unless that time is later
   than the hub's now plus the skew: then the clock is ahead by at least that much, by an
   unknown amount, and the scan is refused (``ts in the future``), never evaluated at a time
   that cannot be right. A clock behind cannot be seen from such a scan: only a reference shows it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final

#: How long a measured offset is used for scans without their own reference.
TRUST: Final = 24 * 3600.0


@dataclass(frozen=True, slots=True)
class Reading:
    """What the hub knows of a wand's clock for one batch of scans."""

    #: Seconds to take off each scan's ts (0: the clock is fine or unknown).
    offset: float
    #: Where the offset comes from: ``"live scan"``, ``"upload's sent time"``, ``"measured <when>"``, or ``""``.
    basis: str
    #: The clock is beyond the skew (``offset`` nonzero), or ahead by an unknown amount (``offset`` 0).
    off: bool = False

    @property
    def unknown(self) -> bool:
        return not self.basis


class WandClocks:
    """The last offset measured for each wand, and which ones were reported off."""

    def __init__(self, skew: float) -> None:
        self.skew = skew
        self._measured: dict[str, tuple[float, float]] = {}
        self._reported: dict[str, float | None] = {}

    def measure(self, wand: str, reference: float, received: float, basis: str, *, prompt: bool) -> Reading:
        """Rules 1 and 2: the wand's offset from a reference taken when the hub received it;
        ``prompt``: the reference came in a call answered at once, so a time behind is the clock's."""
        offset = reference - received
        if offset < -self.skew and not prompt:
            return Reading(0.0, "")  # late delivery or a slow clock: which, this message cannot tell
        self._measured[wand] = (offset if abs(offset) > self.skew else 0.0, received)
        if abs(offset) <= self.skew:
            self._reported.pop(wand, None)
            return Reading(0.0, basis)
        return Reading(offset, basis, off=True)

    def known(self, wand: str, received: float) -> Reading:
        """Rule 3: the offset last measured within :data:`TRUST`, or an unknown clock."""
        found = self._measured.get(wand)
        if found is None or received - found[1] > TRUST:
            return Reading(0.0, "")
        offset, when = found
        return Reading(offset, f"measured at {when:.0f}", off=bool(offset))

    def should_report(self, wand: str, offset: float | None) -> bool:
        """True the first time a wand is found off, and again when its offset is measured anew
        (after only a lower bound) or moved by more than the skew; ``offset`` None: ahead by an unknown amount."""
        if wand in self._reported:
            last = self._reported[wand]
            if offset is None or (last is not None and abs(offset - last) <= self.skew):
                return False
        self._reported[wand] = offset
        return True
