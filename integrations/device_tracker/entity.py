"""The base class of every device tracker, whoever reports it."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.entity import Entity

from .const import ATTR_LATITUDE, ATTR_LONGITUDE, ATTR_SOURCE_TYPE, DOMAIN, STATE_NOT_HOME


class DeviceTrackerEntity(Entity):
    """Where a device is: the state is ``location_name`` (``home``, ``not_home`` or a place)
    when the device says, else ``not_home`` when it only gives coordinates (there are no
    zones to place them in), else unknown."""

    domain = DOMAIN

    _attr_location_name: str | None = None
    _attr_latitude: float | None = None
    _attr_longitude: float | None = None
    _attr_source_type: str | None = None

    @property
    def location_name(self) -> str | None:
        return self._attr_location_name

    @property
    def latitude(self) -> float | None:
        return self._attr_latitude

    @property
    def longitude(self) -> float | None:
        return self._attr_longitude

    @property
    def source_type(self) -> str | None:
        return self._attr_source_type

    @property
    def state(self) -> str | None:
        if self.location_name is not None:
            return self.location_name
        if self.latitude is not None and self.longitude is not None:
            return STATE_NOT_HOME
        return None

    def domain_attributes(self) -> dict[str, Any]:
        values = {ATTR_SOURCE_TYPE: self.source_type, ATTR_LATITUDE: self.latitude, ATTR_LONGITUDE: self.longitude}
        return {key: value for key, value in values.items() if value is not None}
