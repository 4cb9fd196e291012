"""Tasmota's own discovery, read the way Home Assistant's ``tasmota`` integration reads it
through hatasmota.

Since version 12 Tasmota announces itself on ``tasmota/discovery/<MAC>/config`` and
``…/sensors`` by default (``SetOption19 0``) instead of in Home Assistant's format. Each
device's native config is translated (:mod:`.translate`) into the Home Assistant-discovery
configs of the entities it offers: relays → switch (or light with ``SetOption30``),
lights → light with ``Dimmer``, ``CT`` and ``Color``, switch inputs → binary_sensor,
readings in ``sensors`` → sensor. Those configs drive the same entity classes Home
Assistant discovery uses (:mod:`.entities` adds what Tasmota reports differently), so
state, commands, availability and the device registry take one code path.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .discovery import PREFIX, TasmotaDiscovery

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from ..runtime import MqttData

__all__ = ["PREFIX", "TasmotaDiscovery", "start_tasmota_discovery"]


async def start_tasmota_discovery(hub: Hub, data: MqttData) -> TasmotaDiscovery | None:
    """Read Tasmota's discovery whenever discovery is on (``mqtt: discovery``, the default).

    Nothing needs stopping: the subscriptions end with the hub's MQTT connection.
    """
    if not data.config["discovery"]:
        return None
    discovery = TasmotaDiscovery(hub, data.client, data.rejections)
    await discovery.start()
    return discovery
