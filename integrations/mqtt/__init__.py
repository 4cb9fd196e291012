"""MQTT for xiaoqu: one connection per hub, an embedded broker, Home Assistant discovery
in and out, the state stream, the device protocol, the ``mqtt`` and ``device`` automation
triggers and the ``mqtt.publish`` service.

The API other integrations call (``api.py``; docs/mqtt.md has examples)::

    from xiaoqu.integrations import mqtt

    unsubscribe = await mqtt.subscribe(hub, "zigbee2mqtt/+/action", on_message, qos=1)
    await mqtt.publish(hub, "xiaoqu/demo/door/d1/command", {"action": "unlock"}, qos=1)
    mqtt.publish_nowait(hub, topic, payload)              # from plain (non-async) code
    mqtt.publish_latest(hub, topic, payload, retain=True) # only the newest on the topic matters
    mqtt.register_device_message(hub, "reader/credential", "reader_credential", handler)

``on_message(message)`` gets a :class:`ReceiveMessage` (``topic``, ``payload`` bytes, ``qos``,
``retain``, ``text()``, ``json()``) and may be a plain function or ``async def``. Whether
the broker is embedded or external, nothing here changes.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import runtime
from .api import (
    get,
    publish,
    publish_latest,
    publish_nowait,
    register_device_message,
    subscribe,
    subscribe_nowait,
    wait_connected,
)
from .const import DATA_MQTT, DOMAIN, topic_root
from .device_protocol import DeviceMessage, MessageKind, Reply
from .models import ReceiveMessage
from .runtime import MqttData
from .schema import CONFIG_SCHEMA
from .services import SERVICES

if TYPE_CHECKING:
    import voluptuous as vol

    from xiaoqu.core.hub import Hub

__all__ = [
    "DATA_MQTT",
    "DOMAIN",
    "DeviceMessage",
    "MessageKind",
    "MqttData",
    "ReceiveMessage",
    "Reply",
    "get",
    "publish",
    "publish_latest",
    "publish_nowait",
    "register_device_message",
    "subscribe",
    "subscribe_nowait",
    "topic_root",
    "wait_connected",
]


@hookimpl
def xiaoqu_config_schema() -> vol.All:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any] | None) -> None:
    await runtime.set_up(hub, config)
    register_services(hub, DOMAIN, SERVICES)


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
def xiaoqu_automation_triggers(hub: Hub) -> dict[str, Any]:
    from .trigger import DeviceTriggerPlatform, MqttTrigger

    return {"mqtt": MqttTrigger(hub), "device": DeviceTriggerPlatform()}


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.stop(hub)
