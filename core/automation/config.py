"""Checking the ``automation:`` section: every automation on its own.

The automations are those under ``automation:`` and under every labelled block
(``automation kitchen:``), merged in the file's order, as Home Assistant merges them. Each
section is only asked to be a list (or nothing); each automation is then checked alone —
blueprint filled in, schema, trigger/condition/step types, templates compiled — so one bad
automation is reported with file, line and key path (``automation kitchen[2].triggers[0]``)
and kept disabled, while the others run. ``xiaoqu check-config`` and the engine call the
same `read_automations` and `check_automations`.

Each automation gets an ``id``: the one written, else its alias made a slug, else its
place among all of them (``automation_3``). Give every automation an id: traces,
``automation.trigger`` and the entity ``automation.<id>`` are found by it, and an id
survives reordering the file.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.blueprints import BlueprintLoader
from xiaoqu.core.automation.const import DATA_START_CHECKED, DOMAIN
from xiaoqu.core.automation.platforms import Platforms, collect_platforms
from xiaoqu.core.automation.references import registered_entity_ids, unknown_references
from xiaoqu.core.automation.schema import AutomationSchema
from xiaoqu.core.config import ConfigError, domain_keys, validate_section
from xiaoqu.core.entity import slugify
from xiaoqu.core.yaml_loader import NodeDict, NodeList, Unresolved, location

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


@dataclass(frozen=True, slots=True)
class Written:
    """One automation as written: the top-level key it is under, its position there, its place."""

    key: str
    position: int
    value: Any
    where: tuple[str, int] | None


def read_automations(config: Mapping[str, Any]) -> tuple[list[ConfigError], list[Written]]:
    """The automations of every ``automation`` section of ``config``, and what is wrong with
    a section itself (each automation is checked later, on its own)."""
    problems: list[ConfigError] = []
    written: list[Written] = []
    places = config.__locations__ if isinstance(config, NodeDict) else {}
    for key in domain_keys(config, DOMAIN):
        problem, items = section_automations(config[key], key, places.get(key))
        problems.extend([problem] if problem is not None else [])
        written.extend(items)
    return problems, written


def section_automations(section: Any, key: str = DOMAIN, where: tuple[str, int] | None = None
                        ) -> tuple[ConfigError | None, list[Written]]:
    """The automations of one section (``key`` is its top-level key), or what is wrong with it.

    The section is not checked as a whole by a schema: a value that failed to load (a
    missing ``!secret``, a broken ``!include``) inside one automation must disable that one
    only, so each automation is checked on its own, keeping the file and line of each.
    """
    if section is None:
        return None, []
    if isinstance(section, dict):
        return None, [Written(key, 0, section, location(section))]
    if isinstance(section, list):
        places = section.__locations__ if isinstance(section, NodeList) else {}
        return None, [Written(key, position, item, places.get(position) or location(item))
                      for position, item in enumerate(section)]
    file, line = location(section) or where or (None, None)
    if isinstance(section, Unresolved):
        return ConfigError(file, line, (key,), "no automation is loaded: the section failed to load "
                                               "(see the error above)"), []
    return ConfigError(file, line, (key,), "expected a list of automations "
                                           f"(for example: {key}: !include automations.yaml)"), []


def section_place(config: Mapping[str, Any], domain: str = DOMAIN) -> tuple[str, int] | None:
    """Where ``domain:`` is written in the top-level config (for errors about the section)."""
    return config.__locations__.get(domain) if isinstance(config, NodeDict) else None


@dataclass(slots=True)
class CheckedAutomation:
    """One automation, checked: its validated config, or why it is disabled.

    ``index`` is its place among all the automations; ``section`` and ``position`` say where
    it is written (``automation kitchen``, 2), and so begin the key path of its errors.
    """

    index: int
    id: str
    alias: str
    raw: Any
    config: dict[str, Any] | None
    errors: list[ConfigError] = field(default_factory=list)
    file: str | None = None
    line: int | None = None
    blueprint: str | None = None
    section: str = DOMAIN
    position: int = 0

    @property
    def ok(self) -> bool:
        return self.config is not None

    @property
    def path(self) -> tuple[str, int]:
        """Where its errors' key paths begin: ``("automation kitchen", 2)``."""
        return self.section, self.position

    @property
    def object_id(self) -> str:
        """The ``automation.<object_id>`` entity's object id."""
        return slugify(self.id)


