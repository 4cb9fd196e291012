"""The base class of every cover, whoever drives it."""
from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from xiaoqu.core.entity import Entity, ServiceNotSupported

from .const import ATTR_CURRENT_POSITION, ATTR_CURRENT_TILT_POSITION, DOMAIN, CoverState


class CoverEntity(Entity):
    """A cover. A subclass sets ``_attr_is_closed``, ``_attr_is_opening`` and
    ``_attr_is_closing`` (and the positions it knows, 0 closed to 100 open), declares in
    ``_attr_supported_features`` what it can do, and implements those services. The state
    follows from the fields as in Home Assistant: a movement first, then closed or open."""

    domain = DOMAIN

    _attr_is_closed: bool | None = None
    _attr_is_opening: bool | None = None
    _attr_is_closing: bool | None = None
    _attr_current_cover_position: int | None = None
    _attr_current_cover_tilt_position: int | None = None

    @property
    def is_closed(self) -> bool | None:
        return self._attr_is_closed

    @property
    def is_opening(self) -> bool | None:
        return self._attr_is_opening

    @property
    def is_closing(self) -> bool | None:
        return self._attr_is_closing

    @property
    def current_cover_position(self) -> int | None:
        return self._attr_current_cover_position

    @property
    def current_cover_tilt_position(self) -> int | None:
        return self._attr_current_cover_tilt_position

    @property
    def state(self) -> str | None:
        if self.is_opening:
            return CoverState.OPENING
        if self.is_closing:
            return CoverState.CLOSING
        if (closed := self.is_closed) is None:
            return None
        return CoverState.CLOSED if closed else CoverState.OPEN

    def domain_attributes(self) -> dict[str, Any]:
        values = {
            ATTR_CURRENT_POSITION: self.current_cover_position,
            ATTR_CURRENT_TILT_POSITION: self.current_cover_tilt_position,
        }
        return {key: value for key, value in values.items() if value is not None}

    def open_cover(self) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "open_cover")

    def close_cover(self) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "close_cover")

    def stop_cover(self) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "stop_cover")

    def set_cover_position(self, position: int) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "set_cover_position")

    def set_cover_tilt_position(self, tilt_position: int) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "set_cover_tilt_position")
