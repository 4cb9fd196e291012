"""The MQTT trigger types: ``trigger: mqtt`` and the device triggers MQTT devices announce.

``trigger: mqtt``: a message arrived on a topic — Home Assistant's MQTT trigger.

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

``trigger: device`` with ``domain: mqtt``: one of the triggers a device announced
(``device_automation`` discovery, see :mod:`.device_trigger`), named as in Home Assistant::

    - trigger: device
      domain: mqtt
      device_id: 6f1c...            # the device registry's id
      type: action
      subtype: double
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.template import Template, is_template_string, template_validator
from xiaoqu.core.validation import string, vol

from . import get, subscribe
from .models import text_codec
from .topic import InvalidTopic, valid_subscribe_topic
from .trigger_match import DEFAULT_ENCODING, Match, on_message

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .client import Unsubscribe

_LOGGER = logging.getLogger(__name__)


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
        value_template: Template | None = config.get("value_template")
        match = Match(
            wanted.render(info.variables) if wanted is not None else None,
            value_template.render if value_template is not None else None,
            config["encoding"],
            info,
            RateLimitedLog(_LOGGER, hub.clock.time),
        )
        _LOGGER.debug("Automation %s: trigger %s subscribes to %s", info.automation_id, info.trigger_id, topic)
        return await subscribe(hub, topic, on_message(match, fire), config["qos"])


class DeviceTriggerPlatform:
    """The ``device`` trigger type for MQTT devices' triggers (``domain: mqtt``)."""

    schema = vol.Schema({
        vol.Required("trigger"): "device",
        vol.Required("domain"): vol.In(["mqtt"], msg="only MQTT devices have device triggers here (domain: mqtt)"),
        vol.Required("device_id"): string,
        vol.Required("type"): string,
        vol.Required("subtype"): string,
        # Home Assistant's way of naming the trigger before 2024.2; device_id, type and subtype name it
        vol.Optional("discovery_id"): string,
        vol.Optional("metadata"): dict,  # what Home Assistant's editor writes beside them
    })

    async def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        return await get(hub).device_triggers.attach(config, fire, info)
