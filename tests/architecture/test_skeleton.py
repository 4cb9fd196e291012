"""Every integration and plugin has the skeleton (tests/architecture/skeleton.py says what it
is and why; tests/core/test_cli.py checks the scaffold's), and the rules find what they are for."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.architecture.skeleton import ROOT, packages, skeleton_problems


def _id(package: Path) -> str:
    return str(package.relative_to(ROOT))


@pytest.mark.parametrize("package", packages(), ids=_id)
def test_every_integration_and_plugin_has_the_skeleton(package: Path) -> None:
    assert skeleton_problems(package) == []


def test_the_rules_find_what_they_are_for(tmp_path: Path) -> None:
    """A package that breaks each rule is told each, so a passing run means something."""
    package = tmp_path / "gate_bell"
    package.mkdir()
    (package / "manifest.json").write_text(json.dumps({"domain": "gate_bell"}), encoding="utf-8")
    (package / "const.py").write_text('DOMAIN = "gate_ball"\n', encoding="utf-8")
    (package / "__init__.py").write_text(
        "from xiaoqu.core import hookimpl\n"
        "RETRIES = 3\n"
        "def helper():\n    pass\n"
        "@hookimpl\ndef xiaoqu_config_schema():\n    return vol.Schema({})\n"
        "@hookimpl\ndef xiaoqu_services():\n    return ['gate_bell.ring']\n"
        "@hookimpl\nasync def xiaoqu_setup(hub, config):\n"
        "    for name in config:\n        hub.services.register('gate_bell', name, print)\n",
        encoding="utf-8",
    )
    assert skeleton_problems(package) == [
        "const.py does not define DOMAIN = 'gate_bell'",
        "__init__.py:2: defines RETRIES; only hooks and re-exports belong there",
        "__init__.py:3: defines helper; only hooks and re-exports belong there",
        "__init__.py:13: xiaoqu_setup holds logic (For); call into a module instead",
        "takes a config but schema.py does not define CONFIG_SCHEMA",
        "xiaoqu_config_schema does not return CONFIG_SCHEMA",
        "declares services but services.py has no table (SERVICES or service_table)",
        "xiaoqu_services does not return service_names(DOMAIN, <the table>)",
        "gate_bell/__init__.py:14: registers a service outside the services table",
    ]
