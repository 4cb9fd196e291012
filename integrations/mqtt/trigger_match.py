"""Whether a message fires an MQTT-based trigger, and the trigger data it fires with.

Shared by the ``mqtt`` trigger (staff write its ``payload`` and ``value_template``) and the
device triggers devices announce (their ``payload`` is plain text and their
``value_template`` renders limited, as every template a device writes): both compare the
payload, or the value a template renders from it, with the wanted payload, and fire with
Home Assistant's MQTT trigger data. What senders get wrong is logged at most once a minute
per trigger and problem.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.payload import loads
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.template import TemplateError

from .models import ReceiveMessage

DEFAULT_ENCODING = "utf-8"

#: Renders a value template with ``value`` (and ``value_json``); raises TemplateError.
Render = Callable[[dict[str, Any]], str]


class Match:
    """Whether a message fires the trigger, and the trigger data it fires with."""

    __slots__ = ("wanted", "render", "encoding", "info", "log")

    def __init__(self, wanted: str | None, render: Render | None, encoding: str, info: TriggerInfo, log: RateLimitedLog) -> None:
        self.wanted = wanted
        self.render = render
        self.encoding = encoding
        self.info = info
        #: What senders get wrong, once a minute per kind of problem (not per message).
        self.log = log

    def data(self, message: ReceiveMessage) -> dict[str, Any] | None:
        payload = self._decode(message)
        if payload is None:
            return None
        payload_json = _parse_json(message, payload, self.encoding)
        if self.wanted is not None and self._value(message, payload, payload_json) != self.wanted:
            return None
        data: dict[str, Any] = {
            "platform": "mqtt",
            "topic": message.topic,
            "payload": payload,
            "qos": message.qos,
            "description": f"mqtt topic {message.topic}",
        }
        if payload_json is not _NOT_JSON:
            data["payload_json"] = payload_json
        return data

    def _decode(self, message: ReceiveMessage) -> str | bytes | None:
        if not self.encoding:
            return message.payload
        try:
            return message.text(self.encoding)
        except UnicodeError:
            self.log.warning("encoding", "Automation %s, trigger %s: ignoring a message on %s that is not %s text",
                             self.info.automation_id, self.info.trigger_id, message.topic, self.encoding)
            return None

    def _value(self, message: ReceiveMessage, payload: str | bytes, payload_json: Any) -> str | bytes | None:
        """What ``payload:`` is compared with: the payload, or ``value_template`` rendered on it."""
        if self.render is None:
            return payload
        variables = {"value": payload}
        if payload_json is not _NOT_JSON:
            variables["value_json"] = payload_json
        try:
            return self.render(variables)
        except TemplateError as err:
            self.log.warning("value_template", "Automation %s, trigger %s: value_template failed on a message on %s: %s",
                             self.info.automation_id, self.info.trigger_id, message.topic, err)
            return None


def on_message(match: Match, fire: FireTrigger) -> Callable[[ReceiveMessage], None]:
    """The subscription callback firing ``fire`` with each message ``match`` accepts."""

    def received(message: ReceiveMessage) -> None:
        data = match.data(message)
        if data is not None:
            fire(data, None)

    return received


_NOT_JSON: Any = object()


def _parse_json(message: ReceiveMessage, payload: str | bytes, encoding: str) -> Any:
    """The payload as JSON, or `_NOT_JSON`; UTF-8 payloads use the message's parse, shared by
    every subscriber of the topic."""
    try:
        if encoding in ("", DEFAULT_ENCODING):
            return message.json()
        return loads(payload)
    except ValueError:  # PayloadError included
        return _NOT_JSON
