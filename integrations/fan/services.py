"""The fan services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import EntityService, toggle_services
from xiaoqu.core.validation import boolean, string, vol

from .const import ATTR_OSCILLATING, ATTR_PERCENTAGE, ATTR_PRESET_MODE, FanEntityFeature

_PERCENT = vol.All(vol.Coerce(int), vol.Range(min=0, max=100))

SERVICES = (
    *toggle_services(turn_on={vol.Optional(ATTR_PERCENTAGE): _PERCENT, vol.Optional(ATTR_PRESET_MODE): string}),
    EntityService("set_percentage", "set_percentage", {vol.Required(ATTR_PERCENTAGE): _PERCENT},
                  "Set the speed, 0-100", FanEntityFeature.SET_SPEED),
    EntityService("set_preset_mode", "set_preset_mode", {vol.Required(ATTR_PRESET_MODE): string},
                  "Choose one of the fan's preset modes", FanEntityFeature.PRESET_MODE),
    EntityService("oscillate", "oscillate", {vol.Required(ATTR_OSCILLATING): boolean},
                  "Start or stop oscillating", FanEntityFeature.OSCILLATE),
)
