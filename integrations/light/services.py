"""The light services: one table, registered at set-up and declared to check-config."""
from __future__ import annotations

from xiaoqu.core.entity_domain import toggle_services
from xiaoqu.core.validation import string, vol

from .const import ATTR_BRIGHTNESS, ATTR_BRIGHTNESS_PCT, ATTR_COLOR_TEMP, ATTR_EFFECT, ATTR_RGB_COLOR, ATTR_TRANSITION

_TRANSITION = {vol.Optional(ATTR_TRANSITION): vol.All(vol.Coerce(float), vol.Range(min=0))}

SERVICES = toggle_services(
    turn_on={
        vol.Optional(ATTR_BRIGHTNESS): vol.All(vol.Coerce(int), vol.Range(min=0, max=255)),
        vol.Optional(ATTR_BRIGHTNESS_PCT): vol.All(vol.Coerce(float), vol.Range(min=0, max=100)),
        vol.Optional(ATTR_RGB_COLOR): vol.All(vol.ExactSequence([vol.Coerce(int)] * 3)),
        vol.Optional(ATTR_COLOR_TEMP): vol.Coerce(int),
        vol.Optional(ATTR_EFFECT): string,
        **_TRANSITION,
    },
    turn_off=_TRANSITION,
)
