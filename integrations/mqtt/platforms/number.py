"""MQTT number: a value within ``min``..``max`` in ``step``s, set through ``command_topic``."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.number.const import DOMAIN as DOMAIN
from xiaoqu.integrations.number.entity import NumberEntity, number_text

from ..entity import (
    PAYLOAD_NONE,
    MqttEntity,
    optional_string,
    publish_topic,
    subscribe_topic,
)
from ..models import ReceiveMessage


class MqttNumber(MqttEntity, NumberEntity):
    DEFAULT_NAME = "MQTT Number"
    PLATFORM_SCHEMA = {
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("command_template"): string,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("min", default=1): vol.Coerce(float),
        vol.Optional("max", default=100): vol.Coerce(float),
        vol.Optional("step", default=1): vol.All(vol.Coerce(float), vol.Range(min=1e-9)),
        vol.Optional("mode", default="auto"): vol.In(["auto", "box", "slider"]),
        vol.Optional("unit_of_measurement"): optional_string,
        vol.Optional("payload_reset", default=PAYLOAD_NONE): string,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_native_value = None
        self._attr_native_min_value, self._attr_native_max_value = config["min"], config["max"]
        self._attr_native_step, self._attr_mode = config["step"], config["mode"]
        self._attr_unit_of_measurement = config.get("unit_of_measurement")

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == self.config["payload_reset"]:
            self._attr_native_value = None
        else:
            try:
                self._attr_native_value = float(value)
            except ValueError:
                self.reject("unexpected_value", f"{message.topic}: {value[:40]!r} is not a number")
                return
        self.update()

    def set_value(self, value: float) -> None:
        self.check_value(value)
        if "command_topic" in self.config:
            payload = number_text(value)
            template = self.command_template("command_template")
            self.publish(self.config["command_topic"], template.render(value) if template.text else payload)
        if self.optimistic:
            self._attr_native_value = value
            self.update()


ENTITY = MqttNumber
