"""The base class of every event entity, whoever fires it."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from xiaoqu.core.entity import Entity
from xiaoqu.core.errors import HubError

from .const import ATTR_EVENT_TYPE, ATTR_EVENT_TYPES, DEVICE_CLASS_NAMES, DOMAIN


class InvalidEventType(HubError):
    """An event of a type the entity does not declare in ``event_types``."""


class EventEntity(Entity):
    """Something that happens, as Home Assistant's event entities: the state is when it last
    happened (ISO 8601, UTC, to the millisecond; ``unknown`` before the first), the
    attributes its type (``event_type``), the types it can have (``event_types``) and what
    else came with it. Automations trigger on the state changing. A subclass sets
    ``_attr_event_types`` and calls :meth:`trigger_event`."""

    domain = DOMAIN
    device_class_names = DEVICE_CLASS_NAMES

    _attr_event_types: list[str] = []
    _last_fired: str | None = None
    _last_event_type: str | None = None
    _last_event_attributes: Mapping[str, Any] = {}

    @property
    def event_types(self) -> list[str]:
        return self._attr_event_types

    @property
    def state(self) -> str | None:
        return self._last_fired

    def trigger_event(self, event_type: str, attributes: Mapping[str, Any] | None = None) -> None:
        """An event of ``event_type`` happened now (by the hub's clock), with ``attributes``;
        raises :class:`InvalidEventType` for a type not in :attr:`event_types`. The caller
        writes the state."""
        if event_type not in self.event_types:
            raise InvalidEventType(f"{event_type!r} is not one of the event types of {self.entity_id or self.name}")
        assert self.hub is not None, "an event fires once the entity is on the hub"
        self._last_fired = datetime.fromtimestamp(self.hub.clock.time(), UTC).isoformat(timespec="milliseconds")
        self._last_event_type = event_type
        self._last_event_attributes = dict(attributes or {})

    def domain_attributes(self) -> dict[str, Any]:
        return {
            **self._last_event_attributes,
            ATTR_EVENT_TYPE: self._last_event_type,
            ATTR_EVENT_TYPES: self.event_types,
        }
