"""Home Assistant MQTT discovery, in: configs under ``<prefix>/...`` become entities.

Topics follow Home Assistant: ``<prefix>/<component>/[<node_id>/]<object_id>/config`` for
one entity, and ``<prefix>/device/<object_id>/config`` (``cmps``) for a whole device. A
payload's abbreviated keys are expanded (root, ``dev``, ``o``, availability entries), the
``~`` base topic is substituted into ``*_topic`` keys, and the result is validated by the
platform's schema (unknown keys dropped, as Home Assistant does). A new payload on the same
topic updates the entity in place; an empty payload removes it (and its device when no
entity of it is left). ``device_automation`` configs are device triggers (device_trigger.py).
Payloads that do not fit are logged with the reason and counted.
Configs this hub announces itself (discovery out) come back on the same topics and are
skipped: they describe entities the hub already has.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.entity import suggested_entity_id
from xiaoqu.core.errors import HubError
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.validation import humanize_error, vol

from .abbreviations import ABBREVIATIONS, DEVICE_ABBREVIATIONS, ORIGIN_ABBREVIATIONS
from .const import DATA_MQTT, DOMAIN
from .device_trigger import COMPONENT as DEVICE_AUTOMATION
from .device_trigger import DISCOVERY_SCHEMA as DEVICE_TRIGGER_SCHEMA
from .entity import MqttEntity
from .models import ReceiveMessage
from .platforms import PLATFORMS, entity_class

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .client import MqttClient, Unsubscribe
    from .device_trigger import DeviceTriggers
    from .models import Rejections

_LOGGER = logging.getLogger(__name__)

TOPIC_MATCHER = re.compile(r"(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config")
TOPIC_BASE = "~"
_NUMBERED = re.compile(r"_\d+$")
#: Entities added at once, at most: when a store write completes, every addition waiting
#: for it resumes in the same turn of the event loop (~0.2 ms each), which must stay short.
MAX_ADDING = 1024


@dataclass(slots=True)
class DiscoveryBudget:
    """How many entities MQTT discovery may create: in all, and per device.

    Anyone who may publish on the broker can announce entities, and each one is kept in the
    entity registry across restarts; without a cap one client announcing thousands of
    sensors fills it. Shared by every discovery of a hub (Home Assistant's and Tasmota's).
    Reaching a cap is logged once (again only after the count fell below it); every config
    left out is counted in :class:`Rejections`.
    """

    total: int
    per_device: int
    used: int = 0
    by_device: Counter[str] = field(default_factory=Counter)
    _full: bool = field(default=False, init=False, repr=False)
    _full_devices: set[str] = field(default_factory=set, init=False, repr=False)

    def take(self, device: str) -> str | None:
        """Count one more entity of ``device``; the refusal reason when a cap is reached."""
        if self.used >= self.total:
            if not self._full:
                self._full = True
                _LOGGER.warning(
                    "MQTT discovery reached its limit of %d entities ('mqtt: max_discovered_entities'); "
                    "further configs are left out and counted in sensor.mqtt_rejected_messages",
                    self.total,
                )
            return "too_many_entities"
        if self.by_device[device] >= self.per_device:
            if device not in self._full_devices:
                self._full_devices.add(device)
                _LOGGER.warning(
                    "MQTT discovery: %.100s announced more than %d entities ('mqtt: max_entities_per_device'); "
                    "the others are left out and counted in sensor.mqtt_rejected_messages",
                    device,
                    self.per_device,
                )
            return "too_many_entities_per_device"
        self.used += 1
        self.by_device[device] += 1
        return None

    def give_back(self, device: str) -> None:
        """An entity of ``device`` is gone (or was not added after all)."""
        self.used -= 1
        left = self.by_device[device] - 1
        if left > 0:
            self.by_device[device] = left
        else:
            del self.by_device[device]
        if left < self.per_device:
            self._full_devices.discard(device)
        if self.used < self.total:
            self._full = False


def _expand_keys(mapping: dict[str, Any], table: dict[str, str]) -> dict[str, Any]:
    return {table.get(key, key): value for key, value in mapping.items()}


def expand(payload: dict[str, Any]) -> dict[str, Any]:
    """Full key names and ``~`` replaced, as Home Assistant reads a discovery payload."""
    config = _expand_keys(payload, ABBREVIATIONS)
    if isinstance(config.get("device"), dict):
        config["device"] = _expand_keys(config["device"], DEVICE_ABBREVIATIONS)
    if isinstance(config.get("origin"), dict):
        config["origin"] = _expand_keys(config["origin"], ORIGIN_ABBREVIATIONS)
    availability = config.get("availability")
    if isinstance(availability, list):
        config["availability"] = [_expand_keys(a, ABBREVIATIONS) if isinstance(a, dict) else a for a in availability]
    elif isinstance(availability, dict):
        config["availability"] = [_expand_keys(availability, ABBREVIATIONS)]
    if TOPIC_BASE in config:
        base = config.pop(TOPIC_BASE)
        if isinstance(base, str):
            for key, value in config.items():
                if key.endswith("topic") and isinstance(value, str) and value:
                    config[key] = _with_base(value, base)
            for entry in config.get("availability") or []:
                if isinstance(entry, dict) and isinstance(entry.get("topic"), str) and entry["topic"]:
                    entry["topic"] = _with_base(entry["topic"], base)
    return config


def _with_base(value: str, base: str) -> str:
    if value[0] == TOPIC_BASE:
        return f"{base}{value[1:]}"
    if value[-1] == TOPIC_BASE:
        return f"{value[:-1]}{base}"
    return value


class Discovery:
    """Creates, updates and removes the entities that devices announce."""

    #: The entity class for a component's config (Tasmota's discovery brings its own).
    entity_class = staticmethod(entity_class)

    def __init__(
        self,
        hub: Hub,
        client: MqttClient,
        rejections: Rejections,
        prefix: str,
        own_topic: Callable[[str], bool] | None = None,
    ) -> None:
        self.hub = hub
        self.client = client
        self.rejections = rejections
        self.prefix = prefix
        #: Whether a config topic is one this hub publishes itself (skipped).
        self.own_topic = own_topic
        #: Shared with the hub's other discoveries (runtime.MqttData).
        self.budget: DiscoveryBudget = hub.data[DATA_MQTT].discovery_budget
        self.triggers: DeviceTriggers = hub.data[DATA_MQTT].device_triggers
        self.log = RateLimitedLog(_LOGGER, hub.clock.time)
        #: discovery key (``"<component> <node_id> <object_id>"``) → entity
        self.entities: dict[str, MqttEntity] = {}
        #: discovery key → the device its entity is counted for in the budget
        self._counted_for: dict[str, str] = {}
        #: device-discovery object id → the keys of its components
        self._devices: dict[str, set[str]] = {}
        self._lock = asyncio.Lock()
        #: The additions under way, and what each holds (see _claims) → the tasks holding it
        self._adding: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_ADDING)
        self._claimed: dict[str, set[asyncio.Task[None]]] = {}
        #: Set while :meth:`_received` decides a config: its new entities are only started.
        self._overlap = False
        self._unsubscribes: list[Unsubscribe] = []

    async def start(self) -> None:
        for pattern in ("+/+/config", "+/+/+/config"):
            self._unsubscribes.append(self.client.subscribe_nowait(f"{self.prefix}/{pattern}", self._received, qos=1))

    async def stop(self) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes = []
        await self._settle()
        for entity in self.entities.values():
            entity.unsubscribe_all()

    async def _received(self, message: ReceiveMessage) -> None:
        """Decide each config in turn, in the order they came; the entities they make are
        added side by side (:meth:`_start_adding`), not one after the other."""
        async with self._lock:
            self._overlap = True
            try:
                await self._process(message)
            finally:
                self._overlap = False

    def _refuse(self, device: str, reason: str, detail: str) -> None:
        self.rejections.add(device, reason)
        self.log.warning(("discovery", reason), "Ignoring discovery %s: %s", device, detail)

    async def _process(self, message: ReceiveMessage) -> None:
        if self.own_topic is not None and self.own_topic(message.topic):
            return
        relative = message.topic[len(self.prefix) + 1 :]
        match = TOPIC_MATCHER.fullmatch(relative)
        if match is None:
            self._refuse(message.topic, "discovery_topic", f"{message.topic} is not <component>/[<node_id>/]<object_id>/config")
            return
        component, node_id, object_id = match.group("component", "node_id", "object_id")
        if component == "device":
            await self._device(node_id, object_id, message)
            return
        if component not in PLATFORMS and component != DEVICE_AUTOMATION:
            if message.payload:
                self.rejections.add(relative, "unsupported_component")
                self.log.log(
                    logging.INFO,
                    ("discovery", "unsupported_component"),
                    "MQTT discovery: component %r is not supported; its configs are counted and left out",
                    component[:40],
                )
            return
        key = " ".join(part for part in (component, node_id, object_id) if part)
        if not message.payload:
            await self._remove(key)
            return
        payload = self._json(message, key)
        if payload is not None:
            await self._apply(component, key, expand(payload), node_id)

    def _json(self, message: ReceiveMessage, key: str) -> dict[str, Any] | None:
        try:
            payload = message.json()
        except ValueError as err:  # core.payload's PayloadError: not UTF-8, not JSON, too deep
            self._refuse(key, "invalid_json", str(err))
            return None
        if not isinstance(payload, dict):
            self._refuse(key, "not_an_object", "payload is not a JSON object")
            return None
        return payload

    async def _device(self, node_id: str | None, object_id: str, message: ReceiveMessage) -> None:
        device_key = f"{node_id} {object_id}" if node_id else object_id
        old = self._devices.get(device_key, set())
        if not message.payload:
            for key in old:
                await self._remove(key)
            self._devices.pop(device_key, None)
            return
        payload = self._json(message, f"device {device_key}")
        if payload is None:
            return
        shared = expand(payload)
        components = shared.pop("components", None)
        if not isinstance(components, dict) or not isinstance(shared.get("device"), dict):
            self._refuse(f"device {device_key}", "discovery_invalid", "device discovery needs 'dev' and 'cmps'")
            return
        shared.pop("migrate_discovery", None)
        kept: set[str] = set()
        for component_id, body in components.items():
            if not isinstance(body, dict):
                self._refuse(f"device {device_key}", "discovery_invalid", f"component {component_id!r} is not an object")
                continue
            component_config = _expand_keys(body, ABBREVIATIONS)
            platform = component_config.pop("platform", None)
            if platform not in PLATFORMS and platform != DEVICE_AUTOMATION:
                self.rejections.add(f"device {device_key}", "unsupported_component")
                continue
            key = f"{platform} {device_key} {component_id}"
            if not component_config:  # only "p" left: remove this component
                await self._remove(key)
                continue
            merged = {**shared, **component_config}
            if TOPIC_BASE in payload:
                merged[TOPIC_BASE] = payload[TOPIC_BASE]
            await self._apply(platform, key, expand(merged), device_key)
            kept.add(key)
        for key in old - kept:
            await self._remove(key)
        self._devices[device_key] = kept

    async def _apply(self, component: str, key: str, config: dict[str, Any], node: str | None = None) -> None:
        """Create or update the entity for ``key``; ``node`` is the device part of its topic.

        A new entity is on the hub when this returns, except while :meth:`_received`
        decides: then its addition is only started.
        """
        if component == DEVICE_AUTOMATION:
            await self._apply_trigger(key, config, node)
            return
        cls = self.entity_class(component, config)
        device_name = key
        try:
            validated = _schema(cls)(config)
        except vol.Invalid as err:
            self._refuse(device_name, "discovery_invalid", humanize_error(config, err).replace("\n", "; "))
            return
        await self._after({f"key {key}"})  # an update waits until the entity is there
        existing = self.entities.get(key)
        if existing is not None:
            if existing.config == validated:
                return
            if type(existing) is cls and existing.unique_id == validated.get("unique_id"):
                existing.unsubscribe_all()
                existing.configure(validated)
                await existing.added_to_hub()
                existing.update()
                return
            await self._remove(key)
        device = node or _device_identifier(validated) or key
        refused = self.budget.take(device)
        if refused is not None:
            self.rejections.add(device, refused)  # the budget logs reaching a cap, once
            return
        entity = cls(self, validated, key)
        holds, waits_for = _claims(key, entity)
        await self._after(waits_for)
        await self._slots.acquire()
        adding = self._start_adding(key, entity, device, holds)
        if not self._overlap:
            await adding

    def _start_adding(self, key: str, entity: MqttEntity, device: str, holds: set[str]) -> asyncio.Task[None]:
        """Add ``entity`` to the hub without waiting until it is there.

        Adding writes the device and entity registries, and each write returns once it is on
        disk: one config after the other, a burst of 10,000 retained configs waited for
        20,000 disk writes in a row. Side by side, the additions share the store's group
        commits. Configs are still decided one at a time and in order, and an addition that
        could change what an earlier one gets waits for it (:func:`_claims`); so does
        whatever touches an entity already there: an update, a removal (:meth:`_settle`).
        """
        task = self.hub.create_task(self._add(key, entity, device, holds), name=f"mqtt discovery {key}")
        self._adding.add(task)
        for claim in holds:
            self._claimed.setdefault(claim, set()).add(task)
        return task

    async def _add(self, key: str, entity: MqttEntity, device: str, holds: set[str]) -> None:
        try:
            added = await self.hub.entities.add(DOMAIN, [entity])
        except HubError as err:
            added = []
            self._refuse(key, "duplicate_unique_id", str(err))
        finally:
            self._slots.release()
            this = asyncio.current_task()
            self._adding.discard(this)
            for claim in holds:
                holders = self._claimed[claim]
                holders.discard(this)
                if not holders:
                    del self._claimed[claim]
        if added:
            self.entities[key] = entity
            self._counted_for[key] = device
        else:
            self.budget.give_back(device)  # refused, or disabled by staff: registered, not running

    async def _after(self, claims: set[str]) -> None:
        """Wait for the additions under way that hold any of ``claims``."""
        if tasks := set().union(*(self._claimed.get(claim, ()) for claim in claims)):
            await asyncio.wait(tasks)

    async def _settle(self) -> None:
        """Wait until every entity being added is on the hub (or was refused)."""
        while self._adding:
            await asyncio.wait(set(self._adding))

    async def _apply_trigger(self, key: str, config: dict[str, Any], node: str | None) -> None:
        """Create or update the device trigger for ``key`` (see device_trigger.py); counted in
        the budget like an entity, since anyone who may publish can announce them."""
        try:
            validated = DEVICE_TRIGGER_SCHEMA(config)
        except vol.Invalid as err:
            self._refuse(key, "discovery_invalid", humanize_error(config, err).replace("\n", "; "))
            return
        device = self._counted_for.get(key) or node or _device_identifier(validated) or key
        if key not in self._counted_for and (refused := self.budget.take(device)) is not None:
            self.rejections.add(device, refused)
            return
        if (conflict := await self.triggers.discovered(key, validated)) is not None:
            if key not in self._counted_for:
                self.budget.give_back(device)
            self._refuse(key, "duplicate_device_trigger", conflict)
            return
        self._counted_for[key] = device

    async def _remove(self, key: str) -> None:
        await self._settle()
        if (trigger_device := self.triggers.device_of(key)) is not None:
            await self.triggers.removed(key)
            self.budget.give_back(self._counted_for.pop(key))
            await self._forget_if_unused(trigger_device)
            return
        entity = self.entities.pop(key, None)
        if entity is None:
            return
        self.budget.give_back(self._counted_for.pop(key))
        if entity.entity_id is None:
            return
        entity_id, device_id = entity.entity_id, entity.device_id
        await self.hub.entities.remove(entity_id)
        if self.hub.entity_registry.get(entity_id) is not None:
            await self.hub.entity_registry.remove(entity_id)
        if device_id is not None:
            await self._forget_if_unused(device_id)

    async def _forget_if_unused(self, device_id: str) -> None:
        """Remove the device once none of its entities or device triggers is left."""
        if not any(e.device_id == device_id for e in self.entities.values()) and not self.triggers.uses(device_id):
            await self.hub.devices.remove(device_id)


def _claims(key: str, entity: MqttEntity) -> tuple[set[str], set[str]]:
    """What an addition holds while under way, and what it must wait for another to hold.

    Two additions under way must not share the discovery key or the unique id (the second is
    refused), nor compete for an entity id: ids are handed out in the order the additions
    get that far, and must be in the order of the configs. An entity suggested ``x`` may be
    given ``x``, ``x_2``, ``x_3``..., so it competes with one suggested ``x_2`` (or ``x``,
    when it is itself ``x_2``) but not with ``y`` or ``x_1_b``; numbered names such as
    ``door_12`` and ``door_13`` do not wait for each other.
    """
    shared = {f"key {key}"} | ({f"unique_id {entity.unique_id}"} if entity.unique_id is not None else set())
    suggested = suggested_entity_id(entity, DOMAIN)
    shorter = [suggested]
    while (match := _NUMBERED.search(shorter[-1])) is not None:
        shorter.append(shorter[-1][: match.start()])
    holds = shared | {f"id {suggested}"} | {f"id from {entity_id}" for entity_id in shorter}
    waits_for = shared | {f"id from {suggested}"} | {f"id {entity_id}" for entity_id in shorter}
    return holds, waits_for


_SCHEMAS: dict[type[MqttEntity], vol.Schema] = {}


def _schema(cls: type[MqttEntity]) -> vol.Schema:
    """``cls``'s schema, made once: voluptuous compiles a schema as it is made (~1 ms)."""
    schema = _SCHEMAS.get(cls)
    if schema is None:
        schema = _SCHEMAS[cls] = cls.schema()
    return schema


def _device_identifier(config: dict[str, Any]) -> str | None:
    """The first identifier (or connection) of the config's device, if it names one."""
    device = config.get("device") or {}
    if device.get("identifiers"):
        return str(device["identifiers"][0])
    if device.get("connections"):
        return ":".join(device["connections"][0])
    return None
