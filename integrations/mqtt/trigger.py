"""``trigger: mqtt``: a message arrived on a topic — Home Assistant's MQTT trigger.

::

    - trigger: mqtt
      topic: "xiaoqu/demo/lpr/+/plate"     # + and # wildcards; a template of trigger_variables
      payload: "on"                         # optional: only this payload (a template, rendered once)
      value_template: "{{ value_json.state }}"  # optional: compare this instead of the payload
      qos: 1                                # optional, 0 (default), 1 or 2
      encoding: utf-8                       # optional; "" keeps the payload as bytes

As in Home Assistant, ``topic`` and ``payload`` are rendered once, when the automation is
armed, with the automation's ``trigger_variables`` (``topic`` with the limited templates
that read no state); ``value_template`` is rendered for each message with ``value`` (the
decoded payload) and ``value_json`` (when it parses). The trigger's data: ``topic``,
``payload``, ``payload_json`` (when the payload is JSON), ``qos`` and ``description``.

Each trigger is one subscription through :func:`integrations.mqtt.subscribe`, so a
message reaches only the triggers whose filter matches it (the client routes by topic).
A message that is not text in ``encoding``, or that ``value_template`` fails on, does not
fire; it is logged at most once a minute per trigger and problem, since senders choose it.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.payload import loads
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.template import (
    Template,
    TemplateError,
    is_template_string,
    template_validator,
)
from xiaoqu.core.validation import string, vol

from . import subscribe
from .models import ReceiveMessage, text_codec
from .topic import InvalidTopic, valid_subscribe_topic

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .client import Unsubscribe

_LOGGER = logging.getLogger(__name__)

DEFAULT_ENCODING = "utf-8"


def _encoding(value: Any) -> str:
    """A text codec Python knows, or "" for raw bytes; a misspelt one is a config error, not a
    message dropped later."""
    name = string(value) if value != "" else ""
    if name:
        try:
            text_codec(name)
        except ValueError as err:
            raise vol.Invalid(f"{err} (for example utf-8, gbk; \"\" for raw bytes)") from None
    return name


def _topic(hub: Hub | None) -> Any:
    """A topic filter, checked now — or a template, checked once it is rendered."""
    compile_template = template_validator(hub)

    def validate(value: Any) -> Template | str:
        topic = string(value)
        if is_template_string(topic):
            return compile_template(topic)
        try:
            return valid_subscribe_topic(topic)
        except InvalidTopic as err:
            raise vol.Invalid(str(err)) from None

    return validate


class MqttTrigger:
    """The ``mqtt`` trigger type, bound to one hub (its templates compile with the hub's helpers)."""

    def __init__(self, hub: Hub | None) -> None:
        template = template_validator(hub)
        self.schema = vol.Schema({
            vol.Required("trigger"): "mqtt",
            vol.Required("topic"): _topic(hub),
            vol.Optional("payload"): template,
            vol.Optional("value_template"): template,
            vol.Optional("encoding", default=DEFAULT_ENCODING): _encoding,
            vol.Optional("qos", default=0): vol.All(vol.Coerce(int), vol.In((0, 1, 2), msg="expected 0, 1 or 2")),
        })

    async def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        topic = config["topic"]
        if isinstance(topic, Template):
            topic = valid_subscribe_topic(topic.render(info.variables, limited=True))
        wanted: Template | None = config.get("payload")
        match = _Match(
            wanted.render(info.variables) if wanted is not None else None,
            config.get("value_template"),
            config["encoding"],
            info,
            RateLimitedLog(_LOGGER, hub.clock.time),
        )

        def received(message: ReceiveMessage) -> None:
            data = match.data(message)
            if data is not None:
                fire(data, None)

        _LOGGER.debug("Automation %s: trigger %s subscribes to %s", info.automation_id, info.trigger_id, topic)
        return await subscribe(hub, topic, received, config["qos"])


class _Match:
    """Whether a message fires the trigger, and the trigger data it fires with."""

    __slots__ = ("wanted", "value_template", "encoding", "info", "log")

    def __init__(
        self, wanted: str | None, value_template: Template | None, encoding: str, info: TriggerInfo, log: RateLimitedLog
    ) -> None:
        self.wanted = wanted
        self.value_template = value_template
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
        if self.value_template is None:
            return payload
        variables = {"value": payload}
        if payload_json is not _NOT_JSON:
            variables["value_json"] = payload_json
        try:
            return self.value_template.render(variables)
        except TemplateError as err:
            self.log.warning("value_template", "Automation %s, trigger %s: value_template failed on a message on %s: %s",
                             self.info.automation_id, self.info.trigger_id, message.topic, err)
            return None


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
