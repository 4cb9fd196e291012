"""Entity platforms for Home Assistant MQTT discovery, one module per component."""
from __future__ import annotations

import importlib
from typing import Any

from ..entity import MqttEntity

#: The components discovery supports, one module each.
COMPONENTS = (
    "alarm_control_panel",
    "binary_sensor",
    "button",
    "climate",
    "cover",
    "device_tracker",
    "event",
    "fan",
    "light",
    "lock",
    "number",
    "select",
    "sensor",
    "switch",
)

#: component → platform module (light picks its class by ``schema``).
PLATFORMS: dict[str, Any] = {
    module.DOMAIN: module for module in (importlib.import_module(f"{__name__}.{name}") for name in COMPONENTS)
}


def entity_class(component: str, config: dict[str, Any]) -> type[MqttEntity]:
    module = PLATFORMS[component]
    chooser = getattr(module, "entity_class", None)
    return chooser(config) if chooser is not None else module.ENTITY
