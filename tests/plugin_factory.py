"""Write throwaway plugins into a site's ``plugins/`` folder, and forget them afterwards."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest


def write_plugin(config_dir: Path, domain: str, code: str = "", **manifest: Any) -> Path:
    """``<config_dir>/plugins/<domain>/`` with a manifest and ``code`` as ``__init__.py``."""
    package = config_dir / "plugins" / domain
    package.mkdir(parents=True)
    data = {"domain": domain, "name": domain.title(), "version": "1.0.0", **manifest}
    (package / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    header = "from core import hookimpl\nfrom core.validation import vol\n"
    (package / "__init__.py").write_text(header + textwrap.dedent(code), encoding="utf-8")
    return package


@pytest.fixture
def isolated_plugins():
    """Undo what loading site plugins did to ``plugins.__path__`` and ``sys.modules``."""
    import plugins

    path_before = list(plugins.__path__)
    modules_before = set(sys.modules)
    yield write_plugin
    plugins.__path__[:] = path_before
    for name in set(sys.modules) - modules_before:
        if name.startswith("plugins."):
            del sys.modules[name]
