"""Loading config.yaml and turning every mistake in it into an error that names its place.

`load_config` reads the file (with its includes and secrets); each integration's section is
then checked with `validate_section` against the integration's own schema. Both give
`ConfigError`s, which read like a compiler's:

    config.yaml:42: door.readers[1].door: required key not provided

Nothing here raises for a mistake in the files: `xiaoqu check-config` prints every error at
once, and `xiaoqu run` decides what it can still start. Both run exactly this code.

The core owns two sections, `xiaoqu:` and `logger:` (`CORE_SECTIONS`); every other top-level
key names an integration, and one no plugin provides is reported with `unknown_domain_error`.
A key may carry a label after the domain (`automation kitchen:`, as in Home Assistant):
integrations whose manifest says `"labelled_sections": true` merge such sections with their
own (`domain_keys`); for the others a labelled section is an error (`labelled_section_error`).
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, Literal

from xiaoqu.core.const import DEFAULT_DATA_DIR, DEFAULT_SITE
from xiaoqu.core.validation import (
    did_you_mean,
    explain,
    format_path,
    log_level,
    number,
    slug,
    string,
    time_zone,
    vol,
)
from xiaoqu.core.yaml_loader import NodeDict, Unresolved, load_yaml, location, lookup

_LOGGER = logging.getLogger(__name__)

CORE_DOMAIN: Final = "xiaoqu"
LOGGER_DOMAIN: Final = "logger"


@dataclass(frozen=True)
class ConfigError:
    """One mistake in the config, placed where a person can find it."""

    file: str | None
    """Path relative to the config directory (`config.yaml`, `automations/morning.yaml`)."""
    line: int | None
    path: tuple[Any, ...]
    """Keys and list indices from the top of the config, domain first: ("door", "readers", 1)."""
    message: str
    severity: Literal["error", "warning"] = "error"
    """A warning (a duplicate key; later, an unknown entity) is printed but fails nothing.
    `__str__` leaves it out: the command that prints the error says which it is."""

    def __str__(self) -> str:
        """`config.yaml:42: door.readers[1].door: required key not provided`."""
        place = ""
        if self.file is not None:
            place = f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        where = format_path(self.path)
        return f"{place}{where}: {self.message}" if where else f"{place}{self.message}"


@dataclass
class LoadedConfig:
    """A config as read from disk, before any integration has checked its section."""

    file: Path
    """The main config file, absolute."""
    config_dir: Path
    """Its folder: relative paths in the config, and error file names, are relative to it."""
    raw: NodeDict
    """The top-level mapping, every value annotated with its file and line. Empty when the
    file could not be read; the reason is in `errors`."""
    errors: list[ConfigError]
    """What went wrong while reading: syntax, includes, secrets (errors); duplicate keys
    (warnings)."""

    def location(self, domain: str) -> tuple[str, int | None]:
        """Where a top-level key is written (the main file, no line, when it is absent)."""
        return self.raw.__locations__.get(domain) or (self.file.name, None)

    def validate(self, domain: str, schema: Callable[[Any], Any]) -> tuple[Any, list[ConfigError]]:
        """`validate_section` for one top-level section of this config."""
        return validate_section(domain, schema, self.raw.get(domain),
                                location=self.location(domain))


def load_config(path: str | os.PathLike[str]) -> LoadedConfig:
    """Read a config file; a file that is missing, unreadable or not a mapping is an error in
    the result, never an exception."""
    file = Path(path).absolute()
    result = load_yaml(file, config_dir=file.parent)
    errors = [ConfigError(issue.file, issue.line, issue.path, issue.message, issue.severity)
              for issue in result.issues]
    raw = result.data
    if not isinstance(raw, NodeDict):
        if raw is not None and not isinstance(raw, Unresolved):
            where = location(raw) or (file.name, 1)
            errors.append(ConfigError(*where, (), "the top level must be a mapping of "
                                                  "domain: settings"))
        raw = NodeDict()
    return LoadedConfig(file, file.parent, raw, errors)


def validate_section(
    domain: str,
    schema: Callable[[Any], Any],
    data: Any,
    *,
    path: tuple[Any, ...] = (),
    location: tuple[str | None, int | None] | None = None,
) -> tuple[Any, list[ConfigError]]:
    """Check one integration's section; return (validated, errors).

    Every problem voluptuous finds becomes its own `ConfigError`, with the file and line of
    the nearest annotated value along its path (a mapping value's key line) and the key path
    prefixed by `domain`. `path` is where `data` sits below the domain, when a part is checked
    on its own (one automation: `path=(3,)`); `location` is the place to name when the error
    is about `data` itself and `data` carries none (an empty section: `door:`).

    `validated` is None exactly when `errors` is not empty. A section holding a value that
    failed to load (a missing secret, a broken include) is not usable: the load already
    reported why, so errors at that value are not repeated, but one error says the section
    was not set up.
    """
    prefix = (domain, *path)
    broken = _holds_unresolved(data)
    try:
        validated = schema(data)
    except vol.Invalid as err:
        errors = [
            ConfigError(*_place(data, problem.error_path, location), (*prefix, *problem.path),
                        problem.detail())
            for problem in explain(data, err)
            if not _reaches_unresolved(data, problem.error_path)
        ]
    except Exception as err:  # a bug in an integration's validator must not stop the check
        _LOGGER.exception("The %s schema failed on its section", domain)
        errors = [ConfigError(*_place(data, (), location), prefix,
                              f"could not be checked: the integration's schema failed with "
                              f"{type(err).__name__} (a bug in the integration; see the log)")]
    else:
        errors = []
    if broken and not errors:
        errors = [ConfigError(*_place(data, (), location), prefix,
                              "not set up: a value in this section failed to load (see above)")]
    errors.sort(key=lambda e: (e.file or "", e.line or 0))
    return (None if errors else validated), errors


def _place(data: Any, error_path: tuple[Any, ...], fallback: tuple[str | None, int | None] | None
           ) -> tuple[str | None, int | None]:
    found = lookup(data, error_path)
    if (found.depth == 0 or found.line is None) and fallback is not None:
        return fallback
    return found.file, found.line


def _holds_unresolved(data: Any) -> bool:
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, Unresolved):
            return True
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def _reaches_unresolved(data: Any, path: tuple[Any, ...]) -> bool:
    value = data
    for step in (None, *path):
        if step is not None:
            try:
                value = value[step]
            except (KeyError, IndexError, TypeError):
                return False
        if isinstance(value, Unresolved):
            return True
    return False


def domain_key(key: Any) -> str | None:
    """The domain a top-level key names (Home Assistant's ``cv.domain_key``), or None.

    ``automation`` names ``automation``, and so does a labelled ``automation kitchen`` (the
    domain, one or more spaces, a label); a key that is not text, or ends in spaces with no
    label after them, names none.
    """
    if not isinstance(key, str):
        return None
    domain, _, label = key.partition(" ")
    if label.strip(" "):
        return domain or None
    return key if key and key.strip(" ") == key else None


def domain_keys(config: Mapping[Any, Any], domain: str) -> list[str]:
    """The top-level keys of ``domain``, labelled or not, in the file's order (Home
    Assistant's ``extract_domain_configs``): ``automation``, ``automation kitchen``..."""
    return [key for key in config if domain_key(key) == domain]


def labelled_section_error(config: Mapping[Any, Any], key: str, merging: Iterable[str]) -> ConfigError:
    """`config.yaml:12: light kitchen: 'light' takes one section: write these settings under
    'light:' (...)`: a labelled section of a domain that takes one section only (``merging``:
    the domains that merge their labelled sections, as automations do)."""
    domain = domain_key(key)
    where = (config.__locations__.get(key) if isinstance(config, NodeDict) else None)
    file, line = where or location(config) or (None, None)
    which = ", ".join(sorted(merging)) or "none"
    return ConfigError(file, line, (key,), f"'{domain}' takes one section: write these settings under '{domain}:' "
                                           f"(labelled sections are merged only for: {which})")


def unknown_domain_error(config: Mapping[Any, Any], key: Any, known: Iterable[str] = ()
                         ) -> ConfigError:
    """`config.yaml:12: frobnicate: no integration provides this domain`.

    `config` is the top-level mapping the key is in (`LoadedConfig.raw`); `known` the domains
    plugins do provide, to suggest the one a typo meant.
    """
    where = (config.__locations__.get(key) if isinstance(config, NodeDict) else None)
    file, line = where or location(config) or (None, None)
    message = "no integration provides this domain" + did_you_mean(domain_key(key) or key, known)
    return ConfigError(file, line, (key,), message)


# --- The core's own sections ------------------------------------------------------------


def _empty_as_mapping(value: Any) -> Any:
    """`logger:` with nothing under it means "all defaults"."""
    return {} if value is None else value


def _country(value: Any) -> str:
    code = string(value).upper()
    if len(code) == 2 and code.isascii() and code.isalpha():
        return code
    raise vol.Invalid("expected a two-letter country code such as CN")


def _degrees(limit: float) -> Callable[[Any], float]:
    def validate(value: Any) -> float:
        degrees = number(value)
        if not -limit <= degrees <= limit:
            raise vol.Invalid(f"expected degrees from {-limit:g} to {limit:g}")
        return degrees
    return validate


def _database_url(value: Any) -> str:
    """A PostgreSQL server for the stores that have a backend there (the ledgers, the recorder)."""
    url = string(value)
    if url.startswith(("postgresql://", "postgres://")):
        return url
    raise vol.Invalid("expected a PostgreSQL URL such as postgresql://user@host:5432/dbname")


CORE_SCHEMA: Final = vol.All(_empty_as_mapping, vol.Schema({
    vol.Optional("name", default="xiaoqu"): string,
    vol.Optional("site", default=DEFAULT_SITE): slug,
    vol.Optional("time_zone", default="Asia/Shanghai"): time_zone,
    vol.Optional("language", default="zh"): vol.In(("zh", "en"), msg="expected zh or en"),
    vol.Optional("data_dir", default=DEFAULT_DATA_DIR): string,
    # absent: every store in SQLite files in the data dir; set: the ledgers and the recorder keep
    # their tables in the schema xiaoqu_<site> there (docs/scaling.md)
    vol.Optional("database"): _database_url,
    vol.Optional("country", default="CN"): _country,
    # where the site is: the sun's times (dusk lighting, the sun trigger and condition)
    vol.Inclusive("latitude", "location", msg="latitude and longitude go together"): _degrees(90),
    vol.Inclusive("longitude", "location", msg="latitude and longitude go together"): _degrees(180),
    vol.Optional("elevation", default=0): number,
}))

LOGGER_SCHEMA: Final = vol.All(_empty_as_mapping, vol.Schema({
    vol.Optional("default", default="INFO"): log_level,
    vol.Optional("logs", default=dict): vol.All(_empty_as_mapping, {string: log_level}),
}))

CORE_SECTIONS: Final[Mapping[str, Callable[[Any], Any]]] = MappingProxyType({
    CORE_DOMAIN: CORE_SCHEMA,
    LOGGER_DOMAIN: LOGGER_SCHEMA,
})
"""The top-level keys the core owns, with their schemas; no plugin may claim them."""
