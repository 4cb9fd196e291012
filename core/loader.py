"""Finding, ordering and setting up plugins.

Plugins come from three places, through one path: the built-in ``xiaoqu.integrations``
package, the shipped ``xiaoqu.plugins`` package plus the site's own folders
(``<config dir>/plugins/<name>``, imported as ``xiaoqu_site.<name>``), and installed packages
that declare an entry point in the ``xiaoqu.plugins`` group. Each is a Python package with a
``manifest.json`` (domain, name, version, dependencies) that is read without importing it,
so only the plugins a site uses — those named in its config and what they depend on — are
imported at all.

Set-up runs in dependency order. A plugin that cannot be found, imported, configured or set
up is reported by name with the reason, and so is every plugin that depends on it; the rest
of the hub starts anyway.
"""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import logging
import sys
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import PluginError
from xiaoqu.core.hooks import hook_calls, register_plugin
from xiaoqu.core.util import await_me_maybe
from xiaoqu.core.validation import humanize_error, vol

if TYPE_CHECKING:
    from types import ModuleType

    from xiaoqu.core.config import ConfigError, LoadedConfig
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "xiaoqu.plugins"
MANIFEST = "manifest.json"
#: Site plugins (``<config dir>/plugins/<name>``) are imported as ``xiaoqu_site.<name>``.
SITE_PACKAGE = "xiaoqu_site"


class Source(StrEnum):
    CORE = "core"  # parts of the core built as plugins (http, automation); always set up
    BUILTIN = "builtin"
    LOCAL = "local"
    ENTRY_POINT = "entry_point"


MANIFEST_SCHEMA = vol.Schema(
    {
        vol.Required("domain"): vol.Match(r"^[a-z][a-z0-9_]*$", msg="must be a lower-case slug"),
        vol.Required("name"): str,
        vol.Required("version"): vol.Match(r"^\d+(\.\d+)*([.-]?[a-z0-9]+)*$", msg="must be a version like 1.0.0"),
        vol.Optional("dependencies", default=[]): [str],
        vol.Optional("after_dependencies", default=[]): [str],
        vol.Optional("requirements", default=[]): [str],
        vol.Optional("codeowners", default=[]): [str],
        vol.Optional("documentation"): str,
        vol.Optional("integration_type", default="service"): vol.In(["entity", "device", "hub", "service", "helper"]),
        vol.Optional("iot_class"): str,
        vol.Optional("description"): str,
        vol.Optional("cli", default=False): bool,  # adds commands through the xiaoqu_cli hook
        # reads `domain <label>:` sections too and merges them with `domain:` (automation)
        vol.Optional("labelled_sections", default=False): bool,
    }
)


@dataclass(slots=True)
class Manifest:
    domain: str
    name: str
    version: str
    module: str
    source: Source
    path: Path
    dependencies: list[str] = field(default_factory=list)
    after_dependencies: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Problem:
    """Why a plugin is not running; shown by ``xiaoqu run``, ``check-config`` and ``plugins``.

    A dependency problem is placed on the config section that asked for the plugin — its
    own, or that of the configured plugin that needs it (``needed_by``) — since that is the
    line a person changes: ``config.yaml:7: gate_bell (needed by gate_panel): depends on ...``.
    """

    domain: str
    stage: str  # "discover", "import", "hooks", "config", "dependency", "setup"
    message: str
    file: str | None = None
    line: int | None = None
    needed_by: str | None = None

    def __str__(self) -> str:
        place = "" if self.file is None else f"{self.file}:{self.line}: " if self.line is not None else f"{self.file}: "
        who = self.domain if self.needed_by is None else f"{self.domain} (needed by {self.needed_by})"
        return f"{place}{who}: {self.message}"


def read_manifest(package_dir: Path, module: str, source: Source) -> Manifest:
    path = package_dir / MANIFEST
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise PluginError(f"{path}: cannot read manifest: {err}") from None
    try:
        data = MANIFEST_SCHEMA(raw)
    except vol.Invalid as err:
        raise PluginError(f"{path}: {humanize_error(raw, err)}") from None
    return Manifest(
        domain=data.pop("domain"),
        name=data.pop("name"),
        version=data.pop("version"),
        module=module,
        source=source,
        path=package_dir,
        dependencies=data.pop("dependencies"),
        after_dependencies=data.pop("after_dependencies"),
        info=data,
    )


