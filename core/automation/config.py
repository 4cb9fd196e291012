"""Checking the ``automation:`` section: every automation on its own.

The section itself is only asked to be a list (or nothing); each automation is then checked
alone — blueprint filled in, schema, trigger/condition/step types, templates compiled — so
one bad automation is reported with file, line and key path and kept disabled, while the
others run. ``xiaoqu check-config`` and the engine call the same `check_automations`.

Each automation gets an ``id``: the one written, else its alias made a slug, else its
place (``automation_3``). Give every automation an id: traces, ``automation.trigger`` and
the entity ``automation.<id>`` are found by it, and an id survives reordering the file.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.blueprints import BlueprintLoader
from xiaoqu.core.automation.const import DOMAIN
from xiaoqu.core.automation.platforms import Platforms, collect_platforms
from xiaoqu.core.automation.references import registered_entity_ids, unknown_references
from xiaoqu.core.automation.schema import AutomationSchema
from xiaoqu.core.config import ConfigError, validate_section
from xiaoqu.core.entity import slugify
from xiaoqu.core.yaml_loader import NodeDict, NodeList, Unresolved, location

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


def section_problem(section: Any, where: tuple[str, int] | None = None) -> tuple[ConfigError | None, list[Any]]:
    """The automations of the ``automation:`` section, or what is wrong with the section itself.

    The section is not checked as a whole by a schema: a value that failed to load (a
    missing ``!secret``, a broken ``!include``) inside one automation must disable that one
    only, so each automation is checked on its own. A list is returned as it is, keeping the
    file and line of every item.
    """
    if section is None:
        return None, []
    if isinstance(section, list):
        return None, section
    if isinstance(section, dict):
        return None, [section]
    file, line = location(section) or where or (None, None)
    if isinstance(section, Unresolved):
        return ConfigError(file, line, (DOMAIN,), "no automation is loaded: the section failed to load "
                                                  "(see the error above)"), []
    return ConfigError(file, line, (DOMAIN,), "expected a list of automations "
                                              "(for example: automation: !include automations.yaml)"), []


def section_place(config: Mapping[str, Any], domain: str = DOMAIN) -> tuple[str, int] | None:
    """Where ``automation:`` (or ``domain:``) is written in the top-level config (for errors
    about the section)."""
    return config.__locations__.get(domain) if isinstance(config, NodeDict) else None


@dataclass(slots=True)
class CheckedAutomation:
    """One entry of the section, checked: its validated config, or why it is disabled."""

    index: int
    id: str
    alias: str
    raw: Any
    config: dict[str, Any] | None
    errors: list[ConfigError] = field(default_factory=list)
    file: str | None = None
    line: int | None = None
    blueprint: str | None = None

    @property
    def ok(self) -> bool:
        return self.config is not None

    @property
    def object_id(self) -> str:
        """The ``automation.<object_id>`` entity's object id."""
        return slugify(self.id)


def check_automations(hub: Hub, section: list[Any], *, platforms: Platforms | None = None,
                      blueprints: BlueprintLoader | None = None) -> list[CheckedAutomation]:
    """Check every automation of ``section``; never raises for a mistake in it."""
    platforms = platforms or collect_platforms(hub)
    blueprints = blueprints or BlueprintLoader(hub.config.config_dir)
    schema = AutomationSchema(hub, platforms)
    checked = [_check_one(schema, blueprints, section, index, item) for index, item in enumerate(section)]
    _refuse_duplicates(checked)
    return checked


def _check_one(schema: AutomationSchema, blueprints: BlueprintLoader, section: list[Any], index: int,
               item: Any) -> CheckedAutomation:
    where = (section.__locations__.get(index) if isinstance(section, NodeList) else None) or location(item)
    file, line = where or (None, None)
    raw_id = item.get("id") if isinstance(item, Mapping) else None
    alias = item.get("alias") if isinstance(item, Mapping) else None
    result = CheckedAutomation(index, str(raw_id) if raw_id is not None else _default_id(alias, index),
                               str(alias) if alias is not None else "", item, None, file=file, line=line)
    data = item
    if isinstance(item, NodeDict) and "use_blueprint" in item:
        use = item.get("use_blueprint")
        result.blueprint = str(use.get("path")) if isinstance(use, Mapping) else None
        data, result.errors = blueprints.expand(item, index)
        if data is None:
            return result
    validated, errors = validate_section(DOMAIN, schema.automation, data, path=(index,), location=where)
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
            automation.file, automation.line, (DOMAIN, automation.index, "id"),
            f"id '{automation.id}' is already used by the automation{place}; give each automation its own id",
        ))
        automation.config = None


def validate_automations(hub: Hub, raw_config: Mapping[str, Any],
                         config_entities: Iterable[str] = ()) -> list[ConfigError]:
    """Every error in the config's automations, without setting anything up (check-config).

    Services are checked against what the configured plugins declare; entity ids against
    the entity registry file, the automations' own entities and ``config_entities`` (those
    other sections create: ``script.<id>``), when the hub has run and left a registry
    (references.py says why no more can be known here). The engine checks both again
    against the live hub when it arms the automations.
    """
    problem, section = section_problem(raw_config.get(DOMAIN), section_place(raw_config))
    errors = [problem] if problem is not None else []
    automations = check_automations(hub, section)
    registered = registered_entity_ids(hub.config.data_dir) if hub.config.data_dir is not None else None
    known = None if registered is None else (registered | {f"{DOMAIN}.{a.object_id}" for a in automations}
                                             | set(config_entities))
    for automation in automations:
        errors.extend(automation.errors)
        errors.extend(unknown_references(hub, automation, declared_only=True, known_entities=known))
    return errors
