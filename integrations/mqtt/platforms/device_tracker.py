"""MQTT device tracker: ``home``/``not_home`` (or a zone name) from a state topic."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.const import STATE_UNKNOWN
from xiaoqu.core.validation import string, vol

from ..entity import MqttEntity, subscribe_topic
from ..models import ReceiveMessage

DOMAIN = "device_tracker"
SERVICES: list[Any] = []


class MqttDeviceTracker(MqttEntity):
    domain = DOMAIN
    CONFIG_ATTRIBUTES = ("source_type",)
    PLATFORM_SCHEMA = {
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("payload_home", default="home"): string,
        vol.Optional("payload_not_home", default="not_home"): string,
        vol.Optional("payload_reset", default="None"): string,
        vol.Optional("source_type", default="gps"): string,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._location: str | None = None

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        config = self.config
        if value == config["payload_reset"]:
            self._location = None
        elif value == config["payload_home"]:
            self._location = "home"
        elif value == config["payload_not_home"]:
            self._location = "not_home"
        else:
            self._location = value[:255]
        self.update()

    @property
    def state(self) -> str:
        if self._location is None and {"latitude", "longitude"} <= self._json_attributes.keys():
            return "not_home"
        return self._location or STATE_UNKNOWN


ENTITY = MqttDeviceTracker