def _package_dirs(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(p) for p in spec.submodule_search_locations]


def _plugin_folders(root: Path) -> Iterable[Path]:
    if root.is_dir():
        for child in sorted(root.iterdir()):
            if (child / MANIFEST).is_file() and (child / "__init__.py").is_file():
                yield child


def _read_all(folders: Iterable[tuple[Path, str]], source: Source, problems: list[Problem]) -> Iterable[Manifest]:
    for folder, module in folders:
        try:
            yield read_manifest(folder, module, source)
        except PluginError as err:
            problems.append(Problem(folder.name, "discover", str(err)))


def _scan(package: str, source: Source, problems: list[Problem]) -> Iterable[Manifest]:
    folders = [(child, f"{package}.{child.name}") for root in _package_dirs(package) for child in _plugin_folders(root)]
    return _read_all(folders, source, problems)


class SitePluginFinder(importlib.abc.MetaPathFinder):
    """Imports ``xiaoqu_site.<name>`` from the site folder that holds ``<name>``.

    Site folders belong to the site, not to an installed package: they are found here, so no
    package's ``__path__`` is changed and nothing the site drops in can shadow the project's own
    modules. Submodules of a site plugin are found through the plugin's own ``__path__``.
    """

    def __init__(self) -> None:
        self.folders: dict[str, Path] = {}

    def add(self, roots: Iterable[Path], problems: list[Problem]) -> list[tuple[Path, str]]:
        """Learn the plugins in ``roots``; their folders and import names, in order."""
        found: list[tuple[Path, str]] = []
        for root in roots:
            for child in _plugin_folders(root):
                known = self.folders.setdefault(child.name, child.resolve())
                if known != child.resolve():
                    problems.append(Problem(child.name, "discover", f"{child}: a site plugin of this name is in {known}"))
                    continue
                found.append((child, f"{SITE_PACKAGE}.{child.name}"))
        return found

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if fullname == SITE_PACKAGE:
            return importlib.machinery.ModuleSpec(fullname, None, is_package=True)  # a namespace
        package, _, name = fullname.partition(".")
        if package != SITE_PACKAGE or name not in self.folders:
            return None
        folder = self.folders[name]
        return importlib.util.spec_from_file_location(
            fullname, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )


def site_plugin_finder() -> SitePluginFinder:
    """The one finder on ``sys.meta_path`` for site plugins, installed on first use."""
    for finder in sys.meta_path:
        if isinstance(finder, SitePluginFinder):
            return finder
    finder = SitePluginFinder()
    sys.meta_path.append(finder)
    return finder


def _entry_points(problems: list[Problem]) -> Iterable[Manifest]:
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            spec = importlib.util.find_spec(ep.module)
        except (ImportError, ValueError) as err:
            spec, reason = None, str(err)
        else:
            reason = "module not found"
        if spec is None or not spec.submodule_search_locations:
            problems.append(Problem(ep.name, "discover", f"entry point {ep.value}: {reason} (it must be a package)"))
            continue
        try:
            yield read_manifest(Path(next(iter(spec.submodule_search_locations))), ep.module, Source.ENTRY_POINT)
        except PluginError as err:
            problems.append(Problem(ep.name, "discover", str(err)))


