"""MQTT switch: ``payload_on``/``payload_off`` to ``command_topic``, state from ``state_topic``."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.entity import ToggleEntity
from xiaoqu.core.validation import string, vol
from xiaoqu.integrations.switch.const import DOMAIN as DOMAIN
from xiaoqu.integrations.switch.entity import SwitchEntity

from ..entity import PAYLOAD_NONE, MqttEntity, publish_topic, subscribe_topic
from ..models import ReceiveMessage


class OnOffEntity(MqttEntity, ToggleEntity):
    """Shared by switch and the default light schema: on/off from a state topic, optimistic otherwise."""

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._state_on = config.get("state_on", config["payload_on"])
        self._state_off = config.get("state_off", config["payload_off"])
        self._attr_is_on = None

    def subscribe_topics(self) -> None:
        template_key = "state_value_template" if "state_value_template" in self.config else "value_template"
        self.subscribe_value(self._state_received, template_key=template_key)

    def _state_received(self, value: str, message: ReceiveMessage) -> None:
        if value == self._state_on:
            self._attr_is_on = True
        elif value == self._state_off:
            self._attr_is_on = False
        elif value == PAYLOAD_NONE:
            self._attr_is_on = None
        else:
            return  # another field of a shared JSON topic changed
        self.update()

    def _send(self, on: bool) -> None:
        if "command_topic" in self.config:
            self.publish(self.config["command_topic"], self.config["payload_on" if on else "payload_off"])
        if self.optimistic:
            self._attr_is_on = on
            self.update()

    def turn_on(self, **_: Any) -> None:
        self._send(True)

    def turn_off(self, **_: Any) -> None:
        self._send(False)


class MqttSwitch(OnOffEntity, SwitchEntity):
    DEFAULT_NAME = "MQTT Switch"
    PLATFORM_SCHEMA = {
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("payload_on", default="ON"): string,
        vol.Optional("payload_off", default="OFF"): string,
        vol.Optional("state_on"): string,
        vol.Optional("state_off"): string,
    }


ENTITY = MqttSwitch
