"""Names of the barrier domain: its states, attributes and features."""
from __future__ import annotations

from enum import IntFlag, StrEnum
from typing import Final

DOMAIN: Final = "barrier"


class BarrierState(StrEnum):
    """Where a barrier's arm is."""

    CLOSED = "closed"
    OPENING = "opening"
    OPEN = "open"
    CLOSING = "closing"
    #: halted between the limit switches
    STOPPED = "stopped"
    #: the controller reports a fault; the arm may be anywhere
    FAULT = "fault"


class BarrierEntityFeature(IntFlag):
    """The optional services a barrier may offer (open and close every barrier has)."""

    STOP = 1


#: Whether the loop detector sees a vehicle under the arm.
ATTR_VEHICLE_PRESENT: Final = "vehicle_present"
#: The controller's fault, in words (None when there is none).
ATTR_FAULT: Final = "fault"
