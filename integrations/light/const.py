"""Names of the light domain: its attributes and the options of ``light.turn_on``."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "light"

#: 0-255
ATTR_BRIGHTNESS: Final = "brightness"
#: 0-100, a service option only (turned into ``brightness``)
ATTR_BRIGHTNESS_PCT: Final = "brightness_pct"
ATTR_RGB_COLOR: Final = "rgb_color"
#: in mireds
ATTR_COLOR_TEMP: Final = "color_temp"
#: which of the colour attributes the light is using (``rgb``, ``color_temp``...)
ATTR_COLOR_MODE: Final = "color_mode"
ATTR_EFFECT: Final = "effect"
#: seconds, a service option only
ATTR_TRANSITION: Final = "transition"
