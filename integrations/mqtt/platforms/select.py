"""MQTT select: one of ``options``, chosen through ``command_topic``."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.select.const import DOMAIN as DOMAIN
from xiaoqu.integrations.select.entity import SelectEntity

from ..entity import PAYLOAD_NONE, MqttEntity, publish_topic, subscribe_topic
from ..models import ReceiveMessage


class MqttSelect(MqttEntity, SelectEntity):
    DEFAULT_NAME = "MQTT Select"
    PLATFORM_SCHEMA = {
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("command_template"): string,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Required("options"): vol.All([string], vol.Length(min=1)),
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_current_option = None
        self._attr_options = config["options"]

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == PAYLOAD_NONE:
            self._attr_current_option = None
        elif value in self.options:
            self._attr_current_option = value
        else:
            self.reject("unexpected_value", f"{message.topic}: {value[:40]!r} is not one of the options")
            return
        self.update()

    def select_option(self, option: str) -> None:
        self.check_offered("option", option, self.options)
        if "command_topic" in self.config:
            template = self.command_template("command_template")
            self.publish(self.config["command_topic"], template.render(option) if template.text else option)
        if self.optimistic:
            self._attr_current_option = option
            self.update()


ENTITY = MqttSelect