def discover(
    config_dir: Path | None = None, plugin_dirs: Iterable[Path] = ()
) -> tuple[dict[str, Manifest], list[Problem]]:
    """Every plugin available, by domain, and the problems met on the way.

    Site plugins live in ``<config dir>/plugins/`` and in any extra ``plugin_dirs``.

    The core's own plugins (``core/<name>/manifest.json``) are always set up and cannot be
    replaced. A local or installed plugin may replace a built-in integration of the same domain (it is
    logged); two non-built-in plugins with one domain are both refused, named in the problem.
    """
    problems: list[Problem] = []
    # A site whose config sits in the repository has the shipped plugins as its plugins/ folder.
    shipped = {folder.resolve() for folder in _package_dirs("xiaoqu.plugins")}
    roots = [*([config_dir / "plugins"] if config_dir else []), *plugin_dirs]
    site = site_plugin_finder().add([root for root in roots if root.resolve() not in shipped], problems)
    found: dict[str, Manifest] = {m.domain: m for m in _scan("xiaoqu.core", Source.CORE, problems)}
    found.update((m.domain, m) for m in _scan("xiaoqu.integrations", Source.BUILTIN, problems))
    clashes: dict[str, list[Manifest]] = {}
    local = [*_scan("xiaoqu.plugins", Source.LOCAL, problems), *_read_all(site, Source.LOCAL, problems)]
    for manifest in [*local, *_entry_points(problems)]:
        current = found.get(manifest.domain)
        if current is not None and current.source is Source.CORE:
            problems.append(Problem(manifest.domain, "discover", f"{manifest.module}: '{manifest.domain}' is part of the core"))
            continue
        if current is not None and current.source is not Source.BUILTIN and current.module != manifest.module:
            clashes.setdefault(manifest.domain, [current]).append(manifest)
            continue
        if current is not None and current.source is Source.BUILTIN:
            _LOGGER.warning("%s from %s replaces the built-in integration %s", manifest.module, manifest.source, current.module)
        found[manifest.domain] = manifest
    for domain, manifests in clashes.items():
        del found[domain]
        where = ", ".join(f"{m.module} ({m.source})" for m in manifests)
        problems.append(Problem(domain, "discover", f"duplicate domain: provided by {where}; none of them is loaded"))
    return found, problems


def setup_order(wanted: Iterable[str], available: dict[str, Manifest]) -> tuple[list[str], list[Problem]]:
    """The wanted domains and their dependencies, dependencies first.

    Returns the order and the problems: a missing dependency or a cycle fails the plugins
    involved and those depending on them, not the others.
    """
    order: list[str] = []
    problems: dict[str, Problem] = {}
    state: dict[str, str] = {}  # "visiting" | "done" | "failed"

    def visit(domain: str, chain: list[str]) -> bool:
        if state.get(domain) == "done":
            return True
        if state.get(domain) == "failed":
            return False
        if state.get(domain) == "visiting":
            cycle = " → ".join([*chain[chain.index(domain):], domain])
            for member in chain[chain.index(domain):]:
                problems.setdefault(member, Problem(member, "dependency", f"dependency cycle: {cycle}"))
                state[member] = "failed"
            return False
        manifest = available.get(domain)
        if manifest is None:
            return False
        state[domain] = "visiting"
        ok = True
        for dep in manifest.dependencies:
            if dep not in available:
                problems.setdefault(domain, Problem(domain, "dependency", f"depends on '{dep}', which no plugin provides"))
                ok = False
            elif not visit(dep, [*chain, domain]):
                problems.setdefault(domain, Problem(domain, "dependency", f"depends on '{dep}', which cannot be set up"))
                ok = False
        for dep in manifest.after_dependencies:
            if dep in wanted_set and dep in available:
                visit(dep, [*chain, domain])
        if state.get(domain) == "failed":
            return False
        state[domain] = "done" if ok else "failed"
        if ok:
            order.append(domain)
        return ok

    wanted_set = set(wanted)
    for domain in sorted(wanted_set):
        if domain not in available:
            problems[domain] = Problem(domain, "discover", "no integration or plugin provides this domain")
            continue
        visit(domain, [])
    return order, list(problems.values())


@dataclass(slots=True)
class Plugin:
    manifest: Manifest
    module: ModuleType
    config: Any = None


