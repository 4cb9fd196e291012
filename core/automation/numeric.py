"""Reading a number from an entity and comparing it with ``above``/``below``, as the
``numeric_state`` trigger and condition both do (Home Assistant's rules: the value must be
strictly above and strictly below; a threshold may be another entity's state)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.templates import Template, TemplateError

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.states import State


class NotANumber(ValueError):
    """The entity, attribute, template or threshold gave no number; the message says which."""


def read_value(state: State | None, entity_id: str, attribute: str | None,
               value_template: Template | None, variables: Mapping[str, Any]) -> float:
    """The number the state stands for: its state, one attribute, or what a template makes of it."""
    if state is None:
        raise NotANumber(f"{entity_id} does not exist")
    if value_template is not None:
        try:
            raw: Any = value_template.render_native({**variables, "state": state})
        except TemplateError as err:
            raise NotANumber(f"value_template failed: {err}") from None
    elif attribute is not None:
        if attribute not in state.attributes:
            raise NotANumber(f"{entity_id} has no attribute '{attribute}'")
        raw = state.attributes[attribute]
    else:
        raw = state.state
    return as_number(raw, entity_id if value_template is None else "value_template")


def as_number(raw: Any, what: str) -> float:
    if isinstance(raw, bool):
        raise NotANumber(f"{what} is {raw!r}, not a number")
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise NotANumber(f"{what} is {raw!r}, not a number") from None


def threshold(hub: Hub, limit: float | str | None) -> float | None:
    """A threshold as a number (reading the entity it names)."""
    if limit is None or isinstance(limit, float):
        return limit
    state = hub.states.get(limit)
    if state is None:
        raise NotANumber(f"threshold {limit} does not exist")
    return as_number(state.state, f"threshold {limit}")


def in_range(hub: Hub, value: float, above: float | str | None, below: float | str | None) -> bool:
    low, high = threshold(hub, above), threshold(hub, below)
    return (low is None or value > low) and (high is None or value < high)
