"""Names of the binary sensor domain (its states are ``on`` and ``off``, the core's)."""
from __future__ import annotations

from typing import Final

DOMAIN: Final = "binary_sensor"

#: The English name an unnamed binary sensor takes from its device class (Home Assistant's
#: ``binary_sensor`` ``entity_component`` translations; see the sensor domain's).
DEVICE_CLASS_NAMES: Final[dict[str, str]] = {
    "battery": "Battery",
    "battery_charging": "Charging",
    "carbon_monoxide": "Carbon monoxide",
    "cold": "Cold",
    "connectivity": "Connectivity",
    "door": "Door",
    "garage_door": "Garage door",
    "gas": "Gas",
    "heat": "Heat",
    "light": "Light",
    "lock": "Lock",
    "moisture": "Moisture",
    "motion": "Motion",
    "moving": "Moving",
    "occupancy": "Occupancy",
    "opening": "Opening",
    "plug": "Plug",
    "power": "Power",
    "presence": "Presence",
    "problem": "Problem",
    "running": "Running",
    "safety": "Safety",
    "smoke": "Smoke",
    "sound": "Sound",
    "tamper": "Tamper",
    "update": "Update",
    "vibration": "Vibration",
    "window": "Window",
}
