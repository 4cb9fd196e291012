"""Entities: the objects integrations subclass to put a door, a barrier or a sensor on the bus.

An :class:`Entity` computes its state and attributes; :meth:`Entity.write_state` pushes
them into the state machine. The :class:`EntityManager` adds entities (through the registries,
so ids are stable and staff renames hold), removes them, follows renames and disabling, and
runs entity services such as ``lock.unlock`` on the entities a call targets.
"""
from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from xiaoqu.core.bus import Context, Event
from xiaoqu.core.const import (
    EVENT_DEVICE_REGISTRY_UPDATED,
    EVENT_ENTITY_REGISTRY_UPDATED,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.registry import DISABLED_BY_INTEGRATION
from xiaoqu.core.services import ServiceCall, SupportsResponse
from xiaoqu.core.validation import ENTITY_MATCH_ALL, ENTITY_MATCH_NONE, comp_entity_ids, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.services import EntityScope

_LOGGER = logging.getLogger(__name__)
_SLUG_RE = re.compile(r"[^a-z0-9_]+")


def slugify(text: str) -> str:
    """``"North Gate 1"`` → ``"north_gate_1"``; non-ASCII names fall back to ``"unnamed"``."""
    slug = _SLUG_RE.sub("_", text.lower()).strip("_")
    return re.sub(r"_+", "_", slug) or "unnamed"


@dataclass(slots=True)
class DeviceInfo:
    """What an entity says about the device it belongs to (creates the device registry entry)."""

    identifiers: list[str]
    #: None when the integration does not know it (the device keeps the name it has)
    name: str | None
    number: str | None = None
    location: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    sw_version: str | None = None
    #: The device it is reached through, as Home Assistant names it: ``(domain, identifier)``,
    #: one of that device's identifiers (``("door", "controller:ctl-b1")`` is ``door:controller:ctl-b1``).
    #: The device registry keeps the id of that device (``via_device_id``); it must be there first.
    via_device: tuple[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Entity:
    """Base class of every entity. Subclasses set ``domain`` and the ``_attr_*`` fields or
    override the properties, then call :meth:`write_state` whenever something changed."""

    domain: ClassVar[str]
    #: The English name of each device class of the domain, which an unnamed entity of that
    #: class is called by (the sensor domain's has ``temperature`` → "Temperature").
    device_class_names: ClassVar[Mapping[str, str]] = {}

    _attr_name: str | None = None
    _attr_unique_id: str | None = None
    _attr_state: str | None = None
    _attr_available: bool = True
    _attr_extra_state_attributes: Mapping[str, Any] | None = None
    _attr_device_info: DeviceInfo | None = None
    _attr_icon: str | None = None
    #: What kind of thing it measures or is (``temperature``, ``door``), as Home Assistant's
    #: device classes; shown as the ``device_class`` attribute.
    _attr_device_class: str | None = None
    #: Home Assistant's ``has_entity_name``: the name says what the entity is *within its
    #: device* ("Temperature"; None for the device's main feature), so the friendly name and
    #: the entity id start with the device's name.
    _attr_has_entity_name: bool = False
    #: What the entity id should be made from, when the entity's integration is told (an MQTT
    #: config's ``default_entity_id``); otherwise its name. Only a suggestion: an id in use,
    #: or one the registry holds for another entity, is never taken.
    _attr_suggested_object_id: str | None = None
    #: The optional services of its domain this entity offers (the domain's feature flags).
    _attr_supported_features: int = 0
    #: False for entities most sites do not want (diagnostics): registered disabled, the first time.
    _attr_entity_registry_enabled_default: bool = True

    hub: Hub | None = None
    entity_id: str | None = None
    platform: str | None = None
    device_id: str | None = None
    registry_name: str | None = None
    #: Who asked for the entity service running on it now (Home Assistant's ``Entity._context``):
    #: set before each service method is called, so a method that must know the person (a
    #: barrier raised by hand is audited with who and why) reads it as it starts.
    context: Context | None = None

    @property
    def name(self) -> str | None:
        return self._attr_name

    @property
    def unique_id(self) -> str | None:
        return self._attr_unique_id

    @property
    def suggested_object_id(self) -> str | None:
        return self._attr_suggested_object_id

    @property
    def device_class(self) -> str | None:
        return self._attr_device_class

    @property
    def has_entity_name(self) -> bool:
        return self._attr_has_entity_name

    def device_class_name(self) -> str | None:
        """What an unnamed entity is called after its device class ("Temperature"), or None
        where its domain does not name entities so (Home Assistant's
        ``_default_to_device_class_name``): from the domain's :attr:`device_class_names`."""
        return self.device_class_names.get(self.device_class or "")

    @property
    def friendly_name(self) -> str | None:
        """The name people see. With :attr:`has_entity_name` it is the device's name (as
        staff renamed it) followed by the entity's own, or the device's alone for an entity
        named None or ""; as Home Assistant's ``_friendly_name_internal``."""
        name = self.name
        if not self.has_entity_name or (device := self._device_name()) is None:
            return name
        return f"{device} {name}" if name else device

    def _device_name(self) -> str | None:
        if self.hub is not None and self.device_id is not None and (entry := self.hub.devices.get(self.device_id)):
            return entry.name_by_user or entry.name
        return self.device_info.name if self.device_info is not None else None

    @property
    def state(self) -> str | None:
        return self._attr_state

    @property
    def available(self) -> bool:
        return self._attr_available

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        return self._attr_extra_state_attributes

    @property
    def device_info(self) -> DeviceInfo | None:
        return self._attr_device_info

    @property
    def supported_features(self) -> int:
        return self._attr_supported_features

    def check_offered(self, what: str, value: Any, offered: Sequence[Any]) -> None:
        """Refuse a service value this entity does not offer (an option, a preset, a mode),
        in one sentence naming the entity and the choices."""
        if value not in offered:
            choices = ", ".join(map(str, offered))
            raise ServiceValidationError(f"{what} {value!r} is not offered by {self.entity_id}; choose one of {choices}")

    def domain_attributes(self) -> Mapping[str, Any]:
        """The attributes the entity's domain defines (a light's brightness, a cover's
        position), read by the domain's base class from its typed fields. They win over
        :attr:`extra_state_attributes`, which a device may fill freely."""
        return {}

    def state_attributes(self) -> dict[str, Any]:
        attrs = dict(self.extra_state_attributes or {})
        attrs.update(self.domain_attributes())
        if name := self.registry_name or self.friendly_name:
            attrs["friendly_name"] = name
        if self._attr_icon:
            attrs["icon"] = self._attr_icon
        if self.device_class is not None:
            attrs["device_class"] = self.device_class
        return attrs

    def write_state(self) -> None:
        """Push the current state into the state machine (fires ``state_changed`` on change)."""
        if self.hub is None or self.entity_id is None:
            raise HubError(f"{type(self).__name__} {self.name!r} was not added to the hub before writing its state")
        state = self.state if self.available else STATE_UNAVAILABLE
        self.hub.states.set(self.entity_id, STATE_UNKNOWN if state is None else state, self.state_attributes())

    async def added_to_hub(self) -> None:
        """Called once the entity has its id, before its first state is written."""

    async def will_remove_from_hub(self) -> None:
        """Called before the entity is removed (unsubscribe, cancel timers here)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.entity_id or self.name}>"


class ServiceNotSupported(ServiceValidationError):
    """An entity service called on an entity that cannot do it (a lock with no latch to open)."""

    def __init__(self, entity: Entity, service: str) -> None:
        super().__init__(f"{entity.entity_id} does not support {entity.domain}.{service}")


class OnOffEntity(Entity):
    """An entity whose state is ``on`` or ``off``, derived from :attr:`is_on` (``unknown``
    while it is ``None``): binary sensors, which only report, and every :class:`ToggleEntity`."""

    _attr_is_on: bool | None = None

    @property
    def is_on(self) -> bool | None:
        return self._attr_is_on

    @property
    def state(self) -> str | None:
        return None if self.is_on is None else STATE_ON if self.is_on else STATE_OFF


class ToggleEntity(OnOffEntity):
    """An entity that is on or off and is switched (switches, lights, fans); subclasses
    implement :meth:`turn_on` and :meth:`turn_off`, which may be ``async def``."""

    def turn_on(self, **kwargs: Any) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "turn_on")

    def turn_off(self, **kwargs: Any) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "turn_off")

    def toggle(self, **kwargs: Any) -> Awaitable[None] | None:
        """Off when on, on otherwise (an entity whose state is not known yet is turned on)."""
        return self.turn_off(**kwargs) if self.is_on else self.turn_on(**kwargs)


ENTITY_SERVICE_TARGET = {
    vol.Optional("entity_id"): comp_entity_ids,
    vol.Optional("device_id"): vol.Any(str, [str]),
}


def suggested_entity_id(entity: Entity, platform: str) -> str:
    """The id an entity asks for when it is first added (taken ids get ``_2``, ``_3``...)."""
    object_id = entity.suggested_object_id or entity.friendly_name or entity.unique_id or platform
    return f"{entity.domain}.{slugify(object_id)}"


class EntityManager:
    """The live entity objects of the hub, by entity id."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._entities: dict[str, Entity] = {}
        #: (domain, service) → (method, merged schema, required features)
        self._services: dict[tuple[str, str], tuple[Any, dict[Any, Any], int]] = {}
        hub.bus.listen(EVENT_ENTITY_REGISTRY_UPDATED, self._registry_updated)
        hub.bus.listen(EVENT_DEVICE_REGISTRY_UPDATED, self._device_renamed)

    def get(self, entity_id: str) -> Entity | None:
        return self._entities.get(entity_id)

    def all(self, domain: str | None = None) -> list[Entity]:
        return [e for eid, e in self._entities.items() if domain is None or eid.partition(".")[0] == domain]

    async def add(self, platform: str, entities: Iterable[Entity]) -> list[Entity]:
        """Give each entity its id (stable through the registry when it has a unique id) and state.

        A disabled entity is registered but not added. Returns the entities added.
        """
        added = []
        for entity in entities:
            if await self._add_one(platform, entity):
                added.append(entity)
        return added

    async def _add_one(self, platform: str, entity: Entity) -> bool:
        hub = self._hub
        entity.hub, entity.platform = hub, platform
        if info := entity.device_info:
            device = await hub.devices.get_or_create_for(platform, info)
            entity.device_id = device.id
        suggested = suggested_entity_id(entity, platform)
        if entity.unique_id is not None:
            entry = await hub.entity_registry.get_or_create(
                platform=platform,
                unique_id=entity.unique_id,
                suggested_entity_id=suggested,
                device_id=entity.device_id,
                original_name=entity.friendly_name,
                disabled_by=None if entity._attr_entity_registry_enabled_default else DISABLED_BY_INTEGRATION,
            )
            if entry.disabled:
                _LOGGER.debug("%s is disabled; not adding it", entry.entity_id)
                return False
            entity.entity_id, entity.registry_name = entry.entity_id, entry.name
        else:
            entity.entity_id = entity.entity_id or self._free_id(suggested)
        if entity.entity_id in self._entities:
            raise HubError(f"entity id {entity.entity_id} is already taken by {self._entities[entity.entity_id]!r}")
        self._entities[entity.entity_id] = entity
        await entity.added_to_hub()
        entity.write_state()
        return True

    def _free_id(self, suggested: str) -> str:
        """A free id for an entity without a unique id: never one the registry holds for
        another entity (a device that names itself "Front door" must not take
        ``lock.front_door`` from the real door after a restart)."""
        registry = self._hub.entity_registry
        candidate, n = suggested, 2
        while candidate in self._entities or candidate in self._hub.states or registry.get(candidate):
            candidate = f"{suggested}_{n}"
            n += 1
        return candidate

    async def remove(self, entity_id: str) -> None:
        entity = self._entities.pop(entity_id, None)
        if entity is None:
            return
        await entity.will_remove_from_hub()
        self._hub.states.remove(entity_id)

    async def _registry_updated(self, event: Event) -> None:
        """Follow a staff rename or disable of a live entity without a restart."""
        if event.data["action"] != "update":
            return
        old_id, new_id = event.data["old_entity_id"], event.data["entity_id"]
        entity = self._entities.get(old_id)
        entry = self._hub.entity_registry.get(new_id)
        if entity is None or entry is None:
            return
        await self.remove(old_id)
        if entry.disabled:
            return
        entity.entity_id, entity.registry_name = new_id, entry.name
        self._entities[new_id] = entity
        await entity.added_to_hub()
        entity.write_state()

    def _device_renamed(self, event: Event) -> None:
        """Staff renamed a device: the friendly names its entities show start with its name."""
        if event.data["action"] != "update" or "name_by_user" not in event.data.get("changes", ()):
            return
        for entity in self._entities.values():
            if entity.device_id == event.data["device_id"] and entity.has_entity_name:
                entity.write_state()

    def register_service(
        self,
        domain: str,
        service: str,
        method: str | Callable[[Entity, ServiceCall], Awaitable[Any] | Any],
        schema: Mapping[Any, Any] | None = None,
        description: str | None = None,
        required_features: int = 0,
    ) -> None:
        """Register ``domain.service`` that runs ``method`` on each targeted entity of ``domain``.

        The call targets entities with ``entity_id`` (one, a list, ``all``, or ``none``: no
        entity, the call does nothing, as in Home Assistant) and/or
        ``device_id``; the rest of the data (validated by ``schema``) is passed as keywords
        when ``method`` is a method name. The domain's integration registers its services
        (core/entity_domain.py); a plugin that registers one again with the same method adds
        the options its entities take, and the schemas are merged; an entity is only ever
        given options its method accepts.

        With ``required_features`` the service is an optional one: an entity must support
        one of those features (``supported_features``). One named by ``entity_id`` that does
        not is refused before anything runs; one reached through ``all`` or its device is
        left out. The first registration (the domain's) decides the features.

        A call by a user whose role is scoped (a resident) acts only inside their scope
        (:meth:`ServiceRegistry.scope <xiaoqu.core.services.ServiceRegistry.scope>`): naming
        an entity outside it refuses the call, and ``all`` or a device means theirs only.
        """
        key = (domain, service)
        known = self._services.get(key)
        if known is not None:
            if known[0] != method:
                raise HubError(f"{domain}.{service} already runs {known[0]!r} on entities, not {method!r}")
            schema = {**(schema or {}), **known[1]}
            required_features = known[2]
        self._services[key] = (method, dict(schema or {}), required_features)
        full_schema = vol.Schema({**ENTITY_SERVICE_TARGET, **(schema or {})})

        async def handle(call: ServiceCall) -> None:
            data = dict(call.data)
            entity_ids, device_ids = data.pop("entity_id", None), data.pop("device_id", None)
            scope = self._hub.services.scope(call.context)
            if scope is not None:  # before the look-up: a resident learns nothing of entities not theirs
                _refuse_outside(scope, f"{domain}.{service}", entity_ids)
            targets = self._resolve_targets(domain, entity_ids, device_ids)
            if scope is not None:  # `all` and a device reach only the entities inside the scope
                targets = [entity for entity in targets if entity.entity_id and scope.allows(entity.entity_id)]
            if required_features:
                targets = _supporting(targets, required_features, service, entity_ids)
            for entity in targets:
                entity.context = call.context
                if isinstance(method, str):
                    bound = getattr(entity, method)
                    _check_options(bound, data, f"{domain}.{service}", entity)
                    result = bound(**data)
                else:
                    result = method(entity, call)
                if isinstance(result, Awaitable):
                    await result

        self._hub.services.register(domain, service, handle, full_schema, SupportsResponse.NONE, description)

    def _resolve_targets(self, domain: str, entity_ids: Any, device_ids: Any) -> list[Entity]:
        if entity_ids is None and device_ids is None:
            raise HubError(f"{domain}: name the entity_id (or device_id) to act on")
        chosen: dict[str, Entity] = {}
        if entity_ids == ENTITY_MATCH_ALL:
            chosen.update((eid, e) for eid, e in self._entities.items() if e.domain == domain)
        elif entity_ids is not None and entity_ids != ENTITY_MATCH_NONE:
            for entity_id in [entity_ids] if isinstance(entity_ids, str) else entity_ids:
                entity = self._entities.get(entity_id)
                if entity is None or entity.domain != domain:
                    raise HubError(f"{domain}: no {domain} entity {entity_id}")
                chosen[entity_id] = entity
        if device_ids is not None:
            wanted = {device_ids} if isinstance(device_ids, str) else set(device_ids)
            chosen.update(
                (eid, e) for eid, e in self._entities.items() if e.domain == domain and e.device_id in wanted
            )
        return list(chosen.values())


def _refuse_outside(scope: EntityScope, service: str, entity_ids: Any) -> None:
    """Refuse, before anything runs, a call by a scoped user (a resident) that names an entity
    outside their scope, whether or not it exists."""
    if entity_ids is None or entity_ids in (ENTITY_MATCH_ALL, ENTITY_MATCH_NONE):
        return
    named = [entity_ids] if isinstance(entity_ids, str) else entity_ids
    if refused := [entity_id for entity_id in named if not scope.allows(entity_id)]:
        raise scope.refuse(service, refused)


def _supporting(targets: list[Entity], features: int, service: str, entity_ids: Any) -> list[Entity]:
    """The targets that support one of ``features``; an entity the call names by id that
    does not is refused, naming it and the service."""
    named = {entity_ids} if isinstance(entity_ids, str) else set(entity_ids or ())
    able = []
    for entity in targets:
        if entity.supported_features & features:
            able.append(entity)
        elif entity.entity_id in named:
            raise ServiceNotSupported(entity, service)
    return able


def _check_options(method: Callable[..., Any], options: Mapping[str, Any], service: str, entity: Entity) -> None:
    """Refuse, naming it, an option this entity's method does not take (another kind of
    entity in the same domain may take it: the service's schema is the union)."""
    params = inspect.signature(method).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    accepted = {p.name for p in params}
    if unknown := sorted(set(options) - accepted):
        raise HubError(f"{service}: {entity.entity_id} does not support {', '.join(repr(u) for u in unknown)}")
