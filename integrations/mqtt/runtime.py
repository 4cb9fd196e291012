"""Setting the integration up and down: broker, client, router, discovery (Home Assistant's
and Tasmota's), state stream."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .broker import EmbeddedBroker
from .client import ConnectionSettings, MqttClient, TlsSettings
from .const import DATA_MQTT, DOMAIN, topic_root
from .device_protocol import DeviceRouter
from .device_trigger import DeviceTriggers
from .diagnostics import RejectedMessagesSensor
from .discovery import Discovery, DiscoveryBudget
from .discovery_out import DiscoveryOut
from .latest import LatestOnTopic
from .models import MqttStats, Rejections
from .schema import CONFIG_SCHEMA, EMBEDDED
from .state_stream import StateStream
from .tasmota import start_tasmota_discovery

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: How long set-up waits for the first connection before letting the hub start anyway.
FIRST_CONNECT_TIMEOUT = 5.0


@dataclass(slots=True)
class MqttData:
    """Everything the integration runs, at ``hub.data[DATA_MQTT]``."""

    hub: Hub
    config: dict[str, Any]
    client: MqttClient
    stats: MqttStats
    rejections: Rejections
    discovery_budget: DiscoveryBudget
    device_triggers: DeviceTriggers
    broker: EmbeddedBroker | None = None
    router: DeviceRouter | None = None
    discovery: Discovery | None = None
    discovery_out: DiscoveryOut | None = None
    state_stream: StateStream | None = None
    latest: LatestOnTopic | None = None
    _connected: asyncio.Event = field(default_factory=asyncio.Event)

    def connected_event(self) -> asyncio.Event:
        return self._connected

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            self._connected.set()
        else:
            self._connected.clear()

    def as_dict(self) -> dict[str, Any]:
        """What the API and diagnostics show."""
        return {
            "broker": "embedded" if self.broker else f"{self.client.settings.address}",
            "connection": self.stats.as_dict(),
            "rejected": self.rejections.as_dict(),
            "subscriptions": len(self.client.wanted_filters()),
        }

    async def stop(self) -> None:
        for part in (self.discovery_out, self.state_stream, self.latest, self.discovery, self.router):
            if part is not None:
                await part.stop() if asyncio.iscoroutinefunction(part.stop) else part.stop()
        await self.client.stop()
        if self.broker is not None:
            await self.broker.stop()


def _settings(hub: Hub, config: dict[str, Any], broker: EmbeddedBroker | None) -> ConnectionSettings:
    target = config["broker"]
    common = {
        "client_id": config.get("client_id") or f"xiaoqu-{hub.config.site}",
        "status_topic": f"{topic_root(hub)}/status",
        "keepalive": config["keepalive"],
        "tcp_nodelay": config["tcp_nodelay"],
        "max_incoming": config["max_queued_incoming"],
        "max_held_back": config["max_held_back"],
        "max_payload": config["max_payload"],
    }
    if broker is not None:
        # A broker listening on every address is reached over loopback.
        host = "127.0.0.1" if broker.host in ("0.0.0.0", "::") else broker.host
        user, password = broker.hub_credentials or (None, None)
        return ConnectionSettings(host=host, port=broker.port, username=user, password=password, **common)
    tls = target.get("tls")
    return ConnectionSettings(
        host=target["host"],
        port=target["port"],
        username=target.get("username"),
        password=target.get("password"),
        tls=TlsSettings(**tls) if tls is not None else None,
        **common,
    )


async def setup_mqtt(hub: Hub, config: dict[str, Any]) -> MqttData:
    broker: EmbeddedBroker | None = None
    if config["broker"].get(EMBEDDED):
        assert hub.config.data_dir is not None
        broker = EmbeddedBroker(config["bind"], config["port"], config["users"], hub.config.data_dir, topic_root(hub))
        await broker.start(hub)
    stats = MqttStats()
    rejections = Rejections()
    client = MqttClient(hub, _settings(hub, config, broker), stats, rejections.add)
    budget = DiscoveryBudget(config["max_discovered_entities"], config["max_entities_per_device"])
    data = MqttData(hub, config, client, stats, rejections, budget, DeviceTriggers(hub, client), broker)
    hub.data[DATA_MQTT] = data
    client.on_connection_change(data._connection_changed)
    try:
        if config["device_protocol"]:
            data.router = DeviceRouter(hub, client, rejections)
            data.router.start()
        if config["discovery_out"]["enabled"]:
            data.discovery_out = DiscoveryOut(hub, client, config["discovery_prefix"], config["discovery_out"]["domains"])
        if config["discovery"]:
            own_topic = data.discovery_out.announces if data.discovery_out is not None else None
            data.discovery = Discovery(hub, client, rejections, config["discovery_prefix"], own_topic)
            await data.discovery.start()
        stream = config["state_stream"]
        if config["discovery_out"]["enabled"] and not stream["enabled"]:
            # Announced entities read their state from the stream: keep it for their domains.
            stream = {"enabled": True, "domains": config["discovery_out"]["domains"], "qos": 1}
        if stream["enabled"]:
            data.state_stream = StateStream(hub, client, stream)
            data.state_stream.start()
        if data.discovery_out is not None:
            data.discovery_out.start()
        data.latest = LatestOnTopic(client)
        data.latest.start()
        await hub.entities.add(DOMAIN, [RejectedMessagesSensor(rejections, stats)])
        await client.start()
        try:
            await asyncio.wait_for(data.connected_event().wait(), FIRST_CONNECT_TIMEOUT)
        except TimeoutError:
            _LOGGER.warning("Starting without the MQTT broker at %s; connecting in the background", client.settings.address)
    except BaseException:
        await data.stop()
        hub.data.pop(DATA_MQTT, None)
        raise
    return data


async def set_up(hub: Hub, config: dict[str, Any] | None) -> MqttData:
    """The ``xiaoqu_setup`` hook's work: the defaults when only a dependency brought mqtt in,
    then the connection and everything on it, Tasmota's discovery included."""
    data = await setup_mqtt(hub, config if config is not None else CONFIG_SCHEMA({}))
    await start_tasmota_discovery(hub, data)
    return data


async def stop(hub: Hub) -> None:
    """The ``xiaoqu_stop`` hook's work: stop what set-up started, if it got that far."""
    data = hub.data.get(DATA_MQTT)
    if data is not None:
        await data.stop()
