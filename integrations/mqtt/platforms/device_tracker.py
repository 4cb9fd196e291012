"""MQTT device tracker: ``home``/``not_home`` (or a zone name) from a state topic."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.device_tracker.const import DOMAIN as DOMAIN
from xiaoqu.integrations.device_tracker.const import STATE_HOME, STATE_NOT_HOME
from xiaoqu.integrations.device_tracker.entity import DeviceTrackerEntity

from ..entity import MqttEntity, subscribe_topic
from ..models import ReceiveMessage


class MqttDeviceTracker(MqttEntity, DeviceTrackerEntity):
    """The location from the state topic; the coordinates from the JSON attributes."""

    PLATFORM_SCHEMA = {
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("payload_home", default="home"): string,
        vol.Optional("payload_not_home", default="not_home"): string,
        vol.Optional("payload_reset", default="None"): string,
        vol.Optional("source_type", default="gps"): string,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_location_name = None
        self._attr_source_type = config["source_type"]

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        config = self.config
        if value == config["payload_reset"]:
            self._attr_location_name = None
        elif value == config["payload_home"]:
            self._attr_location_name = STATE_HOME
        elif value == config["payload_not_home"]:
            self._attr_location_name = STATE_NOT_HOME
        else:
            self._attr_location_name = value[:255]
        self.update()

    @property
    def latitude(self) -> Any:
        return self._json_attributes.get("latitude")

    @property
    def longitude(self) -> Any:
        return self._json_attributes.get("longitude")


ENTITY = MqttDeviceTracker
