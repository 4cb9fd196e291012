"""Write throwaway plugins into a site's ``plugins/`` folder, and forget them afterwards."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from xiaoqu.core.loader import SITE_PACKAGE, site_plugin_finder


def write_plugin(config_dir: Path, domain: str, code: str = "", **manifest: Any) -> Path:
    """``<config_dir>/plugins/<domain>/`` with a manifest and ``code`` as ``__init__.py``."""
    package = config_dir / "plugins" / domain
    package.mkdir(parents=True)
    data = {"domain": domain, "name": domain.title(), "version": "1.0.0", **manifest}
    (package / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    header = "from xiaoqu.core import hookimpl\nfrom xiaoqu.core.validation import vol\n"
    (package / "__init__.py").write_text(header + textwrap.dedent(code), encoding="utf-8")
    return package


@pytest.fixture
def isolated_plugins():
    """Undo what loading site plugins did to the site plugin finder and ``sys.modules``."""
    finder = site_plugin_finder()
    folders_before = dict(finder.folders)
    modules_before = set(sys.modules)
    yield write_plugin
    finder.folders = folders_before
    for name in set(sys.modules) - modules_before:
        if name.startswith(f"{SITE_PACKAGE}."):
            del sys.modules[name]
