"""The climate services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService
from xiaoqu.core.validation import string, vol

from .const import (
    ATTR_FAN_MODE,
    ATTR_HVAC_MODE,
    ATTR_PRESET_MODE,
    ATTR_TARGET_TEMP_HIGH,
    ATTR_TARGET_TEMP_LOW,
    ATTR_TEMPERATURE,
    ClimateEntityFeature,
)

_TEMP = vol.Coerce(float)

SERVICES = (
    EntityService("set_temperature", "set_temperature", {
        vol.Optional(ATTR_TEMPERATURE): _TEMP,
        vol.Optional(ATTR_TARGET_TEMP_HIGH): _TEMP,
        vol.Optional(ATTR_TARGET_TEMP_LOW): _TEMP,
        vol.Optional(ATTR_HVAC_MODE): string,
    }, "Set the target temperature (or range), and perhaps the mode",
        ClimateEntityFeature.TARGET_TEMPERATURE | ClimateEntityFeature.TARGET_TEMPERATURE_RANGE),
    EntityService("set_hvac_mode", "set_hvac_mode", {vol.Required(ATTR_HVAC_MODE): string},
                  "Set the mode (heat, cool, off...)"),
    EntityService("set_preset_mode", "set_preset_mode", {vol.Required(ATTR_PRESET_MODE): string},
                  "Choose one of the device's preset modes", ClimateEntityFeature.PRESET_MODE),
    EntityService("set_fan_mode", "set_fan_mode", {vol.Required(ATTR_FAN_MODE): string},
                  "Choose one of the device's fan modes", ClimateEntityFeature.FAN_MODE),
)
