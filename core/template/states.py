"""Read-only views of the state machine for templates: ``states``, ``is_state`` and friends.

A template sees wrappers, never ``hub.states`` or a ``State`` itself: the wrappers hold
their references in slots whose names start with ``_`` (which the sandbox refuses), expose
only data, and record each read in the running render's `RenderInfo`.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from xiaoqu.core.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from xiaoqu.core.states import State, valid_entity_id
from xiaoqu.core.template.info import record_all_states, record_domain, record_entity

if TYPE_CHECKING:
    from xiaoqu.core.states import StateMachine

_DOMAIN_CHECK_SUFFIX = ".x"
#: Attributes jinja2 and the sandbox probe callables for; never a domain or an entity.
_PROBED = frozenset({
    "unsafe_callable", "alters_data", "jinja_pass_arg", "jinja_async_variant",
    "contextfunction", "evalcontextfunction", "environmentfunction",
})


class TemplateState:
    """One entity's state as a template sees it.

    ``entity_id``, ``domain`` and ``object_id`` do not count as reading the state (they are
    known from how the state was found); everything else does.
    """

    __slots__ = ("_state", "_tz")

    def __init__(self, state: State, tz: tzinfo) -> None:
        self._state = state
        self._tz = tz

    def _read(self) -> State:
        record_entity(self._state.entity_id)
        return self._state

    @property
    def entity_id(self) -> str:
        return self._state.entity_id

    @property
    def domain(self) -> str:
        return self._state.domain

    @property
    def object_id(self) -> str:
        return self._state.object_id

    @property
    def state(self) -> str:
        return self._read().state

    @property
    def attributes(self) -> Mapping[str, Any]:
        return self._read().attributes  # a read-only mapping already

    @property
    def name(self) -> str:
        return self._read().name

    @property
    def state_with_unit(self) -> str:
        state = self._read()
        unit = state.attributes.get("unit_of_measurement")
        return f"{state.state} {unit}" if unit else state.state

    @property
    def last_changed(self) -> datetime:
        return datetime.fromtimestamp(self._read().last_changed, self._tz)

    @property
    def last_updated(self) -> datetime:
        return datetime.fromtimestamp(self._read().last_updated, self._tz)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TemplateState):
            other = other._state
        return self._read() == other

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        state = self._read()
        return f"<state {state.entity_id}={state.state}>"

    __repr__ = __str__


class DomainStates:
    """``states.door``: the doors by object id, iterable in entity-id order."""

    __slots__ = ("_machine", "_domain", "_tz")

    def __init__(self, machine: StateMachine, domain: str, tz: tzinfo) -> None:
        self._machine = machine
        self._domain = domain
        self._tz = tz

    def __getattr__(self, name: str) -> TemplateState | None:
        if name.startswith("_") or name in _PROBED:
            raise AttributeError(name)
        return _lookup(self._machine, f"{self._domain}.{name}", self._tz)

    def __getitem__(self, name: str) -> TemplateState | None:
        return self.__getattr__(str(name))

    def __iter__(self) -> Iterator[TemplateState]:
        record_domain(self._domain)
        states = sorted(self._machine.all(self._domain), key=_by_id)
        return iter([TemplateState(s, self._tz) for s in states])

    def __len__(self) -> int:
        record_domain(self._domain)
        return len(self._machine.entity_ids(self._domain))

    def __repr__(self) -> str:
        return f"<states of {self._domain}>"


class AllStates:
    """``states``: call it with an entity id, or walk ``states.domain.object_id``."""

    __slots__ = ("_machine", "_tz")

    def __init__(self, machine: StateMachine, tz: tzinfo) -> None:
        self._machine = machine
        self._tz = tz

    def __call__(self, entity_id: str) -> str:
        """``states('door.east')``: the state string, ``unknown`` when there is none."""
        state = _lookup(self._machine, entity_id, self._tz)
        return STATE_UNKNOWN if state is None else state.state

    def __getattr__(self, name: str) -> DomainStates | TemplateState | None:
        if name.startswith("_") or name in _PROBED:
            raise AttributeError(name)
        if "." in name:
            return _lookup(self._machine, name, self._tz)
        if not valid_entity_id(name + _DOMAIN_CHECK_SUFFIX):
            raise ValueError(f"invalid domain name {name!r}: use lower case letters, digits and _")
        return DomainStates(self._machine, name, self._tz)

    def __getitem__(self, name: str) -> DomainStates | TemplateState | None:
        return self.__getattr__(str(name))

    def __iter__(self) -> Iterator[TemplateState]:
        record_all_states()
        states = sorted(self._machine.all(), key=_by_id)
        return iter([TemplateState(s, self._tz) for s in states])

    def __len__(self) -> int:
        record_all_states()
        return len(self._machine)

    def __repr__(self) -> str:
        return "<all states>"


def _by_id(state: State) -> str:
    return state.entity_id


def _lookup(machine: StateMachine, entity_id: Any, tz: tzinfo) -> TemplateState | None:
    if isinstance(entity_id, TemplateState):
        entity_id = entity_id.entity_id
    if not isinstance(entity_id, str):
        raise ValueError(f"expected an entity id such as 'door.east', got {entity_id!r}")
    entity_id = entity_id.strip().lower()
    record_entity(entity_id)
    state = machine.get(entity_id)
    return None if state is None else TemplateState(state, tz)


class StateHelpers:
    """The state-reading functions of one hub (``is_state``, ``state_attr``, ``has_value``)."""

    __slots__ = ("_machine", "_tz")

    def __init__(self, machine: StateMachine, tz: tzinfo) -> None:
        self._machine = machine
        self._tz = tz

    def is_state(self, entity_id: str, value: Any) -> bool:
        """``is_state('door.east', 'open')``, or any of a list: ``is_state(id, ['open', 'forced'])``."""
        state = _lookup(self._machine, entity_id, self._tz)
        if state is None:
            return False
        current = state.state
        if isinstance(value, str):
            return current == value
        if isinstance(value, list | tuple | set | frozenset):
            return current in value
        return current == str(value)

    def state_attr(self, entity_id: str, name: str) -> Any:
        state = _lookup(self._machine, entity_id, self._tz)
        return None if state is None else state.attributes.get(name)

    def is_state_attr(self, entity_id: str, name: str, value: Any) -> bool:
        state = _lookup(self._machine, entity_id, self._tz)
        return state is not None and name in state.attributes and state.attributes[name] == value

    def has_value(self, entity_id: str) -> bool:
        """The entity exists and is neither ``unknown`` nor ``unavailable``."""
        state = _lookup(self._machine, entity_id, self._tz)
        return state is not None and state.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE)


def wrap_states(value: Any, tz: tzinfo) -> Any:
    """Turn ``State`` objects in render variables (``trigger.to_state``) into `TemplateState`.

    Walks dicts, lists and tuples; anything else is returned as it is.
    """
    if isinstance(value, State):
        return TemplateState(value, tz)
    if isinstance(value, dict):
        return {key: wrap_states(item, tz) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(wrap_states(item, tz) for item in value) if type(value) in (list, tuple) else value
    return value
