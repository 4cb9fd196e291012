"""MQTT sensor: the rendered value of a state topic, with unit, class and ``expire_after``."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.const import MAX_STATE_LENGTH
from xiaoqu.core.validation import boolean, string, vol
from xiaoqu.integrations.sensor.const import DOMAIN as DOMAIN
from xiaoqu.integrations.sensor.entity import SensorEntity

from ..entity import PAYLOAD_NONE, optional_string, subscribe_topic
from ..models import ReceiveMessage
from .binary_sensor import ExpiringEntity


class MqttSensor(ExpiringEntity, SensorEntity):
    DEFAULT_NAME = "MQTT Sensor"
    CONFIG_ATTRIBUTES = ("suggested_display_precision",)
    PLATFORM_SCHEMA = {
        vol.Required("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("unit_of_measurement"): optional_string,
        vol.Optional("state_class"): optional_string,
        vol.Optional("expire_after"): vol.All(vol.Coerce(float), vol.Range(min=0)),
        vol.Optional("force_update", default=False): boolean,
        vol.Optional("suggested_display_precision"): vol.Coerce(int),
        vol.Optional("last_reset_value_template"): string,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_native_value = None
        self._attr_unit_of_measurement = config.get("unit_of_measurement")
        self._attr_state_class = config.get("state_class")

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if len(value) > MAX_STATE_LENGTH:
            self.reject("too_long", f"{message.topic}: a value of {len(value)} characters is longer than a state may be")
            return
        self._attr_native_value = None if value == PAYLOAD_NONE else value
        self.touch()
        self.update()

ENTITY = MqttSensor
