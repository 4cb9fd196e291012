"""Names of the climate domain: its states (HVAC modes), attributes and features."""
from __future__ import annotations

from enum import IntFlag, StrEnum
from typing import Final

DOMAIN: Final = "climate"


class HVACMode(StrEnum):
    """What the device is set to do: the entity's state."""

    OFF = "off"
    HEAT = "heat"
    COOL = "cool"
    HEAT_COOL = "heat_cool"
    AUTO = "auto"
    DRY = "dry"
    FAN_ONLY = "fan_only"


class ClimateEntityFeature(IntFlag):
    """What a climate device can be asked to do besides its mode (Home Assistant's values)."""

    TARGET_TEMPERATURE = 1
    TARGET_TEMPERATURE_RANGE = 2
    FAN_MODE = 8
    PRESET_MODE = 16


ATTR_HVAC_MODE: Final = "hvac_mode"
ATTR_HVAC_MODES: Final = "hvac_modes"
#: what the device is doing now (heating, cooling, idle...)
ATTR_HVAC_ACTION: Final = "hvac_action"
ATTR_CURRENT_TEMPERATURE: Final = "current_temperature"
ATTR_CURRENT_HUMIDITY: Final = "current_humidity"
#: the target (one setpoint) ...
ATTR_TEMPERATURE: Final = "temperature"
#: ... or the target range
ATTR_TARGET_TEMP_HIGH: Final = "target_temp_high"
ATTR_TARGET_TEMP_LOW: Final = "target_temp_low"
ATTR_MIN_TEMP: Final = "min_temp"
ATTR_MAX_TEMP: Final = "max_temp"
ATTR_FAN_MODE: Final = "fan_mode"
ATTR_PRESET_MODE: Final = "preset_mode"
ATTR_PRESET_MODES: Final = "preset_modes"
ATTR_SWING_MODE: Final = "swing_mode"

DEFAULT_MIN_TEMP: Final = 7.0
DEFAULT_MAX_TEMP: Final = 35.0
