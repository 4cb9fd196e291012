"""Conditions: the core's condition types, and compiling any condition into a checker.

A compiled condition is checked synchronously (a condition reads states and the clock; it
never waits) and writes its result into the trace with the reason: the state it found and
the states it wanted, the value and the range, what the template rendered. A condition that
cannot be evaluated (a sensor that is not a number, a template that fails) is false, and the
trace says why.

Home Assistant's meaning throughout: ``and`` needs all, ``or`` any, ``not`` none of its
conditions; a disabled condition (``enabled: false``) counts as if it were not there (it
gives None: it fails no list and no ``and``, satisfies no ``or``, and ``not`` ignores it; an
``or`` of disabled conditions only is false); ``state`` with several
entities needs all of them (``match: any`` for one), and a ``state`` that is a helper's
entity id (``input_select.guest_mode``) means that helper's current state; ``time`` with
``after`` later than ``before`` spans midnight.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.numeric import in_range, read_value, threshold
from xiaoqu.core.automation.platforms import Checker, ConditionPlatform
from xiaoqu.core.automation.templates import TemplateError, render, template_validator
from xiaoqu.core.automation.trace import Trace, record
from xiaoqu.core.automation.triggers.time import parse_entity_time
from xiaoqu.core.automation.validators import (
    WEEKDAYS,
    number_or_entity,
    period_from,
    period_or_template,
    state_values,
    time_or_entity,
    weekdays,
)
from xiaoqu.core.validation import ensure_list, entity_ids, string, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)


class ConditionFailed(Exception):
    """A condition could not be evaluated; the message says why (it counts as false)."""


#: A state condition's ``state`` that names a helper entity stands for that helper's state
#: (Home Assistant's ``INPUT_ENTITY_ID``): only the ``input_*`` domains, so that no ordinary
#: state value that happens to hold a dot is ever read as an entity id.
_HELPER_ENTITY = re.compile(r"^input_(?:select|text|number|boolean|datetime)\.(?!.+__)(?!_)[\da-z_]+(?<!_)$")


def helper_entity(value: str) -> bool:
    """Whether a state condition's ``state`` value names a helper entity (its state is meant)."""
    return _HELPER_ENTITY.match(value) is not None


def _wanted_states(hub: Hub, wanted: list[str]) -> list[str]:
    """``wanted`` with each helper entity id replaced by the helper's current state."""
    states = []
    for value in wanted:
        if helper_entity(value):
            helper = hub.states.get(value)
            if helper is None:
                raise ConditionFailed(f"the 'state' entity {value} is unavailable")
            value = helper.state
        states.append(value)
    return states


# --- the core's condition types ---------------------------------------------------------------


class StateCondition:
    def __init__(self, hub: Hub | None) -> None:
        self.schema = vol.Schema({
            vol.Required("condition"): "state",
            vol.Required("entity_id"): entity_ids,
            vol.Required("state"): state_values,
            vol.Optional("attribute"): string,
            vol.Optional("for"): period_or_template(hub),
            vol.Optional("match", default="all"): vol.In(("all", "any"), msg="expected all or any"),
        })

    def checker(self, hub: Hub, config: Mapping[str, Any]) -> Checker:
        ids, written = config["entity_id"], config["state"]
        attribute, hold, match_any = config.get("attribute"), config.get("for"), config["match"] == "any"
        reads_helpers = any(helper_entity(value) for value in written)

        def one(entity_id: str, wanted: list[str], variables: Mapping[str, Any]) -> dict[str, Any]:
            state = hub.states.get(entity_id)
            if state is None:
                return {"entity_id": entity_id, "result": False, "state": None, "why": "no such entity"}
            value = state.state if attribute is None else state.attributes.get(attribute)
            found = {"entity_id": entity_id, "state": value, "wanted": wanted}
            if value is None or str(value) not in wanted:
                return {**found, "result": False}
            if hold is not None:
                needed = hold if isinstance(hold, timedelta) else period_from(render(hold, variables))
                held = timedelta(seconds=hub.clock.time() - state.last_changed)
                if held < needed:
                    return {**found, "result": False, "for": needed, "held": held}
            return {**found, "result": True}

        def check(variables: Mapping[str, Any]) -> bool:
            wanted = _wanted_states(hub, written) if reads_helpers else written
            results = [one(entity_id, wanted, variables) for entity_id in ids]
            if len(results) > 1:
                record(entities=results)
            else:
                record(**results[0])
            outcomes = [r["result"] for r in results]
            return any(outcomes) if match_any else all(outcomes)

        return check


