"""Names of the cover domain: its states, attributes and features."""
from __future__ import annotations

from enum import IntFlag, StrEnum
from typing import Final

DOMAIN: Final = "cover"


class CoverState(StrEnum):
    OPEN = "open"
    OPENING = "opening"
    CLOSED = "closed"
    CLOSING = "closing"


class CoverEntityFeature(IntFlag):
    """What a cover can be asked to do (Home Assistant's values)."""

    OPEN = 1
    CLOSE = 2
    SET_POSITION = 4
    STOP = 8
    SET_TILT_POSITION = 128


#: 0 (closed) to 100 (open): the service options ...
ATTR_POSITION: Final = "position"
ATTR_TILT_POSITION: Final = "tilt_position"
#: ... and the attributes that show them
ATTR_CURRENT_POSITION: Final = "current_position"
ATTR_CURRENT_TILT_POSITION: Final = "current_tilt_position"
