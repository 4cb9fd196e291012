"""What other integrations call (re-exported by the package; docs/mqtt.md has examples)::

    from xiaoqu.integrations import mqtt

    unsubscribe = await mqtt.subscribe(hub, "zigbee2mqtt/+/action", on_message, qos=1)
    await mqtt.publish(hub, "xiaoqu/demo/door/d1/command", {"action": "unlock"}, qos=1)
    mqtt.publish_nowait(hub, topic, payload)              # from plain (non-async) code
    mqtt.register_device_message(hub, "reader/credential", "reader_credential", handler)

``on_message(message)`` gets a :class:`ReceiveMessage` (``topic``, ``payload`` bytes, ``qos``,
``retain``, ``text()``, ``json()``) and may be a plain function or ``async def``. Whether
the broker is embedded or external, nothing here changes.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .const import DATA_MQTT

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .client import MessageCallback, PayloadType, Unsubscribe
    from .device_protocol import Handler
    from .runtime import MqttData


def get(hub: Hub) -> MqttData:
    """The running integration's objects (client, stats, rejections, router, discovery)."""
    data = hub.data.get(DATA_MQTT)
    if data is None:
        raise RuntimeError("the mqtt integration is not set up: add 'mqtt:' to config.yaml or depend on 'mqtt'")
    return data


async def subscribe(hub: Hub, topic: str, callback: MessageCallback, qos: int = 0) -> Unsubscribe:
    """Call ``callback(message)`` for every message on ``topic`` (``+``/``#`` allowed).

    Returns once the broker confirmed (or at once while it is away: every connect
    subscribes again). The returned function unsubscribes.
    """
    return await get(hub).client.subscribe(topic, callback, qos)


def subscribe_nowait(hub: Hub, topic: str, callback: MessageCallback, qos: int = 0) -> Unsubscribe:
    """:func:`subscribe` for plain code: registered at once, the broker is told right after."""
    return get(hub).client.subscribe_nowait(topic, callback, qos)


async def publish(hub: Hub, topic: str, payload: PayloadType = None, qos: int = 0, retain: bool = False) -> None:
    """Publish; while connected, returns once sent (QoS 0) or acknowledged (QoS 1/2).

    While the broker is away the message is held back and sent when it is back. A dict or
    list payload is sent as JSON, text as UTF-8.
    """
    await get(hub).client.publish(topic, payload, qos, retain)


def publish_nowait(hub: Hub, topic: str, payload: PayloadType = None, qos: int = 0, retain: bool = False) -> None:
    """:func:`publish` for plain code: queued at once, sent in order."""
    get(hub).client.publish_nowait(topic, payload, qos, retain)


def publish_latest(hub: Hub, topic: str, payload: PayloadType = None, qos: int = 0, retain: bool = False) -> None:
    """Publish a message of which only the newest on ``topic`` matters (a display's idle text):
    it goes on the bulk lane, behind whatever the first lane holds (a device's answer is never
    queued behind it), and one not yet sent is replaced by a newer one on the same topic. For a
    bounded set of topics: the newest message taken on each is kept to send again if the
    connection loses it."""
    latest = get(hub).latest
    if latest is None:
        raise RuntimeError("the mqtt integration is not running")
    latest.publish(topic, payload, qos, retain)


def register_device_message(
    hub: Hub,
    kind: str,
    schema_name: str | Mapping[str, Any] | None,
    handler: Handler,
) -> Callable[[], None]:
    """Handle the device-protocol message ``kind`` (``"reader/credential"``, ``"pos/charge"``...).

    Each payload is checked against the JSON schema ``schema_name`` (a file in
    ``integrations/mqtt/schemas/``, or a schema mapping for a kind of the plugin's own) and
    ``handler(message, reply)`` is called with a :class:`DeviceMessage`; ``reply(payload)``
    answers on the kind's reply topic with the request's ``request_id``. The handler may be
    ``async def``. Returns a function that unregisters it.
    """
    router = get(hub).router
    if router is None:
        raise RuntimeError("the device protocol is switched off ('mqtt: device_protocol: false')")
    return router.register(kind, handler, schema_name)


async def wait_connected(hub: Hub, timeout: float = 10.0) -> None:
    """Wait until the hub is connected to the broker (for tests and tools); raises TimeoutError."""
    await asyncio.wait_for(get(hub).connected_event().wait(), timeout)