def check_automations(hub: Hub, written: list[Written], *, platforms: Platforms | None = None,
                      blueprints: BlueprintLoader | None = None) -> list[CheckedAutomation]:
    """Check every automation of ``written`` (`read_automations`); never raises for a mistake in one."""
    platforms = platforms or collect_platforms(hub)
    blueprints = blueprints or BlueprintLoader(hub.config.config_dir)
    schema = AutomationSchema(hub, platforms)
    checked = [_check_one(schema, blueprints, index, item) for index, item in enumerate(written)]
    _refuse_duplicates(checked)
    return checked


def _check_one(schema: AutomationSchema, blueprints: BlueprintLoader, index: int,
               written: Written) -> CheckedAutomation:
    item, where = written.value, written.where
    file, line = where or (None, None)
    raw_id = item.get("id") if isinstance(item, Mapping) else None
    alias = item.get("alias") if isinstance(item, Mapping) else None
    result = CheckedAutomation(index, str(raw_id) if raw_id is not None else _default_id(alias, index),
                               str(alias) if alias is not None else "", item, None, file=file, line=line,
                               section=written.key, position=written.position)
    data = item
    if isinstance(item, NodeDict) and "use_blueprint" in item:
        use = item.get("use_blueprint")
        result.blueprint = str(use.get("path")) if isinstance(use, Mapping) else None
        data, result.errors = blueprints.expand(item, written.position, written.key)
        if data is None:
            return result
    validated, errors = validate_section(written.key, schema.automation, data, path=(written.position,),
                                         location=where)
    result.errors = [*result.errors, *errors]
    if validated is not None:
        result.config = validated
        if "id" not in validated:
            validated["id"] = result.id
        result.id = validated["id"]
        result.alias = validated.get("alias") or result.id
    elif not result.alias:
        result.alias = result.id
    return result


def _default_id(alias: Any, index: int) -> str:
    slug = slugify(str(alias)) if alias else ""
    return slug if slug and slug != "unnamed" else f"automation_{index + 1}"


def _refuse_duplicates(checked: list[CheckedAutomation]) -> None:
    """Two automations with one id (or ids giving one entity id) cannot both run: the later is refused."""
    seen: dict[str, CheckedAutomation] = {}
    for automation in checked:
        first = seen.get(automation.object_id)
        if first is None:
            seen[automation.object_id] = automation
            continue
        place = f" at {first.file}:{first.line}" if first.file else ""
        automation.errors.append(ConfigError(
            automation.file, automation.line, (*automation.path, "id"),
            f"id '{automation.id}' is already used by the automation{place}; give each automation its own id",
        ))
        automation.config = None


@dataclass(frozen=True, slots=True)
class StartChecked:
    """The automations :func:`validate_automations` checked while the hub was being built.

    The engine arms these at start instead of checking every automation a second time (the
    voluptuous pass is most of what 1,000 automations cost a start, bench/estate.py), as long
    as the trigger and condition types are still the ones they were checked against: a
    plugin that failed to set up in between takes its types with it, and then the engine
    checks again.
    """

    origin: dict[str, str]  # `Platforms.origin`: each type and the plugin that gave it
    automations: list[CheckedAutomation]


def validate_automations(hub: Hub, raw_config: Mapping[str, Any],
                         config_entities: Iterable[str] = ()) -> list[ConfigError]:
    """Every error in the config's automations, without setting anything up (check-config).

    Services are checked against what the configured plugins declare; entity ids against
    the entity registry file, the automations' own entities and ``config_entities`` (those
    other sections create: ``script.<id>``), when the hub has run and left a registry
    (references.py says why no more can be known here). The engine checks both again
    against the live hub when it arms the automations.
    """
    errors, written = read_automations(raw_config)
    platforms = collect_platforms(hub)
    automations = check_automations(hub, written, platforms=platforms)
    hub.data[DATA_START_CHECKED] = StartChecked(dict(platforms.origin), automations)
    registered = registered_entity_ids(hub.config.data_dir) if hub.config.data_dir is not None else None
    known = None if registered is None else (registered | {f"{DOMAIN}.{a.object_id}" for a in automations}
                                             | set(config_entities))
    for automation in automations:
        errors.extend(automation.errors)
        errors.extend(unknown_references(hub, automation, declared_only=True, known_entities=known))
    return errors
