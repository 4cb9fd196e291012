"""MQTT binary sensor: ``payload_on``/``payload_off`` on a state topic; ``off_delay``, ``expire_after``."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.clock import TimerHandle
from xiaoqu.core.validation import boolean, string, vol
from xiaoqu.integrations.binary_sensor.const import DOMAIN as DOMAIN
from xiaoqu.integrations.binary_sensor.entity import BinarySensorEntity

from ..entity import PAYLOAD_NONE, MqttEntity, subscribe_topic
from ..models import ReceiveMessage


class ExpiringEntity(MqttEntity):
    """A value that turns ``unavailable`` when no update came for ``expire_after`` seconds."""

    _expired = False
    _expiry: TimerHandle | None = None

    def touch(self) -> None:
        expire = self.config.get("expire_after")
        if not expire or self.hub is None:
            return
        self._expired = False
        if self._expiry is not None:
            self._expiry.cancel()
        self._expiry = self.hub.clock.call_later(expire, self._expire)

    def _expire(self) -> None:
        self._expiry = None
        self._expired = True
        self.update()

    @property
    def available(self) -> bool:
        return not self._expired and super().available

    async def will_remove_from_hub(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        await super().will_remove_from_hub()


class MqttBinarySensor(ExpiringEntity, BinarySensorEntity):
    DEFAULT_NAME = "MQTT Binary sensor"
    PLATFORM_SCHEMA = {
        vol.Required("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Optional("payload_on", default="ON"): string,
        vol.Optional("payload_off", default="OFF"): string,
        vol.Optional("off_delay"): vol.All(vol.Coerce(float), vol.Range(min=0)),
        vol.Optional("expire_after"): vol.All(vol.Coerce(float), vol.Range(min=0)),
        vol.Optional("force_update", default=False): boolean,
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_is_on = None
        self._off_timer: TimerHandle | None = None

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if value == self.config["payload_on"]:
            self._attr_is_on = True
        elif value == self.config["payload_off"]:
            self._attr_is_on = False
        elif value == PAYLOAD_NONE:
            self._attr_is_on = None
        else:
            self.reject("unexpected_value", f"{message.topic}: {value[:40]!r} is neither payload_on nor payload_off")
            return
        self.touch()
        if self._attr_is_on and self.config.get("off_delay") and self.hub is not None:
            if self._off_timer is not None:
                self._off_timer.cancel()
            self._off_timer = self.hub.clock.call_later(self.config["off_delay"], self._turn_off_later)
        self.update()

    def _turn_off_later(self) -> None:
        self._off_timer = None
        self._attr_is_on = False
        self.update()


ENTITY = MqttBinarySensor
