"""The docs stay true to the code: every hook is documented, every core module is on the map."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from xiaoqu.core import hookspecs

DOCS = Path(__file__).resolve().parents[2] / "docs"
HOOKS = sorted(name for name, obj in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("xiaoqu_"))


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_section_in_plugins_md(hook):
    text = (DOCS / "plugins.md").read_text(encoding="utf-8")
    signature = ", ".join(inspect.signature(getattr(hookspecs, hook)).parameters)
    assert f"### {hook}({signature})" in text


def test_every_core_module_is_on_the_architecture_map():
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    core = DOCS.parent / "core"
    modules = [p for p in core.glob("*.py") if p.name not in {"__init__.py", "const.py", "errors.py", "util.py"}]
    modules += [p for p in core.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    missing = [p.name for p in modules if f"core/{p.stem if p.is_file() else p.name}" not in text]
    assert not missing, f"docs/architecture.md does not mention: {missing}"
