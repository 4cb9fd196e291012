"""Blueprint input selectors: what kind of value an input takes, checked when it is filled in.

Home Assistant's selector names and options. The ones checked here: ``number`` (min, max),
``boolean``, ``text``, ``entity`` (domain, multiple, filter), ``time``, ``select`` (options,
multiple, custom_value), ``object``, ``duration``, ``template``, ``target`` and the ones
holding automation parts (``action``, ``condition``, ``trigger``, checked later with the
automation). Any other selector Home Assistant knows (``area``, ``icon``...) accepts any
value, so a blueprint written for Home Assistant still loads.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from xiaoqu.core.automation.validators import number
from xiaoqu.core.validation import boolean, ensure_list, entity_id, string, time_of_day, time_period, vol

Check = Callable[[Mapping[str, Any], Any], None]


def _number(options: Mapping[str, Any], value: Any) -> None:
    amount = number(value)
    low, high = options.get("min"), options.get("max")
    if low is not None and amount < float(low):
        raise vol.Invalid(f"expected a number of at least {low}")
    if high is not None and amount > float(high):
        raise vol.Invalid(f"expected a number of at most {high}")


def _boolean(options: Mapping[str, Any], value: Any) -> None:
    if not isinstance(value, bool):
        boolean(value)


def _text(options: Mapping[str, Any], value: Any) -> None:
    string(value)


def _domains(options: Mapping[str, Any]) -> set[str]:
    domains = set(ensure_list(options.get("domain")))
    for entry in ensure_list(options.get("filter")):
        if isinstance(entry, Mapping):
            domains.update(ensure_list(entry.get("domain")))
    return {str(domain) for domain in domains}


def _entity(options: Mapping[str, Any], value: Any) -> None:
    values = ensure_list(value) if options.get("multiple") else [value]
    if options.get("multiple") and not values:
        raise vol.Invalid("expected at least one entity id")
    domains = _domains(options)
    for item in values:
        checked = entity_id(item)
        if domains and checked.partition(".")[0] not in domains:
            raise vol.Invalid(f"expected an entity of {' or '.join(sorted(domains))}")


def _time(options: Mapping[str, Any], value: Any) -> None:
    time_of_day(value)


def _select(options: Mapping[str, Any], value: Any) -> None:
    choices = [str(option.get("value")) if isinstance(option, Mapping) else str(option)
               for option in ensure_list(options.get("options"))]
    for item in ensure_list(value) if options.get("multiple") else [value]:
        if str(item) not in choices and not options.get("custom_value"):
            raise vol.Invalid(f"expected one of {', '.join(choices)}")


def _object(options: Mapping[str, Any], value: Any) -> None:
    if value is None:
        raise vol.Invalid("expected a value")


def _duration(options: Mapping[str, Any], value: Any) -> None:
    time_period(value)


def _target(options: Mapping[str, Any], value: Any) -> None:
    if not isinstance(value, Mapping) or not {"entity_id", "device_id"} & set(value):
        raise vol.Invalid("expected a target: a mapping with entity_id (or device_id)")
    entity_options = options.get("entity") or {}
    if "entity_id" in value:
        _entity({**(entity_options if isinstance(entity_options, Mapping) else {}), "multiple": True},
                value["entity_id"])


def _part(options: Mapping[str, Any], value: Any) -> None:
    if not isinstance(value, list | Mapping):
        raise vol.Invalid("expected a list of steps (or one step)")


def _anything(options: Mapping[str, Any], value: Any) -> None:
    return None


SELECTORS: Final[Mapping[str, Check]] = {
    "number": _number,
    "boolean": _boolean,
    "text": _text,
    "entity": _entity,
    "time": _time,
    "select": _select,
    "object": _object,
    "duration": _duration,
    "template": _text,
    "target": _target,
    "action": _part,
    "condition": _part,
    "trigger": _part,
}


def selector_kind(selector: Any) -> tuple[str, Mapping[str, Any]]:
    """``{number: {min: 1}}`` → ("number", {min: 1}); raises vol.Invalid for another shape."""
    if not isinstance(selector, Mapping) or len(selector) != 1:
        raise vol.Invalid("a selector is a mapping with one key naming its kind, such as {number: {min: 1}}")
    kind, options = next(iter(selector.items()))
    if options is not None and not isinstance(options, Mapping):
        raise vol.Invalid(f"the options of selector '{kind}' must be a mapping")
    return str(kind), options or {}


def check_value(selector: Any, value: Any) -> None:
    """Raise vol.Invalid when ``value`` is not what ``selector`` takes."""
    if selector is None:
        return
    kind, options = selector_kind(selector)
    SELECTORS.get(kind, _anything)(options, value)
