"""Services and entities an automation names, checked once every plugin is set up.

``xiaoqu check-config`` sets nothing up: it checks services against those the configured
plugins declare (``xiaoqu_services``), and cannot know entities (devices appear over MQTT).
When the hub has started, the engine checks every service and entity id written literally
in an automation (templates cannot be known in advance) and reports the unknown ones as
warnings with file and line: the automation still runs, since an entity may appear later,
but a typo shows.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.const import DOMAIN
from xiaoqu.core.automation.schema import step_kind
from xiaoqu.core.config import ConfigError
from xiaoqu.core.yaml_loader import lookup

if TYPE_CHECKING:
    from xiaoqu.core.automation.config import CheckedAutomation
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.registry import EntityRegistry

Reference = tuple[tuple[Any, ...], str, str]  # (path inside the automation, "service" | "entity", name)


def _entities(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if "." in part]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str) and "." in item]
    return []


def _condition(condition: Mapping[str, Any], here: tuple[Any, ...]) -> Iterator[Reference]:
    if condition.get("condition") in ("and", "or", "not"):
        yield from _conditions(condition.get("conditions", []), (*here, "conditions"))
    for entity_id in _entities(condition.get("entity_id")):
        yield (*here, "entity_id"), "entity", entity_id


def _conditions(configs: list[Mapping[str, Any]], path: tuple[Any, ...]) -> Iterator[Reference]:
    for index, condition in enumerate(configs):
        yield from _condition(condition, (*path, index))


def _steps(configs: list[Mapping[str, Any]], path: tuple[Any, ...]) -> Iterator[Reference]:
    for index, step in enumerate(configs):
        here = (*path, index)
        kind = step_kind(step)
        if kind == "call_service":
            if isinstance(step["action"], str):
                yield (*here, "action"), "service", step["action"]
            target = step.get("target")
            for entity_id in _entities(target.get("entity_id") if isinstance(target, Mapping) else None):
                yield (*here, "target", "entity_id"), "entity", entity_id
            for entity_id in _entities(step.get("entity_id")):
                yield (*here, "entity_id"), "entity", entity_id
        elif kind == "condition":
            yield from _condition(step, here)
        elif kind == "repeat":
            repeat = step["repeat"]
            yield from _steps(repeat["sequence"], (*here, "repeat", "sequence"))
            for key in ("while", "until"):
                yield from _conditions(repeat.get(key, []), (*here, "repeat", key))
        elif kind == "choose":
            for option_index, option in enumerate(step["choose"]):
                yield from _conditions(option["conditions"], (*here, "choose", option_index, "conditions"))
                yield from _steps(option["sequence"], (*here, "choose", option_index, "sequence"))
            yield from _steps(step.get("default", []), (*here, "default"))
        elif kind == "if":
            yield from _conditions(step["if"], (*here, "if"))
            yield from _steps(step["then"], (*here, "then"))
            yield from _steps(step.get("else", []), (*here, "else"))
        elif kind in ("parallel", "sequence"):
            yield from _steps(step[kind], (*here, kind))
        elif kind == "wait_for_trigger":
            yield from _triggers(step["wait_for_trigger"], (*here, "wait_for_trigger"))


def _triggers(configs: list[Mapping[str, Any]], path: tuple[Any, ...]) -> Iterator[Reference]:
    for index, trigger in enumerate(configs):
        for entity_id in _entities(trigger.get("entity_id")):
            yield (*path, index, "entity_id"), "entity", entity_id


def references(config: Mapping[str, Any]) -> Iterator[Reference]:
    """Every literal service and entity id in a validated automation, with its path."""
    yield from _triggers(config.get("triggers", []), ("triggers",))
    yield from _conditions(config.get("conditions", []), ("conditions",))
    yield from _steps(config.get("actions", []), ("actions",))


def unknown_references(hub: Hub, checked: CheckedAutomation, *, declared_only: bool = False) -> list[ConfigError]:
    """Warnings for the services and entities of ``checked`` the hub does not know (yet).

    With ``declared_only`` (check-config: nothing is set up) services are checked against
    what the loaded plugins declare (``xiaoqu_services``) and entities are not checked.
    """
    if checked.config is None:
        return []
    registry = getattr(hub, "entity_registry", None)
    warnings = []
    for path, kind, name in references(checked.config):
        if kind == "service":
            domain, _, service = name.partition(".")
            if declared_only:
                if name.lower() in hub.plugins.declared_services:
                    continue
                message = f"unknown service {name} (no plugin in this config provides it)"
            elif hub.services.has(domain, service):
                continue
            else:
                message = f"unknown service {name} (no plugin registered it)"
        elif declared_only:
            continue
        else:
            if name in hub.states or (registry is not None and _registered(registry, name)):
                continue
            message = f"unknown entity {name} (no entity has this id yet)"
        found = lookup(checked.raw, path)
        file, line = (found.file, found.line) if found.file is not None else (checked.file, checked.line)
        warnings.append(ConfigError(file, line, (DOMAIN, checked.index, *path), message, "warning"))
    return warnings


def _registered(registry: EntityRegistry, entity_id: str) -> bool:
    return registry.get(entity_id) is not None
