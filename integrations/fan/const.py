"""Names of the fan domain: its attributes and features (its states are ``on`` and ``off``)."""
from __future__ import annotations

from enum import IntFlag
from typing import Final

DOMAIN: Final = "fan"


class FanEntityFeature(IntFlag):
    """What a fan can be asked to do besides on and off (Home Assistant's values)."""

    SET_SPEED = 1
    OSCILLATE = 2
    PRESET_MODE = 8


#: speed, 0-100
ATTR_PERCENTAGE: Final = "percentage"
ATTR_PRESET_MODE: Final = "preset_mode"
ATTR_PRESET_MODES: Final = "preset_modes"
ATTR_OSCILLATING: Final = "oscillating"
