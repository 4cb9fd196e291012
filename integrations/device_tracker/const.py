"""Names of the device tracker domain: its states, attributes and sources."""
from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "device_tracker"

STATE_HOME: Final = "home"
STATE_NOT_HOME: Final = "not_home"

ATTR_SOURCE_TYPE: Final = "source_type"
ATTR_LATITUDE: Final = "latitude"
ATTR_LONGITUDE: Final = "longitude"


class SourceType(StrEnum):
    """How the tracker knows where the device is."""

    GPS = "gps"
    ROUTER = "router"
    BLUETOOTH = "bluetooth"
    BLUETOOTH_LE = "bluetooth_le"