def _above_or_below(config: dict[str, Any]) -> dict[str, Any]:
    if "above" not in config and "below" not in config:
        raise vol.Invalid("give 'above', 'below' or both")
    return config


class NumericStateCondition:
    def __init__(self, hub: Hub | None) -> None:
        self.schema = vol.All(vol.Schema({
            vol.Required("condition"): "numeric_state",
            vol.Required("entity_id"): entity_ids,
            vol.Optional("attribute"): string,
            vol.Optional("above"): number_or_entity,
            vol.Optional("below"): number_or_entity,
            vol.Optional("value_template"): template_validator(hub),
        }), _above_or_below)

    def checker(self, hub: Hub, config: Mapping[str, Any]) -> Checker:
        above, below = config.get("above"), config.get("below")

        def check(variables: Mapping[str, Any]) -> bool:
            for entity_id in config["entity_id"]:
                value = read_value(hub.states.get(entity_id), entity_id, config.get("attribute"),
                                   config.get("value_template"), variables)
                inside = in_range(hub, value, above, below)
                record(entity_id=entity_id, value=value, above=threshold(hub, above), below=threshold(hub, below))
                if not inside:
                    return False
            return True

        return check


class TemplateCondition:
    def __init__(self, hub: Hub | None) -> None:
        self.schema = vol.Schema({
            vol.Required("condition"): "template",
            vol.Required("value_template"): template_validator(hub),
        })

    def checker(self, hub: Hub, config: Mapping[str, Any]) -> Checker:
        template = config["value_template"]

        def check(variables: Mapping[str, Any]) -> bool:
            text = template.render(variables)
            record(rendered=text)
            return text.lower() == "true"  # Home Assistant: only "true" passes, any case

        return check


def _after_or_before(config: dict[str, Any]) -> dict[str, Any]:
    if not {"after", "before", "weekday"} & set(config):
        raise vol.Invalid("give 'after', 'before', 'weekday' or several")
    return config


class TimeCondition:
    schema = vol.All(vol.Schema({
        vol.Required("condition"): "time",
        vol.Optional("after"): time_or_entity,
        vol.Optional("before"): time_or_entity,
        vol.Optional("weekday"): weekdays,
    }), _after_or_before)

    def checker(self, hub: Hub, config: Mapping[str, Any]) -> Checker:
        days = config.get("weekday")

        def moment(value: time | datetime | str | None, now: datetime) -> datetime | None:
            if value is None:
                return None
            if isinstance(value, str):  # an entity holding a time or a moment
                state = hub.states.get(value)
                parsed = None if state is None else parse_entity_time(state.state, hub.clock)
                if parsed is None:
                    raise ConditionFailed(f"{value} holds no time")
                value = parsed
            if isinstance(value, datetime):
                return value
            return datetime.combine(now.date(), value, now.tzinfo)

        def check(variables: Mapping[str, Any]) -> bool:
            now = hub.clock.now()
            record(now=now.isoformat(timespec="seconds"))
            if days is not None and WEEKDAYS[now.weekday()] not in days:
                record(weekday=WEEKDAYS[now.weekday()], wanted=days)
                return False
            after, before = moment(config.get("after"), now), moment(config.get("before"), now)
            record(after=after.isoformat() if after else None, before=before.isoformat() if before else None)
            if after is not None and before is not None and after > before and after.date() == before.date():
                return now >= after or now < before  # spans midnight
            return (after is None or now >= after) and (before is None or now < before)

        return check


