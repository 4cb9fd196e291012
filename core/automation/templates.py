"""Templates inside automations: compiled while the config is checked, rendered in a run.

Every string a person may template (service data, event data, variables, a delay) is
turned into a `Template` when the automation is validated, so a template that does not
parse is a config error with file and line, never a surprise in the middle of a run.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.template import Template, TemplateError, is_template_string, render_complex, template_validator
from xiaoqu.core.validation import vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

__all__ = ["Template", "TemplateError", "as_boolean", "dynamic", "has_template", "render", "template_validator"]

_TRUE_WORDS = frozenset({"true", "yes", "on", "enable"})


def dynamic(hub: Hub | None) -> Any:
    """A validator that compiles every template string inside a value (dicts and lists too).

    Plain strings, numbers and booleans stay as they are; a template that does not parse
    is ``vol.Invalid`` at its own path (``data.message``).
    """
    compile_one = template_validator(hub)

    def validate(value: Any) -> Any:
        if isinstance(value, str):
            return compile_one(value) if is_template_string(value) else value
        if isinstance(value, Mapping):
            items = list(value.items())
        elif isinstance(value, list):
            items = list(enumerate(value))
        else:
            return value
        result: list[tuple[Any, Any]] = []
        errors: list[vol.Invalid] = []
        for key, item in items:
            try:
                result.append((key, validate(item)))
            except vol.Invalid as err:
                err.prepend([key])
                errors.append(err)
        if errors:
            raise vol.MultipleInvalid(errors)
        return dict(result) if isinstance(value, Mapping) else [item for _, item in result]

    return validate


def has_template(value: Any) -> bool:
    """Whether a validated value still holds a template somewhere (needs rendering per run)."""
    if isinstance(value, Template):
        return not value.is_static
    if isinstance(value, Mapping):
        return any(has_template(item) for item in value.values())
    if isinstance(value, list):
        return any(has_template(item) for item in value)
    return False


def render(value: Any, variables: Mapping[str, Any], *, limited: bool = False) -> Any:
    """Render every template inside ``value`` to native values (numbers stay numbers)."""
    return render_complex(value, variables, limited=limited)


def as_boolean(value: Any) -> bool:
    """Home Assistant's ``result_as_boolean``: true, yes, on, enable, or a number other than 0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        try:
            return float(word) != 0
        except ValueError:
            return False
    return False
