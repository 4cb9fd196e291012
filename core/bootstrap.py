"""From a config file to a running hub — the one path ``xiaoqu run``, ``xiaoqu check-config``
and the tests all take, so a config that checks clean is a config that starts.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xiaoqu.core import config as conf
from xiaoqu.core.clock import Clock
from xiaoqu.core.hub import Hub, HubConfig
from xiaoqu.core.loader import Problem, Source, discover

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class Checked:
    """The result of validating a config: what ``check-config`` prints and ``run`` acts on."""

    hub_config: HubConfig | None
    raw: dict[str, Any]
    errors: list[conf.ConfigError] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    logger: dict[str, Any] = field(default_factory=dict)
    available: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not [e for e in self.errors if e.severity == "error"] and not self.problems


def _prepare(
    config_path: Path,
    clock: Clock | None,
    plugin_dirs: Iterable[Path] = (),
    log_overrides: dict[str, Any] | None = None,
) -> tuple[Hub | None, Checked]:
    loaded = conf.load_config(config_path)
    checked = Checked(None, loaded.raw, list(loaded.errors))
    if not loaded.raw and checked.errors:
        return None, checked
    core_conf, errors = loaded.validate(conf.CORE_DOMAIN, conf.CORE_SCHEMA)
    checked.errors.extend(errors)
    logger_conf, errors = loaded.validate(conf.LOGGER_DOMAIN, conf.LOGGER_SCHEMA)
    checked.errors.extend(errors)
    if not isinstance(core_conf, dict):
        core_conf = conf.CORE_SCHEMA({})
    hub_config = HubConfig.from_section(loaded.config_dir, core_conf, loaded.raw)
    checked.hub_config = hub_config
    hub = Hub(hub_config, clock=clock)
    available, discovery_problems = discover(loaded.config_dir, plugin_dirs)
    checked.logger = logger_conf if isinstance(logger_conf, dict) else conf.LOGGER_SCHEMA({})
    checked.available = available
    if log_overrides is not None:  # before any plugin is imported, so its start-up obeys too
        configure_logging(merge_log_levels(checked.logger, **log_overrides), available)
    defaults = {d for d, m in available.items() if m.source is Source.CORE}
    merging = {d for d, m in available.items() if m.info.get("labelled_sections")}
    wanted = set(defaults)
    for key in loaded.raw:
        domain = conf.domain_key(key)
        if domain is not None and domain != key and domain not in merging:  # `light kitchen:`
            known = domain in available or domain in conf.CORE_SECTIONS
            checked.errors.append(conf.labelled_section_error(loaded.raw, key, merging) if known
                                  else conf.unknown_domain_error(loaded.raw, key, available))
        elif domain in conf.CORE_SECTIONS or domain in defaults:
            continue
        elif domain in available:
            wanted.add(domain)
        else:
            checked.errors.append(conf.unknown_domain_error(loaded.raw, key, available))
    for problem in discovery_problems:
        if problem.domain in wanted:
            checked.problems.append(problem)
        else:
            _LOGGER.warning("Plugin not available: %s", problem)
    plugins = hub.plugins
    plugins.available = available
    checked.errors.extend(plugins.import_and_configure(loaded, sorted(wanted)))
    # Each automation and each script is checked on its own, not by a section schema.
    scripts: list[str] = []
    if "script" in plugins.loaded:
        from xiaoqu.core.script import entity_ids, validate_scripts

        checked.errors.extend(validate_scripts(hub, loaded.raw))
        scripts = entity_ids(loaded.raw.get("script"))
    if "automation" in plugins.loaded:
        from xiaoqu.core.automation import validate_automations

        checked.errors.extend(validate_automations(hub, loaded.raw, scripts))
    checked.problems.extend(p for p in plugins.problems if p not in checked.problems)
    return hub, checked


def check_config(config_path: Path) -> Checked:
    """Validate ``config_path`` exactly as :func:`setup_hub` would, without setting anything up."""
    _hub, checked = _prepare(config_path, None)
    return checked


async def setup_hub(
    config_path: Path,
    *,
    clock: Clock | None = None,
    plugin_dirs: Iterable[Path] = (),
    log_overrides: dict[str, Any] | None = None,
) -> tuple[Hub, Checked]:
    """Load the config, open the stores, set every plugin up (not started yet).

    With ``log_overrides`` (``{"default": level | None, "logs": {name: level}}``, from the
    command line) the ``logger:`` section is applied, overridden, as soon as it is read.

    Config errors in a plugin's section keep that plugin (and its dependents) from being set
    up and are returned; the rest of the hub is built regardless.
    """
    # Reading YAML, manifests and blueprints and importing plugins is file I/O: off the loop.
    hub, checked = await asyncio.get_running_loop().run_in_executor(
        None, _prepare, config_path, clock, tuple(plugin_dirs), log_overrides
    )
    if hub is None:
        raise SystemExit(f"cannot start: {'; '.join(str(e) for e in checked.errors)}")
    await hub.open()
    await hub.plugins.setup_all()
    checked.problems.extend(p for p in hub.plugins.problems if p not in checked.problems)
    return hub, checked


def merge_log_levels(
    logger_conf: dict[str, Any], default: str | None = None, logs: dict[str, str] | None = None
) -> dict[str, Any]:
    """The ``logger:`` section with command-line levels laid over it."""
    return {
        "default": default or logger_conf["default"],
        "logs": {**logger_conf.get("logs", {}), **(logs or {})},
    }


def configure_logging(logger_conf: dict[str, Any], available: dict[str, Any]) -> None:
    """Apply the ``logger:`` section; a plugin's domain names its module's logger."""
    logging.getLogger().setLevel(logger_conf["default"])
    for name, level in logger_conf.get("logs", {}).items():
        target = available[name].module if name in available else name
        logging.getLogger(target).setLevel(level)
