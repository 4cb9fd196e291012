"""The schema of one script: Home Assistant's keys around a sequence in the automation language.

The steps, ``variables:`` and the run options (``mode``, ``max``, ``max_exceeded``,
``trace``...) are checked by the automation language's own validators, so a script's step
means exactly what it means in an automation, and its mistakes read the same.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import Platforms
from xiaoqu.core.automation.schema import RUN_OPTIONS, AutomationSchema
from xiaoqu.core.automation.selectors import selector_kind
from xiaoqu.core.script.const import CONF_FIELDS, CONF_ICON, CONF_SEQUENCE, RESERVED_VARIABLES
from xiaoqu.core.validation import boolean, string, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


def _selector(value: Any) -> Any:
    """A selector as Home Assistant writes one (``{number: {min: 0}}``); its kind is not
    checked, so a script written for Home Assistant with a selector the hub does not know loads."""
    selector_kind(value)
    return value


_FIELD = vol.Schema({
    vol.Optional("name"): string,
    vol.Optional("description"): string,
    vol.Optional("advanced", default=False): boolean,
    vol.Optional("required", default=False): boolean,
    vol.Optional("example"): string,
    vol.Optional("default"): object,
    vol.Optional("selector"): _selector,
})


def _field_name(value: Any) -> str:
    name = string(value)
    if name in RESERVED_VARIABLES:
        raise vol.Invalid(f"a field cannot be called '{name}': the run sets that variable itself")
    return name


def _fields(value: Any) -> dict[str, dict[str, Any]]:
    """``fields:``: name → how the caller fills it in (``required``, ``default``, ...)."""
    if value is None:
        return {}
    return vol.Schema({_field_name: vol.Any(None, _FIELD)})(value)


def _no_blueprint(value: Any) -> Any:
    if isinstance(value, dict) and "use_blueprint" in value:
        raise vol.Invalid("scripts from blueprints are not supported; write the script's sequence out",
                          path=["use_blueprint"])
    return value


def script_schema(hub: Hub | None, platforms: Platforms) -> Callable[[Any], dict[str, Any]]:
    """The validator of one script (``sequence`` and the rest) for one hub's automation language."""
    language = AutomationSchema(hub, platforms)
    schema = vol.All(_no_blueprint, vol.Schema({
        vol.Optional("alias"): string,
        vol.Optional(CONF_ICON): string,
        vol.Optional("description", default=""): string,
        vol.Optional("variables", default=dict): language.variables,
        vol.Optional(CONF_FIELDS, default=dict): _fields,
        **RUN_OPTIONS,
        vol.Required(CONF_SEQUENCE): language.steps,
    }))

    def validate(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise vol.Invalid("expected a script: a mapping with a sequence of steps")
        validated: dict[str, Any] = schema(value)
        validated[CONF_FIELDS] = {name: field or _FIELD({}) for name, field in validated[CONF_FIELDS].items()}
        return validated

    return validate
