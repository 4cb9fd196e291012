"""The rules of the house, read from the source: the core imports no integration, and an
integration or plugin imports another only when its manifest declares it.

A plugin that imports one it does not declare works by luck — the other happens to be set up
first — and breaks at a site that does not configure it. The old top-level names (``core``,
``integrations``, ``plugins``) are refused too: the project installs under ``xiaoqu.``.
"""
from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGIN_ROOTS = {"integrations": ROOT / "integrations", "plugins": ROOT / "plugins"}
OLD_NAMES = {"core", "integrations", "plugins"}


def imported_modules(path: Path) -> Iterator[tuple[int, str]]:
    """Every absolute module name ``path`` imports, with its line (relative imports stay inside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for alias in node.names:  # ``from xiaoqu.integrations import mqtt`` imports a plugin
                yield node.lineno, f"{node.module}.{alias.name}"


def sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def plugin_of(module: str) -> str | None:
    """``xiaoqu.integrations.mqtt.topic`` → ``mqtt``; None for anything that is no plugin."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[0] == "xiaoqu" and parts[1] in PLUGIN_ROOTS:
        return parts[2]
    return None


def test_the_core_imports_no_integration_and_no_plugin() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: imports {name}"
             for path in sources(ROOT / "core") for line, name in imported_modules(path)
             if plugin_of(name) is not None]
    assert found == []


def test_nothing_imports_the_old_top_level_names() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: imports {name}"
             for folder in ("core", "integrations", "plugins", "tests", "bench")
             for path in sources(ROOT / folder) for line, name in imported_modules(path)
             if name.split(".")[0] in OLD_NAMES]
    assert found == []


def _plugins() -> list[Path]:
    return sorted(p.parent for root in PLUGIN_ROOTS.values() for p in root.glob("*/manifest.json"))


@pytest.mark.parametrize("package", _plugins(), ids=lambda p: p.name)
def test_a_plugin_imports_only_the_plugins_its_manifest_declares(package: Path) -> None:
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    declared = {manifest["domain"], *manifest.get("dependencies", ()), *manifest.get("after_dependencies", ())}
    found = [f"{path.relative_to(ROOT)}:{line}: imports {name}, not in its manifest's dependencies"
             for path in sources(package) for line, name in imported_modules(path)
             if (other := plugin_of(name)) is not None and other not in declared]
    assert found == []


#: Integrations for demos and tests: nothing that runs a real site may need them.
DEMO_ONLY = {"simulator"}


@pytest.mark.parametrize("package", _plugins(), ids=lambda p: p.name)
def test_no_plugin_names_a_demo_integration_in_its_manifest(package: Path) -> None:
    """Set-up order must not be bent for the demo: a device that is not up at the first poll
    is unavailable until it answers (the simulator's Modbus server included)."""
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    named = {*manifest.get("dependencies", ()), *manifest.get("after_dependencies", ())}
    assert named & DEMO_ONLY == set()
