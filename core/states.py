"""The state machine: the live state of every entity in the community.

An entity id is ``domain.object_id`` (``door.block3_unit1``, ``barrier.north_gate``). A
:class:`State` is immutable; setting an unchanged state and unchanged attributes fires
nothing, any real change fires ``state_changed`` with the old and the new state. Times are
epoch seconds from the hub's clock (cheap to take on every set; turned into datetimes only
where a person or a template reads them).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from xiaoqu.core.bus import Context
from xiaoqu.core.const import EVENT_STATE_CHANGED, MAX_STATE_LENGTH, STATE_UNAVAILABLE, STATE_UNKNOWN
from xiaoqu.core.errors import InvalidEntityId, InvalidState

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

VALID_ENTITY_ID = re.compile(r"^(?!.+__)(?!_)[\da-z_]+(?<!_)\.(?!_)[\da-z_]+(?<!_)$")
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_UTC = ZoneInfo("UTC")


def valid_entity_id(entity_id: str) -> bool:
    return VALID_ENTITY_ID.match(entity_id) is not None


_set_field = object.__setattr__


class State:
    """One entity's state string, attributes and when it last changed.

    Immutable: a state is shared by every listener, the template engine and the API, so none
    of them may change what the others see; a change is a new ``State`` from the state machine.
    """

    __slots__ = ("entity_id", "state", "attributes", "last_changed", "last_updated", "context")

    entity_id: str
    state: str
    attributes: Mapping[str, Any]
    last_changed: float
    last_updated: float
    context: Context | None

    def __init__(
        self,
        entity_id: str,
        state: str,
        attributes: Mapping[str, Any],
        last_changed: float,
        last_updated: float,
        context: Context | None = None,
    ) -> None:
        _set_field(self, "entity_id", entity_id)
        _set_field(self, "state", state)
        if not isinstance(attributes, MappingProxyType):
            attributes = MappingProxyType(dict(attributes))
        _set_field(self, "attributes", attributes)
        _set_field(self, "last_changed", last_changed)
        _set_field(self, "last_updated", last_updated)
        _set_field(self, "context", context)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a State cannot be changed ({self.entity_id}: {name}); set a new state instead")

    def __delattr__(self, name: str) -> None:
        self.__setattr__(name, None)

    @property
    def domain(self) -> str:
        return self.entity_id.partition(".")[0]

    @property
    def object_id(self) -> str:
        return self.entity_id.partition(".")[2]

    @property
    def name(self) -> str:
        return str(self.attributes.get("friendly_name") or self.object_id.replace("_", " "))

    @property
    def available(self) -> bool:
        return self.state != STATE_UNAVAILABLE

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of Home Assistant's REST API."""
        return {
            "entity_id": self.entity_id,
            "state": self.state,
            "attributes": dict(self.attributes),
            "last_changed": datetime.fromtimestamp(self.last_changed, _UTC).isoformat(),
            "last_updated": datetime.fromtimestamp(self.last_updated, _UTC).isoformat(),
            "context": self.context.as_dict() if self.context else None,
        }

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, State)
            and self.entity_id == other.entity_id
            and self.state == other.state
            and self.attributes == other.attributes
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        attrs = f"; {dict(self.attributes)}" if self.attributes else ""
        return f"<state {self.entity_id}={self.state}{attrs}>"


class StateMachine:
    """Holds every entity's current :class:`State`, with an index by domain."""

    __slots__ = ("_hub", "_bus_fire", "_time", "_states", "_domains")

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._bus_fire = hub.bus.fire
        self._time = hub.clock.time
        self._states: dict[str, State] = {}
        self._domains: dict[str, dict[str, State]] = {}

    def get(self, entity_id: str) -> State | None:
        return self._states.get(entity_id)

    def __contains__(self, entity_id: str) -> bool:
        return entity_id in self._states

    def __len__(self) -> int:
        return len(self._states)

    def is_state(self, entity_id: str, state: str) -> bool:
        current = self._states.get(entity_id)
        return current is not None and current.state == state

    def all(self, domain: str | None = None) -> list[State]:
        if domain is None:
            return list(self._states.values())
        return list(self._domains.get(domain, {}).values())

    def entity_ids(self, domain: str | None = None) -> list[str]:
        if domain is None:
            return list(self._states)
        return list(self._domains.get(domain, ()))

    def domains(self) -> list[str]:
        return sorted(self._domains)

    def set(
        self,
        entity_id: str,
        state: Any,
        attributes: Mapping[str, Any] | None = None,
        *,
        force_update: bool = False,
        context: Context | None = None,
    ) -> State:
        """Set an entity's state; fires ``state_changed`` only if something changed.

        ``attributes=None`` means no attributes (not "keep the old ones"), as in Home Assistant.
        """
        if type(state) is not str:
            state = STATE_UNKNOWN if state is None else str(state)
        if len(state) > MAX_STATE_LENGTH:
            raise InvalidState(f"state of {entity_id} is longer than {MAX_STATE_LENGTH} characters: {state[:40]!r}…")
        old = self._states.get(entity_id)
        if old is None:
            if VALID_ENTITY_ID.match(entity_id) is None:
                raise InvalidEntityId(
                    f"invalid entity id {entity_id!r}: use domain.object_id in lower case letters, digits and _"
                )
        else:
            same_state = old.state == state and not force_update
            if same_state and (old.attributes == attributes if attributes else not old.attributes):
                return old
        now = self._time()
        attrs = MappingProxyType(dict(attributes)) if attributes else _EMPTY
        last_changed = old.last_changed if old is not None and old.state == state else now
        new = State(entity_id, state, attrs, last_changed, now, context)
        self._states[entity_id] = new
        if old is None:
            self._domains.setdefault(entity_id.partition(".")[0], {})[entity_id] = new
        else:
            self._domains[entity_id.partition(".")[0]][entity_id] = new
        self._bus_fire(
            EVENT_STATE_CHANGED, {"entity_id": entity_id, "old_state": old, "new_state": new}, context=context
        )
        return new

    def remove(self, entity_id: str, *, context: Context | None = None) -> bool:
        """Forget an entity; fires ``state_changed`` with ``new_state: None``."""
        old = self._states.pop(entity_id, None)
        if old is None:
            return False
        domain = entity_id.partition(".")[0]
        bucket = self._domains[domain]
        del bucket[entity_id]
        if not bucket:
            del self._domains[domain]
        self._bus_fire(EVENT_STATE_CHANGED, {"entity_id": entity_id, "old_state": old, "new_state": None}, context=context)
        return True
