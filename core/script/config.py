"""Checking the ``script:`` section: every script on its own.

The section is a mapping of script id → script (``script: !include scripts.yaml`` as in Home
Assistant). Each script is checked alone, so one bad script is reported with file, line and
key path (``scripts.yaml:7: script.night_round_notice.sequence[0]: ...``) and kept
unavailable while the others run. ``xiaoqu check-config`` and the running hub call the same
`check_scripts`.

An id is what ``script.<id>`` is made of: a slug (lowercase letters, digits, underscores),
and none of ``turn_on``, ``turn_off``, ``toggle``, ``reload``, which the integration's own
services take.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.config import section_place
from xiaoqu.core.automation.platforms import Platforms, collect_platforms
from xiaoqu.core.automation.references import registered_entity_ids, unknown_references
from xiaoqu.core.config import ConfigError, validate_section
from xiaoqu.core.script.const import DOMAIN, SERVICES
from xiaoqu.core.script.schema import script_schema
from xiaoqu.core.validation import entity_id, slug, vol
from xiaoqu.core.yaml_loader import NodeDict, Unresolved, location

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


@dataclass(slots=True)
class CheckedScript:
    """One script of the section, checked: its validated config, or why it is unavailable."""

    id: str
    raw: Any
    config: dict[str, Any] | None
    errors: list[ConfigError] = field(default_factory=list)
    file: str | None = None
    line: int | None = None
    #: Whether the id can make ``script.<id>`` (a script with a bad id has no entity, no service).
    valid_id: bool = True

    @property
    def ok(self) -> bool:
        return self.config is not None

    @property
    def path(self) -> tuple[str, str]:
        """Where its errors' key paths begin: ``("script", "morning")``."""
        return DOMAIN, self.id

    @property
    def alias(self) -> str:
        alias = (self.config or {}).get("alias") or (self.raw.get("alias") if isinstance(self.raw, Mapping) else None)
        return str(alias) if alias else self.id


def id_problem(key: Any) -> str | None:
    """Why ``key`` cannot be a script id, or None when it can."""
    try:
        slug(key)
        entity_id(f"{DOMAIN}.{key}")
    except vol.Invalid as err:
        return f"'{key}' is not a script id: {err.msg}"
    if key in SERVICES:
        return f"'{key}' is not a script id: script.{key} is a service of its own ({', '.join(SERVICES)} are taken)"
    return None


def script_ids(section: Any) -> list[str]:
    """The ids of the scripts in a ``script:`` section, as written (valid ones only)."""
    if not isinstance(section, Mapping):
        return []
    return [key for key in section if id_problem(key) is None]


def entity_ids(section: Any) -> list[str]:
    """``script.<id>`` of each script in a ``script:`` section (what automations may name)."""
    return [f"{DOMAIN}.{key}" for key in script_ids(section)]


def section_problem(section: Any, where: tuple[str, int] | None = None) -> ConfigError | None:
    """What is wrong with the ``script:`` section as a whole (not a mapping), if anything."""
    if section is None or isinstance(section, Mapping):
        return None
    file, line = location(section) or where or (None, None)
    if isinstance(section, Unresolved):
        return ConfigError(file, line, (DOMAIN,), "no script is loaded: the section failed to load "
                                                  "(see the error above)")
    return ConfigError(file, line, (DOMAIN,), "expected a mapping of script id: script "
                                              "(for example: script: !include scripts.yaml)")


def check_scripts(hub: Hub, section: Any, *, platforms: Platforms | None = None) -> list[CheckedScript]:
    """Check every script of ``section`` (a mapping; anything else holds none); never raises
    for a mistake in it."""
    if not isinstance(section, Mapping):
        return []
    schema = script_schema(hub, platforms or collect_platforms(hub))
    return [_check_one(schema, section, key, item) for key, item in section.items()]


def _check_one(schema: Any, section: Mapping[str, Any], key: Any, item: Any) -> CheckedScript:
    where = (section.__locations__.get(key) if isinstance(section, NodeDict) else None) or location(item)
    file, line = where or (None, None)
    result = CheckedScript(str(key), item, None, file=file, line=line)
    if (problem := id_problem(key)) is not None:
        result.errors.append(ConfigError(file, line, (DOMAIN, result.id), problem))
        result.valid_id = False
        return result
    result.config, result.errors = validate_section(DOMAIN, schema, item, path=(result.id,), location=where)
    return result


def validate_scripts(hub: Hub, raw_config: Mapping[str, Any]) -> list[ConfigError]:
    """Every error in the config's scripts, without setting anything up (check-config).

    Services and entities are checked as an automation's are (``validate_automations``),
    the scripts' own entities counting as known.
    """
    section = raw_config.get(DOMAIN)
    problem = section_problem(section, section_place(raw_config, DOMAIN))
    errors = [problem] if problem is not None else []
    scripts = check_scripts(hub, section)
    registered = registered_entity_ids(hub.config.data_dir) if hub.config.data_dir is not None else None
    known = None if registered is None else registered | set(entity_ids(section))
    for script in scripts:
        errors.extend(script.errors)
        errors.extend(unknown_references(hub, script, declared_only=True, known_entities=known))
    return errors
