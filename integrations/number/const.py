"""Names of the number domain: its attributes and display modes."""
from __future__ import annotations

from enum import StrEnum
from typing import Final

from xiaoqu.integrations.sensor.const import DEVICE_CLASS_NAMES as SENSOR_DEVICE_CLASS_NAMES

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


#: Home Assistant's number device classes: sensor's measurement classes, whose names (and
#: so an unnamed number's name) Home Assistant takes from the sensor domain.
DEVICE_CLASSES: Final = frozenset((
    "absolute_humidity", "apparent_power", "aqi", "area", "atmospheric_pressure", "battery",
    "blood_glucose_concentration", "carbon_dioxide", "carbon_monoxide", "conductivity", "current",
    "data_rate", "distance", "energy", "energy_storage", "frequency", "gas", "humidity",
    "illuminance", "irradiance", "moisture", "nitrogen_dioxide", "nitrogen_monoxide",
    "nitrous_oxide", "ozone", "ph", "pm1", "pm10", "pm25", "pm4", "power", "power_factor",
    "precipitation", "precipitation_intensity", "pressure", "reactive_energy", "reactive_power",
    "signal_strength", "sound_pressure", "speed", "sulphur_dioxide", "temperature",
    "temperature_delta", "volatile_organic_compounds", "voltage", "volume", "volume_flow_rate",
    "volume_storage", "water", "weight", "wind_direction", "wind_speed",
))

#: The English name an unnamed number takes from its device class (see the sensor domain's).
DEVICE_CLASS_NAMES: Final[dict[str, str]] = {
    device_class: name for device_class, name in SENSOR_DEVICE_CLASS_NAMES.items() if device_class in DEVICE_CLASSES
}
