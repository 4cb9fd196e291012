"""An arm that rises with no open command from the hub: the guard's remote or the key switch
at the gate (手动抬杆). The hub records each — a raise nobody asked the hub for lets in a car no
decision let in — with the event ``barrier_raised_locally`` and a logbook line.

A safety reversal is not one: a controller sends a closing arm back up over a car on the loop
on its own. Nor is the rise that follows the hub's own command, seen late (at the next poll).
"""
from __future__ import annotations

from typing import Final

from .const import RAISED, BarrierState

#: Seconds after the hub's open command within which a rise is the command's.
WINDOW: Final = 10.0


def raised_locally(before: BarrierState | None, after: BarrierState | None, vehicle_present: bool | None,
                   last_open: float | None, now: float) -> bool:
    """Whether the arm went up (``before`` → ``after``) by a hand at the gate."""
    if before is None or before in RAISED or after not in RAISED:
        return False
    if before is BarrierState.CLOSING and vehicle_present:
        return False
    return last_open is None or now - last_open > WINDOW
