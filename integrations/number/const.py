"""Names of the number domain: its attributes and display modes."""
from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "number"

ATTR_VALUE: Final = "value"
ATTR_MIN: Final = "min"
ATTR_MAX: Final = "max"
ATTR_STEP: Final = "step"
ATTR_MODE: Final = "mode"
ATTR_UNIT_OF_MEASUREMENT: Final = "unit_of_measurement"

DEFAULT_MIN_VALUE: Final = 0.0
DEFAULT_MAX_VALUE: Final = 100.0
DEFAULT_STEP: Final = 1.0


class NumberMode(StrEnum):
    """How a dashboard shows the number."""

    AUTO = "auto"
    BOX = "box"
    SLIDER = "slider"