class PluginSet:
    """The plugins a hub set up, in order, and those that failed with why."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.available: dict[str, Manifest] = {}
        self.loaded: dict[str, Plugin] = {}  # imported and configured, in set-up order
        self.running: list[str] = []
        self.problems: list[Problem] = []
        #: ``domain.service`` names the loaded plugins declare (``xiaoqu_services``).
        self.declared_services: set[str] = set()
        self._config: LoadedConfig | None = None

    def import_and_configure(self, loaded: LoadedConfig, wanted: Iterable[str]) -> list[ConfigError]:
        """Import the wanted plugins, register their hooks and validate their config sections.

        Returns the ConfigErrors of every section; a plugin with an invalid section is not
        set up. Used alike by ``xiaoqu run`` and ``xiaoqu check-config``.
        """
        self._config = loaded
        order, problems = setup_order(wanted, self.available)
        self.problems.extend(self._placed(problem) for problem in problems)
        config_errors: list[ConfigError] = []
        failed: set[str] = {p.domain for p in problems}
        for domain in order:
            manifest = self.available[domain]
            if blocked := [d for d in manifest.dependencies if d in failed]:
                failed.add(domain)
                self.problems.append(self._placed(
                    Problem(domain, "dependency", f"depends on '{blocked[0]}', which cannot be set up")))
                continue
            try:
                module = importlib.import_module(manifest.module)
            except Exception as err:  # a plugin's import may raise anything
                failed.add(domain)
                _LOGGER.debug("Import of %s failed", manifest.module, exc_info=True)
                self.problems.append(Problem(domain, "import", f"failed to import {manifest.module}: {_describe(err)}"))
                continue
            if not self.hub.pm.is_registered(module):
                try:
                    register_plugin(self.hub.pm, domain, module)
                except PluginError as err:
                    failed.add(domain)
                    self.problems.append(Problem(domain, "hooks", str(err)))
                    continue
            schemas = [s for call in hook_calls(self.hub.pm, "xiaoqu_config_schema", plugin=domain)
                       if (s := call()) is not None]
            section = loaded.raw.get(domain)
            if schemas:
                section, errors = loaded.validate(domain, schemas[0])
                if errors:
                    config_errors.extend(errors)
                    failed.add(domain)
                    self.hub.pm.unregister(name=domain)
                    self.problems.append(Problem(domain, "config", f"invalid configuration ({len(errors)} error(s))"))
                    continue
            self.loaded[domain] = Plugin(manifest, module, section)
            for call in hook_calls(self.hub.pm, "xiaoqu_services", {"config": section}, plugin=domain):
                self.declared_services.update(call() or ())
        return config_errors

    async def setup_all(self) -> None:
        """Set each loaded plugin up, dependencies first; a failure skips its dependents."""
        failed = {p.domain for p in self.problems}
        for domain, plugin in self.loaded.items():
            if blocked := [d for d in plugin.manifest.dependencies if d in failed]:
                failed.add(domain)
                self.hub.pm.unregister(name=domain)
                self.problems.append(self._placed(
                    Problem(domain, "dependency", f"depends on '{blocked[0]}', which failed to set up")))
                continue
            try:
                setup = {"hub": self.hub, "config": plugin.config}
                for call in hook_calls(self.hub.pm, "xiaoqu_setup", setup, plugin=domain):
                    await await_me_maybe(call())
            except Exception as err:
                failed.add(domain)
                self.hub.pm.unregister(name=domain)
                # A PluginError says what to change in one sentence; a traceback would bury it.
                _LOGGER.error("Set-up of %s failed: %s", domain, _describe(err), exc_info=not isinstance(err, PluginError))
                self.problems.append(Problem(domain, "setup", f"set-up failed: {_describe(err)}"))
                continue
            self.running.append(domain)
            _LOGGER.info("Set up %s %s (%s)", domain, plugin.manifest.version, plugin.manifest.source)

    def _placed(self, problem: Problem) -> Problem:
        """``problem`` placed on the first config section (in the file's order) that asked for
        its plugin: the plugin's own, or one of a plugin that depends on it, directly or not."""
        config = self._config
        if config is None or problem.stage != "dependency":
            return problem
        for key in config.raw:
            if key == problem.domain or self._depends_on(key, problem.domain):
                file, line = config.location(key)
                return replace(problem, file=file, line=line, needed_by=None if key == problem.domain else key)
        return problem

    def _depends_on(self, domain: str, dependency: str) -> bool:
        """Whether ``domain``'s plugin needs ``dependency``, directly or through others."""
        seen: set[str] = set()
        stack = [domain]
        while stack:
            manifest = self.available.get(stack.pop())
            for dep in manifest.dependencies if manifest is not None else ():
                if dep == dependency:
                    return True
                if dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        return False

    async def stop_all(self) -> None:
        for domain in reversed(self.running):
            try:
                for call in hook_calls(self.hub.pm, "xiaoqu_stop", {"hub": self.hub}, plugin=domain):
                    await await_me_maybe(call())
            except Exception:
                _LOGGER.exception("Error stopping %s", domain)
        self.running.clear()


def _describe(err: BaseException) -> str:
    last = traceback.extract_tb(err.__traceback__)[-1:] if err.__traceback__ else []
    where = f" ({Path(last[0].filename).name}:{last[0].lineno})" if last else ""
    return f"{type(err).__name__}: {err}{where}"

