"""The mqtt services, one table: ``mqtt.publish``, as Home Assistant has it.

::

    - action: mqtt.publish
      data:
        topic: displays/gate1/text
        payload: "空位 {{ states('sensor.free_spaces') }}"
        qos: 1
        retain: true

``payload`` is text (numbers are written as text, a mapping or list as JSON, none an empty
message); ``evaluate_payload: true`` sends a Python bytes literal (``"b'\\x01\\x02'"``) as
those bytes. ``topic_template`` and ``payload_template``, which Home Assistant had before
automations rendered every field, are rendered here. It is a service like any other: only
roles granted ``mqtt.publish`` may call it (admins, unless the site grants it).

A caller can make any device on the broker act, so what it cannot do is limited to the
hub's own topics, where a message would be taken for the hub's: its state stream, its
availability, and what it announces to Home Assistant and takes commands from there
(discovery out). Those are refused, naming the topic and what it is for.
"""
from __future__ import annotations

from ast import literal_eval
from typing import TYPE_CHECKING

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.services import ServiceCall, ServiceSpec
from xiaoqu.core.template import Template, TemplateError

from .client import PayloadType
from .const import DATA_MQTT, topic_root
from .discovery_out import node_id
from .schema import PUBLISH_SCHEMA
from .topic import InvalidTopic, matches, valid_publish_topic

if TYPE_CHECKING:
    from .runtime import MqttData


def reserved(data: MqttData, topic: str) -> str | None:
    """What ``topic`` is for, when nobody may publish to it through the service: the hub's
    own topics, the site's device tree (a message there is taken as a reader's swipe or a
    POS terminal's charge, or as the hub's command to a door), and the broker's ``$`` topics."""
    if topic.startswith("$"):
        return "one of the broker's own topics"
    root, prefix = topic_root(data.hub), data.config["discovery_prefix"]
    own = {
        f"{root}/state/#": "the hub's state stream",
        f"{root}/status": "the hub's availability",
        f"{root}/set/#": "the commands Home Assistant sends the hub (discovery out)",
        f"{root}/#": "in the site's device tree, where a message is taken as a device's or the hub's own",
        f"{prefix}/+/{node_id(data.hub)}/#": "what the hub announces to Home Assistant (discovery out)",
    }
    return next((what for topic_filter, what in own.items() if matches(topic_filter, topic)), None)


def _render(call: ServiceCall, key: str) -> str:
    try:
        return Template(call.data[key], call.hub).render()
    except TemplateError as err:
        raise ServiceValidationError(f"mqtt.publish: {key}: {err}") from None


def _bytes_literal(payload: PayloadType) -> PayloadType:
    """Home Assistant's ``evaluate_payload``: ``"b'\\x01'"`` → ``b"\\x01"``; anything else as it is."""
    if isinstance(payload, str) and payload.startswith(("b'", 'b"')):
        try:
            value = literal_eval(payload)
        except (ValueError, TypeError, SyntaxError, MemoryError):
            return payload
        if isinstance(value, bytes):
            return value
    return payload


async def publish(call: ServiceCall) -> None:
    data = call.hub.data[DATA_MQTT]
    topic = call.data["topic"] if "topic" in call.data else _render(call, "topic_template")
    try:
        valid_publish_topic(topic)
    except InvalidTopic as err:
        raise ServiceValidationError(f"mqtt.publish: {err}") from None
    if (what := reserved(data, topic)) is not None:
        raise ServiceValidationError(f"mqtt.publish: {topic} is {what}; the service may not publish there")
    payload = _render(call, "payload_template") if "payload_template" in call.data else call.data.get("payload")
    if call.data["evaluate_payload"]:
        payload = _bytes_literal(payload)
    await data.client.publish(topic, payload, call.data["qos"], call.data["retain"])


SERVICES = (ServiceSpec("publish", publish, PUBLISH_SCHEMA, "Publish a message to an MQTT topic"),)