class TriggerCondition:
    schema = vol.Schema({
        vol.Required("condition"): "trigger",
        vol.Required("id"): vol.All(ensure_list, [string]),
    })

    def checker(self, hub: Hub, config: Mapping[str, Any]) -> Checker:
        ids = config["id"]

        def check(variables: Mapping[str, Any]) -> bool:
            trigger = variables.get("trigger")
            fired = trigger.get("id") if isinstance(trigger, Mapping) else None
            record(trigger_id=fired, wanted=ids)
            return fired in ids

        return check


def core_conditions(hub: Hub | None) -> dict[str, ConditionPlatform]:
    return {
        "state": StateCondition(hub),
        "numeric_state": NumericStateCondition(hub),
        "template": TemplateCondition(hub),
        "time": TimeCondition(),
        "trigger": TriggerCondition(),
    }


# --- compiling ------------------------------------------------------------------------------


class CompiledCondition:
    """One condition of an automation, ready to check; records itself in a run's trace."""

    __slots__ = ("path", "kind", "enabled", "alias", "_check", "_children")

    def __init__(self, path: str, kind: str, enabled: bool, alias: str | None,
                 check: Checker | None = None, children: list[CompiledCondition] | None = None) -> None:
        self.path = path
        self.kind = kind
        self.enabled = enabled
        self.alias = alias
        self._check = check
        self._children = children or []

    def __call__(self, variables: Mapping[str, Any], trace: Trace) -> bool | None:
        """True or False; None when the condition is disabled."""
        with trace.element(self.path) as element:
            if self.alias:
                element.result["alias"] = self.alias
            if not self.enabled:
                element.result.update(enabled=False, result=None)
                return None
            try:
                result = self._evaluate(variables, trace)
            except Exception as err:  # a check that cannot be evaluated is false; the trace says why
                element.error = _describe(err)
                result = False
            element.result["result"] = result
            return result

    def _evaluate(self, variables: Mapping[str, Any], trace: Trace) -> bool:
        if self._check is not None:
            return bool(self._check(variables))
        results = (child(variables, trace) for child in self._children)
        if self.kind == "and":
            return all(result is not False for result in results)
        if self.kind == "or":
            return any(result is True for result in results)
        return not any(results)  # not: none of them true


def _describe(err: BaseException) -> str:
    if isinstance(err, ConditionFailed | TemplateError | ValueError):  # NotANumber is a ValueError
        return str(err)
    return f"{type(err).__name__}: {err}"


def compile_condition(hub: Hub, platforms: Mapping[str, ConditionPlatform], config: Mapping[str, Any],
                      path: str) -> CompiledCondition:
    """Build the checker of a validated condition (and of every condition nested in it)."""
    kind = config["condition"]
    enabled, alias = config.get("enabled", True), config.get("alias")
    if kind in ("and", "or", "not"):
        children = [
            compile_condition(hub, platforms, child, f"{path}/conditions/{index}")
            for index, child in enumerate(config["conditions"])
        ]
        return CompiledCondition(path, kind, enabled, alias, children=children)
    return CompiledCondition(path, kind, enabled, alias, check=platforms[kind].checker(hub, config))


def compile_conditions(hub: Hub, platforms: Mapping[str, ConditionPlatform], configs: list[Mapping[str, Any]],
                       path: str) -> Callable[[Mapping[str, Any], Trace], bool]:
    """All of ``configs`` must pass (a list of conditions is an ``and``: disabled ones are left
    out); stops at the first false."""
    compiled = [compile_condition(hub, platforms, config, f"{path}/{index}") for index, config in enumerate(configs)]

    def check_all(variables: Mapping[str, Any], trace: Trace) -> bool:
        return all(condition(variables, trace) is not False for condition in compiled)

    return check_all
