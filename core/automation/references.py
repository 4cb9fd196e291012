"""Services and entities an automation names, checked once every plugin is set up.

``xiaoqu check-config`` sets nothing up: it checks services against those the configured
plugins declare (``xiaoqu_services``), and entities against what can be known without a
running hub: the entity registry file in the data dir (every entity with a unique id the
hub has ever had, whether the hub runs now or not) and the config's own automations. A site
whose hub has never run has no registry yet, and its entities are not checked.
When the hub has started, the engine checks every service and entity id written literally
in an automation (templates cannot be known in advance) against the live hub. Unknown ones
are warnings with file and line (and the known id a typo most likely meant): the automation
still runs, since an entity may appear later, when its device connects, but a typo shows.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from xiaoqu.core.automation.conditions import helper_entity
from xiaoqu.core.automation.schema import step_kind
from xiaoqu.core.config import ConfigError
from xiaoqu.core.registry import STORE_NAME, EntityRegistry
from xiaoqu.core.validation import did_you_mean
from xiaoqu.core.yaml_loader import lookup

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

Reference = tuple[tuple[Any, ...], str, str]  # (path inside the automation, "service" | "entity", name)

#: At most this many ids of a domain are searched for a typo's likely meaning. difflib
#: compares each pair in turn: an estate's 5,000 household sensors, all alike
#: (``sensor.1_2_0601_dev_3``), made each unknown id cost 0.25 s and 400 of them a
#: restart's whole minute (bench/estate.py). Among that many alike ids a hint is a guess.
HINT_CANDIDATES = 300


class Checked(Protocol):
    """What the check reads of a checked automation (or script): its config and where it is."""

    raw: Any
    config: dict[str, Any] | None
    file: str | None
    line: int | None

    @property
    def path(self) -> tuple[Any, ...]:
        """Where its errors' key paths begin: ``("automation kitchen", 2)``, ``("script", "morning")``."""


def registry_file(data_dir: Path) -> Path:
    """The file the entity registry is kept in (``core_registry.json`` in the data dir)."""
    return data_dir / f"{STORE_NAME}.json"


def registered_entity_ids(data_dir: Path) -> set[str] | None:
    """The entity ids in the registry file, read without opening the store; None without one.

    ``check-config`` opens no store: the hub may be running and holding the store's lock, and
    the store is replaced whole on each write, so reading the file is safe. A file that
    cannot be read knows nothing (said in the log), like a missing one.
    """
    try:
        entities = json.loads(registry_file(data_dir).read_bytes())["tables"][EntityRegistry.table_name]
        return {doc["entity_id"] for doc in entities.values()
                if isinstance(doc, dict) and isinstance(doc.get("entity_id"), str)}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, LookupError, TypeError, AttributeError) as err:
        _LOGGER.warning("Entity ids not checked: cannot read the entity registry %s (%s)", registry_file(data_dir), err)
        return None


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
    if condition.get("condition") == "state":
        for index, value in enumerate(condition["state"]):
            if helper_entity(value):
                yield (*here, "state", index), "entity", value


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
        if trigger.get("trigger") == "time":  # at: an entity, or {entity_id, offset}
            for at_index, at in enumerate(trigger["at"]):
                if isinstance(at, str):
                    yield (*path, index, "at", at_index), "entity", at
                elif isinstance(at, Mapping):
                    yield (*path, index, "at", at_index, "entity_id"), "entity", at["entity_id"]


def references(config: Mapping[str, Any]) -> Iterator[Reference]:
    """Every literal service and entity id in a validated automation (or script: its
    ``sequence``), with its path."""
    yield from _triggers(config.get("triggers", []), ("triggers",))
    yield from _conditions(config.get("conditions", []), ("conditions",))
    yield from _steps(config.get("actions", []), ("actions",))
    yield from _steps(config.get("sequence", []), ("sequence",))


def unknown_references(hub: Hub, checked: Checked, *, declared_only: bool = False,
                       known_entities: Collection[str] | None = None) -> list[ConfigError]:
    """Warnings for the services and entities of ``checked`` the hub does not know (yet).

    With ``declared_only`` (check-config: nothing is set up) services are checked against
    what the loaded plugins declare (``xiaoqu_services``), and entities against
    ``known_entities`` (not at all when it is None).
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
            if known_entities is None or name in known_entities:
                continue
            message = f"unknown entity {name} (not in the entity registry)" + _meant(name, known_entities)
        else:
            if name in hub.states or (registry is not None and _registered(registry, name)):
                continue
            known = hub.states.entity_ids(name.partition(".")[0])
            if registry is not None:
                known += [entry.entity_id for entry in registry.all()]
            message = f"unknown entity {name} (no entity has this id yet)" + _meant(name, known)
        found = lookup(checked.raw, path)
        file, line = (found.file, found.line) if found.file is not None else (checked.file, checked.line)
        warnings.append(ConfigError(file, line, (*checked.path, *path), message, "warning"))
    return warnings


def _meant(entity_id: str, known: Iterable[str]) -> str:
    """" (did you mean 'binary_sensor.gate_north'?)" among the known ids of the same domain."""
    domain = entity_id.partition(".")[0] + "."
    candidates = [known_id for known_id in known if known_id.startswith(domain)]
    if len(candidates) > HINT_CANDIDATES:  # only ids of about its length are a typo away
        candidates = [known_id for known_id in candidates if abs(len(known_id) - len(entity_id)) <= 2]
    return did_you_mean(entity_id, candidates) if len(candidates) <= HINT_CANDIDATES else ""


def _registered(registry: EntityRegistry, entity_id: str) -> bool:
    return registry.get(entity_id) is not None
