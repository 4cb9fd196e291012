"""Entities from ``tasmota/discovery/<MAC>/config`` and ``…/sensors``, both retained.

A device's config and sensors messages are kept per MAC and translated together
(:func:`.translate.components`); the entities are created, updated in place and removed
by the Home Assistant discovery machinery this class extends, so a Tasmota entity lives
exactly like a discovered one. An empty config (``SetOption19 1`` or ``DiscoverOff 1`` on
the device, or a staff member clearing the retained topic) removes the device's entities
and then the device; an empty sensors message removes only the sensors.

When the device's LWT says it is online, it is asked to report (``STATE``, ``STATUS 10``)
so the entities show its state at once instead of after the next TelePeriod.
"""
from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.validation import humanize_error, vol

from ..discovery import Discovery
from ..entity import MqttEntity
from ..models import ReceiveMessage
from . import translate
from .entities import ENTITY_CLASSES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from ..client import MqttClient, Unsubscribe
    from ..models import Rejections

_LOGGER = logging.getLogger(__name__)

#: Fixed in the firmware (``TasDiscovery``: ``tasmota/discovery/%s/config``).
PREFIX = "tasmota/discovery"
#: hatasmota's ``TOPIC_MATCHER``: Tasmota writes the MAC in capitals without colons.
TOPIC = re.compile(r"(?P<mac>[A-Z0-9_-]+)/(?P<kind>config|sensors)")


def _entity_class(component: str, config: dict[str, Any]) -> type[MqttEntity]:
    return ENTITY_CLASSES[component]


@dataclass(slots=True)
class _Device:
    """What is known of one MAC."""

    config: dict[str, Any] | None = None
    sn: dict[str, Any] | None = None
    keys: set[str] = field(default_factory=set)
    polls: list[tuple[str, str]] = field(default_factory=list)
    #: (LWT topic, online payload) and the subscription to it
    lwt: tuple[str, str] | None = None
    unsubscribe_lwt: Unsubscribe | None = None
    online: bool = False


class TasmotaDiscovery(Discovery):
    """Tasmota's native discovery, on top of the Home Assistant discovery it reuses."""

    entity_class = staticmethod(_entity_class)

    def __init__(self, hub: Hub, client: MqttClient, rejections: Rejections) -> None:
        super().__init__(hub, client, rejections, PREFIX)
        self._known: dict[str, _Device] = {}
        #: (MAC, part) already logged as not made into entities
        self._told: set[tuple[str, str]] = set()

    async def start(self) -> None:
        for kind in ("config", "sensors"):
            self._unsubscribes.append(self.client.subscribe_nowait(f"{PREFIX}/+/{kind}", self._received, qos=1))

    async def _process(self, message: ReceiveMessage) -> None:
        match = TOPIC.fullmatch(message.topic[len(PREFIX) + 1 :])
        if match is None:
            expected = f"{PREFIX}/<MAC in capitals>/config or …/sensors"
            self._refuse(message.topic, "discovery_topic", f"{message.topic} is not {expected}")
            return
        mac, kind = match.group("mac", "kind")
        device = self._known.setdefault(mac, _Device())
        if not message.payload:
            if kind == "config":
                device.config = None
            else:
                device.sn = None
        elif kind == "config":
            config = self._validated(mac, translate.CONFIG_SCHEMA, message)
            if config is None:
                return
            if config["mac"] != mac:
                self._refuse(f"tasmota {mac}", "discovery_invalid", f"the config is for MAC {config['mac']}, not {mac}")
                return
            device.config = config
        else:
            sensors = self._validated(mac, translate.SENSORS_SCHEMA, message)
            if sensors is None:
                return
            device.sn = sensors["sn"]
        await self._sync(mac, device)

    def _validated(self, mac: str, schema: vol.Schema, message: ReceiveMessage) -> dict[str, Any] | None:
        """The payload checked against ``schema``; None (refused, counted) when it does not fit."""
        payload = self._json(message, f"tasmota {mac}")
        if payload is None:
            return None
        try:
            return schema(payload)
        except vol.Invalid as err:
            self._refuse(f"tasmota {mac}", "discovery_invalid", humanize_error(payload, err).replace("\n", "; "))
            return None

    async def _sync(self, mac: str, device: _Device) -> None:
        """Make the entities, the LWT watch and the polls match what the device announced."""
        config = device.config
        found = translate.components(config, device.sn) if config is not None else []
        added = await self._converge(device, found)
        if config is None:
            self._watch(device, None)
            if device.sn is None:
                del self._known[mac]
            return
        for part in translate.unsupported(config):
            if (mac, part) not in self._told:
                self._told.add((mac, part))
                _LOGGER.info("Tasmota %s (%s): not made into entities: %s", config["dn"], mac, part)
        device.polls = translate.polls(found, config)
        lwt = (translate.full_topic(config, translate.PREFIX_TELE, "LWT"), config["onln"])
        if lwt != device.lwt:
            self._watch(device, lwt)
        elif added and device.online:
            self._poll(device)  # new entities on a device that is up: ask for their values now

    async def _converge(self, device: _Device, found: list[translate.Component]) -> bool:
        """Create, update and remove entities; whether any was new."""
        keys = set()
        for component in found:
            await self._apply(component.platform, component.key, component.config)
            keys.add(component.key)
        for key in device.keys - keys:
            await self._remove(key)
        await self._settle()  # the polls that follow must find the new entities subscribed
        added = bool(keys - device.keys)
        device.keys = keys
        return added

    def _watch(self, device: _Device, lwt: tuple[str, str] | None) -> None:
        if device.unsubscribe_lwt is not None:
            device.unsubscribe_lwt()
        device.lwt, device.unsubscribe_lwt, device.online = lwt, None, False
        if lwt is not None:
            device.unsubscribe_lwt = self.client.subscribe_nowait(lwt[0], functools.partial(self._lwt_received, device))

    def _lwt_received(self, device: _Device, message: ReceiveMessage) -> None:
        if device.lwt is None:
            return
        device.online = message.payload == device.lwt[1].encode()
        if device.online:
            self._poll(device)

    def _poll(self, device: _Device) -> None:
        for topic, payload in device.polls:
            self.client.publish_nowait(topic, payload)
