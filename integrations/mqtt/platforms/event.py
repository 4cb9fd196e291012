"""MQTT event: a JSON object naming one of ``event_types`` arrives on ``state_topic``.

As Home Assistant's MQTT event: the value (the payload, or ``value_template`` rendered on
it) is a JSON object with ``event_type`` and whatever else the device says (``{"event_type":
"press", "button": "left"}``); the entity's state becomes the time it arrived and the rest
its attributes. A retained message is an event that already happened, replayed by the
broker to a new subscriber, so it is not an event now; an empty object, ``None``, or a
value without ``event_type`` (Zigbee2MQTT's template gives ``{}`` for a message that is no
action) is skipped.
"""
from __future__ import annotations

from typing import Any

from xiaoqu.core.payload import loads
from xiaoqu.core.validation import ensure_list, string, vol
from xiaoqu.integrations.event.const import ATTR_EVENT_TYPE
from xiaoqu.integrations.event.const import DOMAIN as DOMAIN
from xiaoqu.integrations.event.entity import EventEntity

from ..entity import PAYLOAD_NONE, MqttEntity, subscribe_topic
from ..models import ReceiveMessage

#: What a value template gives for a message that carries no event (Home Assistant's PAYLOAD_EMPTY_JSON).
PAYLOAD_EMPTY_JSON = "{}"


class MqttEvent(MqttEntity, EventEntity):
    DEFAULT_NAME = "MQTT Event"
    PLATFORM_SCHEMA = {
        vol.Required("state_topic"): subscribe_topic,
        vol.Optional("value_template"): string,
        vol.Required("event_types"): vol.All(ensure_list, [string], vol.Length(min=1)),
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_event_types = config["event_types"]

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received)

    def _received(self, value: str, message: ReceiveMessage) -> None:
        if message.retain or value in (PAYLOAD_NONE, PAYLOAD_EMPTY_JSON):
            return
        try:
            event = loads(value)
        except ValueError as err:
            self.reject("invalid_json", f"{message.topic}: the event is not JSON: {err}")
            return
        if not isinstance(event, dict):
            self.reject("not_an_object", f"{message.topic}: the event is not a JSON object")
            return
        event_type = event.pop(ATTR_EVENT_TYPE, None)
        if event_type is None:
            self.reject("missing_event_type", f"{message.topic}: the event has no event_type")
            return
        if str(event_type) not in self.event_types:
            self.reject(
                "unknown_event_type",
                f"{message.topic}: event_type {str(event_type)[:40]!r} is not one of {', '.join(self.event_types)}",
            )
            return
        self.trigger_event(str(event_type), event)
        self.update()


ENTITY = MqttEvent
