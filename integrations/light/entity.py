"""The base class of every light, whoever drives it."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.entity import ToggleEntity

from .const import ATTR_BRIGHTNESS, ATTR_COLOR_MODE, ATTR_COLOR_TEMP, ATTR_EFFECT, ATTR_RGB_COLOR, DOMAIN


class LightEntity(ToggleEntity):
    """A light: ``on`` or ``off`` from ``is_on``, and while it is on, the brightness, colour
    and effect it reports (a field left ``None`` is not shown). A subclass implements
    ``turn_on(**options)`` (the options of ``light.turn_on``) and ``turn_off``."""

    domain = DOMAIN

    _attr_brightness: int | None = None
    _attr_rgb_color: list[int] | None = None
    _attr_color_temp: int | None = None
    _attr_color_mode: str | None = None
    _attr_effect: str | None = None

    @property
    def brightness(self) -> int | None:
        return self._attr_brightness

    @property
    def rgb_color(self) -> list[int] | None:
        return self._attr_rgb_color

    @property
    def color_temp(self) -> int | None:
        return self._attr_color_temp

    @property
    def color_mode(self) -> str | None:
        return self._attr_color_mode

    @property
    def effect(self) -> str | None:
        return self._attr_effect

    def domain_attributes(self) -> dict[str, Any]:
        if not self.is_on:
            return {}
        values = {
            ATTR_BRIGHTNESS: self.brightness,
            ATTR_RGB_COLOR: self.rgb_color,
            ATTR_COLOR_TEMP: self.color_temp,
            ATTR_COLOR_MODE: self.color_mode,
            ATTR_EFFECT: self.effect,
        }
        return {key: value for key, value in values.items() if value is not None}
