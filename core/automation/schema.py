"""The automation language's schema: one automation, its triggers, conditions and steps.

Home Assistant's 2024.10 keys (``triggers``/``conditions``/``actions``, ``trigger:`` naming a
trigger's type, ``action:`` naming a service) and the older ones (``trigger``/``condition``/
``action`` at the top, ``platform:``, ``service:``, ``service_template:``), which are renamed;
a mapping holding both spellings is an error. ``data_template:`` (``event_data_template:``)
is kept beside ``data:`` (``event_data:``): Home Assistant takes both, the template's keys
winning.

Every union is dispatched on the key that names its kind — a trigger by ``trigger:``, a
condition by ``condition:``, a step by the first key of `STEP_KEYS` it holds (Home
Assistant's ``ACTIONS_MAP``) — so an error is about the kind the person meant, never the
deepest failure of some other branch (``vol.Any``'s habit).

The schema depends on the trigger and condition types a hub knows (plugins add some), so it
is built per hub: `AutomationSchema(hub, platforms)`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.const import (
    CONF_ACTIONS,
    CONF_CONDITIONS,
    CONF_TRIGGERS,
    DEFAULT_MAX,
    DEFAULT_MAX_EXCEEDED,
    DEFAULT_MAX_ITERATIONS,
    DEFAULT_STORED_TRACES,
    MODES,
)
from xiaoqu.core.automation.platforms import Platforms
from xiaoqu.core.automation.templates import TemplateError, dynamic, render, template_validator
from xiaoqu.core.automation.validators import (
    enabled_when_attached,
    enabled_when_checked,
    period_or_template,
    service_name,
)
from xiaoqu.core.template import is_template_string
from xiaoqu.core.validation import (
    ENTITY_MATCH_ALL,
    ENTITY_MATCH_NONE,
    boolean,
    comp_entity_ids,
    did_you_mean,
    ensure_list,
    entity_id,
    key_value_schemas,
    log_level,
    positive_int,
    renamed_keys,
    string,
    vol,
)

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: Keys that name a step's kind, in Home Assistant's order (the first one present wins).
STEP_KEYS: Final = {
    "delay": "delay",
    "wait_template": "wait_template",
    "condition": "condition",
    "and": "condition",
    "or": "condition",
    "not": "condition",
    "event": "event",
    "repeat": "repeat",
    "choose": "choose",
    "wait_for_trigger": "wait_for_trigger",
    "variables": "variables",
    "if": "if",
    "action": "call_service",
    "stop": "stop",
    "parallel": "parallel",
    "sequence": "sequence",
}

_AUTOMATION_RENAMES: Final = {"trigger": CONF_TRIGGERS, "condition": CONF_CONDITIONS, "action": CONF_ACTIONS}
_TRIGGER_RENAMES: Final = {"platform": "trigger"}
_STEP_RENAMES: Final = {"service": "action", "service_template": "action"}
_STRUCTURAL_CONDITIONS: Final = ("and", "or", "not")

#: The ``trigger_variables`` of the automation being checked: ``enabled`` templates see them.
_trigger_values: ContextVar[Mapping[str, Any]] = ContextVar("automation_trigger_values", default=MappingProxyType({}))


def step_kind(config: Mapping[str, Any]) -> str | None:
    """The kind of a step (``call_service``, ``delay``, ``choose``...) from its keys."""
    for key, kind in STEP_KEYS.items():
        if key in config:
            return kind
    return None


def _positive(value: Any) -> int:
    number = positive_int(value)
    if number < 1:
        raise vol.Invalid("expected a whole number, 1 or more")
    return number


def _max_exceeded(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() == "silent":
        return "SILENT"
    try:
        return log_level(value)
    except vol.Invalid:
        raise vol.Invalid("expected silent or a log level: critical, error, warning, info, debug") from None


def _exactly_one(*keys: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def check(config: dict[str, Any]) -> dict[str, Any]:
        present = [key for key in keys if key in config]
        if len(present) != 1:
            raise vol.Invalid(f"give exactly one of {', '.join(keys)}"
                              + (f" (found {', '.join(present)})" if present else ""))
        return config

    return check


#: How the runs of one automation or script share it, and what they keep (scripts take these too).
RUN_OPTIONS: Final[dict[vol.Marker, Any]] = {
    vol.Optional("mode", default="single"): vol.In(MODES, msg=f"expected one of {', '.join(MODES)}"),
    vol.Optional("max", default=DEFAULT_MAX): _positive,
    vol.Optional("max_exceeded", default=DEFAULT_MAX_EXCEEDED): _max_exceeded,
    vol.Optional("max_iterations", default=DEFAULT_MAX_ITERATIONS): _positive,
    vol.Optional("trace", default=dict): vol.Schema({
        vol.Optional("stored_traces", default=DEFAULT_STORED_TRACES): _positive,
    }),
}


class AutomationSchema:
    """Validators for one hub's automation language (its trigger and condition types)."""

    def __init__(self, hub: Hub | None, platforms: Platforms) -> None:
        self._hub = hub
        self.platforms = platforms
        self._template = template_validator(hub)
        self._dynamic = dynamic(hub)
        self._period = period_or_template(hub)
        self._enabled = enabled_when_checked(hub, _trigger_values.get)
        trigger_common: dict[vol.Marker, Any] = {
            vol.Optional("id"): string,
            vol.Optional("alias"): string,
            vol.Optional("enabled", default=True): enabled_when_attached(hub),
            vol.Optional("variables"): self.variables,
        }
        condition_common: dict[vol.Marker, Any] = {
            vol.Optional("alias"): string,
            vol.Optional("enabled", default=True): self._enabled,
        }
        self._trigger_dispatch = key_value_schemas("trigger", {
            name: _with_common(platform.schema, trigger_common) for name, platform in platforms.triggers.items()
        })
        self._condition_dispatch = key_value_schemas("condition", {
            **{name: _with_common(platform.schema, condition_common) for name, platform in platforms.conditions.items()},
            **{kind: vol.Schema({
                **condition_common,
                vol.Required("condition"): kind,
                vol.Required("conditions"): self.conditions,
            }) for kind in _STRUCTURAL_CONDITIONS},
        })
        step_common: dict[vol.Marker, Any] = {
            vol.Optional("alias"): string,
            vol.Optional("enabled", default=True): self._enabled,
            vol.Optional("continue_on_error", default=False): boolean,
        }
        timeout: dict[vol.Marker, Any] = {
            vol.Optional("timeout"): self._period,
            vol.Optional("continue_on_timeout", default=True): boolean,
        }
        self._steps: dict[str, Callable[[Any], Any]] = {
            "call_service": vol.Schema({
                **step_common,
                vol.Required("action"): service_name(hub),
                vol.Optional("target"): self._target,
                vol.Optional("entity_id"): self._target_entities,
                vol.Optional("data"): self._data,
                vol.Optional("data_template"): self._data,
                vol.Optional("response_variable"): string,
            }),
            "delay": vol.Schema({**step_common, vol.Required("delay"): self._period}),
            "wait_template": vol.Schema({**step_common, vol.Required("wait_template"): self._template, **timeout}),
            "wait_for_trigger": vol.Schema({**step_common, vol.Required("wait_for_trigger"): self.triggers, **timeout}),
            "event": vol.Schema({
                **step_common,
                vol.Required("event"): string,
                vol.Optional("event_data"): self._data,
                vol.Optional("event_data_template"): self._data,
            }),
            "repeat": vol.Schema({**step_common, vol.Required("repeat"): vol.All(vol.Schema({
                vol.Optional("count"): self._count,
                vol.Optional("for_each"): self._for_each,
                vol.Optional("while"): self.conditions,
                vol.Optional("until"): self.conditions,
                vol.Required("sequence"): self.steps,
            }), _exactly_one("count", "for_each", "while", "until"))}),
            "choose": vol.Schema({
                **step_common,
                vol.Required("choose"): vol.All(ensure_list, [vol.Schema({
                    vol.Optional("alias"): string,
                    vol.Required("conditions"): self.conditions,
                    vol.Required("sequence"): self.steps,
                })]),
                vol.Optional("default"): self.steps,
            }),
            "if": vol.Schema({
                **step_common,
                vol.Required("if"): self.conditions,
                vol.Required("then"): self.steps,
                vol.Optional("else"): self.steps,
            }),
            "variables": vol.Schema({**step_common, vol.Required("variables"): self.variables}),
            "stop": vol.Schema({
                **step_common,
                vol.Required("stop"): string,
                vol.Optional("error", default=False): boolean,
                vol.Optional("response_variable"): string,
            }),
            "parallel": vol.Schema({**step_common, vol.Required("parallel"): self.steps}),
            "sequence": vol.Schema({**step_common, vol.Required("sequence"): self.steps}),
        }
        self._automation = vol.All(renamed_keys(_AUTOMATION_RENAMES), vol.Schema({
            vol.Optional("id"): string,
            vol.Optional("alias"): string,
            vol.Optional("description"): string,
            vol.Optional("initial_state"): boolean,
            **RUN_OPTIONS,
            vol.Optional("variables", default=dict): self.variables,
            vol.Optional("trigger_variables", default=dict): self.variables,
            vol.Required(CONF_TRIGGERS): self.triggers,
            vol.Optional(CONF_CONDITIONS, default=list): self.conditions,
            vol.Required(CONF_ACTIONS): self.steps,
        }))

    # --- the parts ------------------------------------------------------------------------

    def automation(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise vol.Invalid("expected an automation: a mapping with triggers and actions")
        token = _trigger_values.set(self._known_trigger_variables(value))
        try:
            return self._automation(value)
        finally:
            _trigger_values.reset(token)

    def _known_trigger_variables(self, value: dict[str, Any]) -> Mapping[str, Any]:
        """The automation's ``trigger_variables`` rendered (limited), for ``enabled`` templates;
        none when they are wrong (the automation's own check says why)."""
        try:
            values = self.variables(value.get("trigger_variables"))
            return render(values, {}, limited=True)
        except (vol.Invalid, TemplateError):
            return {}

    def triggers(self, value: Any) -> list[dict[str, Any]]:
        return vol.Schema([self.trigger])(ensure_list(value))

    def trigger(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise vol.Invalid("expected a trigger: a mapping with 'trigger:' naming its type")
        value = renamed_keys(_TRIGGER_RENAMES)(value)
        self._needs_integration(value.get("trigger"))
        return self._trigger_dispatch(value)

    def _needs_integration(self, kind: Any) -> None:
        """Name the integration an unknown trigger type needs, when one bears its name.

        As in Home Assistant, a trigger type an integration adds is named after it
        (``trigger: mqtt``): on a site without ``mqtt:`` "Unexpected value" would only puzzle.
        """
        plugins = getattr(self._hub, "plugins", None)
        if self._hub is None or plugins is None or not isinstance(kind, str) or kind in self.platforms.triggers:
            return
        if kind in plugins.loaded or kind in self._hub.config.raw:
            raise vol.Invalid(f"trigger type '{kind}' comes from the {kind} integration, which could not be set up "
                              "(its error is above)", path=["trigger"])
        if kind in plugins.available:
            raise vol.Invalid(f"trigger type '{kind}' comes from the {kind} integration, which is not set up "
                              f"(add '{kind}:' to config.yaml)", path=["trigger"])

    def conditions(self, value: Any) -> list[dict[str, Any]]:
        return vol.Schema([self.condition])(ensure_list(value))

    def condition(self, value: Any) -> dict[str, Any]:
        """A condition mapping, a template string (shorthand), or ``and:``/``or:``/``not:`` shorthand."""
        if isinstance(value, str):
            if not is_template_string(value):
                raise vol.Invalid("expected a condition: a mapping with 'condition:', or a template "
                                  "such as \"{{ is_state('lock.gate', 'locked') }}\"")
            return {"condition": "template", "value_template": self._template(value), "enabled": True}
        if not isinstance(value, dict):
            raise vol.Invalid("expected a condition: a mapping with 'condition:', or a template")
        kind = value.get("condition")
        if kind is None:
            for structural in _STRUCTURAL_CONDITIONS:
                if structural in value:
                    return self._shorthand(structural, value)
        elif isinstance(kind, str) and is_template_string(kind):
            validated = vol.Schema({
                vol.Required("condition"): self._template,
                vol.Optional("alias"): string,
                vol.Optional("enabled", default=True): self._enabled,
            })(value)
            return {**validated, "condition": "template", "value_template": validated["condition"]}
        return self._condition_dispatch(value)

    def _shorthand(self, kind: str, value: dict[str, Any]) -> dict[str, Any]:
        validated = vol.Schema({
            vol.Required(kind): self.conditions,
            vol.Optional("alias"): string,
            vol.Optional("enabled", default=True): self._enabled,
        })(value)
        conditions = validated.pop(kind)
        return {**validated, "condition": kind, "conditions": conditions}

    def steps(self, value: Any) -> list[dict[str, Any]]:
        return vol.Schema([self.step])(ensure_list(value))

    def step(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise vol.Invalid("expected a step: a mapping such as {action: door.unlock} or {delay: 5}")
        value = renamed_keys(_STEP_RENAMES)(value)
        kind = step_kind(value)
        if kind is None:
            hint = next((hint for key in value if (hint := did_you_mean(key, STEP_KEYS))), "")
            raise vol.Invalid(f"unknown step{hint}: a step has one of the keys {', '.join(STEP_KEYS)}")
        if kind == "condition":
            return self.condition(value)
        return self._steps[kind](value)

    # --- values -----------------------------------------------------------------------------

    def variables(self, value: Any) -> dict[str, Any]:
        """A ``variables:`` mapping: names that are identifiers, values with templates compiled."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise vol.Invalid("expected variables: a mapping of name: value")
        bad = [key for key in value if not (isinstance(key, str) and key.isidentifier())]
        if bad:
            raise vol.Invalid(f"'{bad[0]}' is not a variable name (letters, digits and _, not first a digit)")
        return self._dynamic(value)

    def _data(self, value: Any) -> Any:
        """Service or event data: a mapping (templates inside), or one template giving a mapping."""
        if isinstance(value, str) and is_template_string(value):
            return self._template(value)
        if not isinstance(value, dict):
            raise vol.Invalid("expected a mapping of field: value")
        return self._dynamic(value)

    def _target(self, value: Any) -> Any:
        if isinstance(value, str) and is_template_string(value):
            return self._template(value)
        return vol.Schema({
            vol.Optional("entity_id"): self._target_entities,
            vol.Optional("device_id"): self._dynamic,
        })(value)

    def _target_entities(self, value: Any) -> Any:
        """A target's ``entity_id``: entity ids, ``all`` or ``none`` (checked and lowercased, as
        Home Assistant's ``comp_entity_ids``; one id stays one text for the service), a
        template, or a list mixing ids and templates."""
        if isinstance(value, str) and is_template_string(value):
            return self._template(value)
        if isinstance(value, list) and any(isinstance(item, str) and is_template_string(item) for item in value):
            return self._dynamic(value)
        one = isinstance(value, str) and "," not in value
        if one and value.strip().lower() not in (ENTITY_MATCH_ALL, ENTITY_MATCH_NONE):
            return entity_id(value)  # one id stays one text for the service
        return comp_entity_ids(value)

    def _count(self, value: Any) -> Any:
        if isinstance(value, str) and is_template_string(value):
            return self._template(value)
        try:
            count = int(value)
        except (TypeError, ValueError):
            raise vol.Invalid("expected a whole number of repeats, or a template") from None
        if isinstance(value, bool) or count < 0:
            raise vol.Invalid("expected a whole number of repeats, 0 or more")
        return count

    def _for_each(self, value: Any) -> Any:
        if isinstance(value, str) and is_template_string(value):
            return self._template(value)
        if not isinstance(value, list):
            raise vol.Invalid("expected a list of items, or a template giving one")
        return self._dynamic(value)


def _with_common(schema: Any, common: dict[Any, Any]) -> Callable[[Any], Any]:
    """Check the keys every trigger (or condition) has with ``common`` and the rest with the
    type's own ``schema``, reporting the errors of both."""
    own = vol.Schema(schema)
    shared = vol.Schema(common)
    shared_keys = {str(key.schema) for key in common}

    def validate(value: dict[str, Any]) -> dict[str, Any]:
        errors: list[vol.Invalid] = []
        result: dict[str, Any] = {}
        for part, keys in ((own, {k: v for k, v in value.items() if k not in shared_keys}),
                           (shared, {k: v for k, v in value.items() if k in shared_keys})):
            try:
                result.update(part(keys))
            except vol.Invalid as err:
                errors.append(err)
        if errors:
            raise vol.MultipleInvalid(errors)
        return result

    return validate
