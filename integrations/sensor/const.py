"""Names of the sensor domain: its attributes and state classes."""
from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "sensor"

ATTR_UNIT_OF_MEASUREMENT: Final = "unit_of_measurement"
ATTR_STATE_CLASS: Final = "state_class"


class SensorStateClass(StrEnum):
    """How the history of a value adds up (Home Assistant's state classes)."""

    #: a value now (a temperature, free parking spaces)
    MEASUREMENT = "measurement"
    #: a total that may go up and down (a balance)
    TOTAL = "total"
    #: a counter that only goes up, restarting from zero (energy, messages)
    TOTAL_INCREASING = "total_increasing"
