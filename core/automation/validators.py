"""Validators the trigger, condition and step schemas share (built on `core.validation`)."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import time as time_of_day_t
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.templates import TemplateError, dynamic, template_validator
from xiaoqu.core.template import is_template_string
from xiaoqu.core.validation import boolean, ensure_list, entity_id, number, string, time_of_day, time_period, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def state_value(value: Any) -> str:
    """A state to compare with. YAML reads an unquoted ``on``/``off`` as true/false; no entity
    has the state "True", so a boolean here can only mean ``"on"``/``"off"``."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return string(value)


state_values = vol.All(ensure_list, [state_value])


def optional_state_values(value: Any) -> list[str] | None:
    """``to:`` written with nothing after it means "any new state" (not "no state")."""
    return None if value is None else state_values(value)


def weekdays(value: Any) -> list[str]:
    days = ensure_list(value)
    result = []
    for day in days:
        text = str(day).lower()[:3]
        if text not in WEEKDAYS:
            raise vol.Invalid(f"expected weekdays among {', '.join(WEEKDAYS)}, got {day!r}")
        result.append(text)
    return result


def number_or_entity(value: Any) -> float | str:
    """A threshold: a number, or the entity id of a sensor holding one."""
    try:
        return number(value)
    except vol.Invalid:
        pass
    try:
        return entity_id(value)
    except vol.Invalid:
        raise vol.Invalid("expected a number or the entity id of a sensor holding one") from None


def time_or_entity(value: Any) -> time_of_day_t | str:
    """A time of day (``"07:30"``) or the entity id whose state is a time or a timestamp."""
    try:
        return time_of_day(value)
    except vol.Invalid:
        pass
    try:
        return entity_id(value)
    except vol.Invalid:
        raise vol.Invalid("expected a time of day ('HH:MM' or 'HH:MM:SS') or an entity id") from None


def positive_period(value: Any) -> timedelta:
    period = time_period(value)
    if period < timedelta(0):
        raise vol.Invalid("expected a duration of 0 or more")
    return period


def period_or_template(hub: Hub | None) -> Callable[[Any], Any]:
    """A duration, or a template (or mapping of templates) rendered to one in each run."""
    render_later = dynamic(hub)

    def validate(value: Any) -> Any:
        if isinstance(value, str) and is_template_string(value):
            return render_later(value)
        if isinstance(value, dict) and any(isinstance(v, str) and is_template_string(v) for v in value.values()):
            return render_later(value)
        return positive_period(value)

    return validate


def period_from(value: Any) -> timedelta:
    """A duration a template rendered (seconds, ``"HH:MM:SS"`` or a mapping); 0 or more."""
    try:
        return positive_period(value)
    except vol.Invalid as err:
        raise ValueError(f"{err.msg}, got {value!r}") from None


def service_name(hub: Hub | None) -> Callable[[Any], Any]:
    """``domain.service`` (``door.unlock``), or a template that renders one."""
    compile_template = template_validator(hub)

    def validate(value: Any) -> Any:
        text = string(value)
        if is_template_string(text):
            return compile_template(text)
        domain, dot, service = text.partition(".")
        if not dot or not _slug_part(domain) or not _slug_part(service):
            raise vol.Invalid("expected a service as domain.service, such as door.unlock")
        return text.lower()

    return validate


def _slug_part(text: str) -> bool:
    return bool(text) and all(c.isascii() and (c.isalnum() or c == "_") for c in text)


def enabled_when_attached(hub: Hub | None) -> Callable[[Any], Any]:
    """A trigger's ``enabled``: true/false, or a limited template kept compiled, rendered with
    the automation's ``trigger_variables`` when the trigger attaches (Home Assistant)."""
    compile_template = template_validator(hub)

    def validate(value: Any) -> Any:
        if isinstance(value, str) and is_template_string(value):
            return compile_template(value)
        return boolean(value)

    return validate


def enabled_when_checked(hub: Hub | None, variables: Callable[[], Mapping[str, Any]]) -> Callable[[Any], bool]:
    """A condition's or a step's ``enabled``: true/false, or a limited template.

    A limited template reads no state and no clock, so it has one answer: it is worked out
    here, once, with ``variables()`` (the automation's ``trigger_variables``, as Home
    Assistant's documentation shows them used there), and a template that fails is a config
    error at its line. Its answer counts as Python truth does (Home Assistant's ``if not
    enabled``).
    """
    compile_template = template_validator(hub)

    def validate(value: Any) -> bool:
        if not (isinstance(value, str) and is_template_string(value)):
            return boolean(value)
        try:
            return bool(compile_template(value).render_native(variables(), limited=True))
        except TemplateError as err:
            raise vol.Invalid(f"the template failed: {err.cause}") from None

    return validate
