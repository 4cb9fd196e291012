"""Plugin discovery, dependency order and failure isolation, on real packages in a site folder."""
from __future__ import annotations

import json
from pathlib import Path

from xiaoqu.core.bootstrap import check_config, setup_hub
from xiaoqu.core.loader import Manifest, Source, discover, setup_order
from xiaoqu.core.testing import write_config

RECORDING_PLUGIN = """
ORDER = []

@hookimpl
def xiaoqu_setup(hub, config):
    hub.data.setdefault("order", []).append(__name__.rsplit(".", 1)[-1])
"""


def _manifest(domain: str, deps: list[str] = ()) -> Manifest:
    return Manifest(domain, domain, "1.0", f"x.{domain}", Source.LOCAL, Path("."), list(deps))


def test_setup_order_puts_dependencies_first():
    available = {d.domain: d for d in [_manifest("door", ["access"]), _manifest("access", ["residents"]), _manifest("residents")]}
    order, problems = setup_order(["door"], available)
    assert order == ["residents", "access", "door"]
    assert problems == []


def test_missing_dependency_fails_only_the_dependents():
    available = {d.domain: d for d in [_manifest("door", ["access"]), _manifest("notices")]}
    order, problems = setup_order(["door", "notices"], available)
    assert order == ["notices"]
    assert [str(p) for p in problems] == ["door: depends on 'access', which no plugin provides"]


def test_cycle_is_named_and_others_still_set_up():
    available = {d.domain: d for d in [_manifest("a", ["b"]), _manifest("b", ["a"]), _manifest("c")]}
    order, problems = setup_order(["a", "c"], available)
    assert order == ["c"]
    assert any("dependency cycle: a → b → a" in str(p) for p in problems)


def test_unknown_wanted_domain_is_a_problem():
    order, problems = setup_order(["nothing_here"], {})
    assert order == [] and problems[0].message == "no integration or plugin provides this domain"


async def test_site_plugins_set_up_in_dependency_order(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "lq_base", RECORDING_PLUGIN)
    isolated_plugins(tmp_path, "lq_top", RECORDING_PLUGIN, dependencies=["lq_base"])
    hub, checked = await setup_hub(write_config(tmp_path, {"lq_top": None}))
    try:
        assert checked.ok, checked
        assert hub.data["order"] == ["lq_base", "lq_top"]
        assert [d for d in hub.plugins.running if d.startswith("lq_")] == ["lq_base", "lq_top"]
    finally:
        await hub.stop()


async def test_failures_are_reported_by_name_and_the_rest_runs(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "lf_ok", RECORDING_PLUGIN)
    raises = "@hookimpl\ndef xiaoqu_setup(hub, config):\n    raise RuntimeError('no serial port')\n"
    isolated_plugins(tmp_path, "lf_raises", raises)
    isolated_plugins(tmp_path, "lf_dependent", RECORDING_PLUGIN, dependencies=["lf_raises"])
    isolated_plugins(tmp_path, "lf_broken_import", "import does_not_exist\n")
    isolated_plugins(tmp_path, "lf_async", "@hookimpl\nasync def xiaoqu_setup(hub, config):\n    hub.data['async_ran'] = True\n")
    config = {name: None for name in ["lf_ok", "lf_raises", "lf_dependent", "lf_broken_import", "lf_async"]}
    hub, checked = await setup_hub(write_config(tmp_path, config))
    try:
        problems = {p.domain: p.message for p in checked.problems}
        assert problems["lf_raises"].startswith("set-up failed: RuntimeError: no serial port")
        assert problems["lf_dependent"] == "depends on 'lf_raises', which failed to set up"
        assert "failed to import xiaoqu_site.lf_broken_import: ModuleNotFoundError" in problems["lf_broken_import"]
        assert "lf_ok" in hub.plugins.running and "lf_async" in hub.plugins.running
        assert hub.data["async_ran"] is True
        assert not hub.pm.has_plugin("lf_raises"), "a failed plugin's hooks are withdrawn"
    finally:
        await hub.stop()


def test_plugin_config_is_validated_with_file_line_and_path(tmp_path, isolated_plugins):
    isolated_plugins(
        tmp_path,
        "lc_door",
        """
        @hookimpl
        def xiaoqu_config_schema():
            return vol.Schema({"readers": [{vol.Required("door"): str, "name": str}]})
        """,
    )
    write_config(tmp_path, "xiaoqu:\n  site: demo\nlc_door:\n  readers:\n    - door: east\n    - name: west\nfrobnicate: 1\n")
    checked = check_config(tmp_path / "config.yaml")
    messages = [str(e) for e in checked.errors]
    assert "config.yaml:6: lc_door.readers[1].door: required key not provided" in messages
    assert "config.yaml:7: frobnicate: no integration provides this domain" in messages
    assert not checked.ok


def test_bad_manifest_is_reported_with_its_file(tmp_path, isolated_plugins):
    package = isolated_plugins(tmp_path, "lm_bad")
    (package / "manifest.json").write_text(json.dumps({"domain": "lm_bad", "name": "x"}))
    _available, problems = discover(tmp_path)
    assert any(p.domain == "lm_bad" and "manifest.json" in p.message and "version" in p.message for p in problems)


def test_local_plugin_may_not_replace_the_core(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "http")
    available, problems = discover(tmp_path)
    assert available["http"].source is Source.CORE
    assert any(p.domain == "http" and "part of the core" in p.message for p in problems)


async def test_a_misspelled_hook_fails_its_plugin_with_a_hint_and_the_rest_runs(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "lh_typo", "@hookimpl\ndef xiaoqu_setpu(hub, config):\n    hub.data['typo_ran'] = True\n")
    isolated_plugins(tmp_path, "lh_dependent", RECORDING_PLUGIN, dependencies=["lh_typo"])
    isolated_plugins(tmp_path, "lh_ok", RECORDING_PLUGIN)
    hub, checked = await setup_hub(write_config(tmp_path, {"lh_typo": None, "lh_dependent": None, "lh_ok": None}))
    try:
        problems = {p.domain: p for p in checked.problems}
        assert str(problems["lh_typo"]) == "lh_typo: unknown hook 'xiaoqu_setpu' (did you mean 'xiaoqu_setup'?)"
        assert problems["lh_typo"].stage == "hooks"
        assert problems["lh_dependent"].message == "depends on 'lh_typo', which cannot be set up"
        assert "lh_ok" in hub.plugins.running and "lh_typo" not in hub.plugins.running
        assert not hub.pm.has_plugin("lh_typo") and "typo_ran" not in hub.data
    finally:
        await hub.stop()


def test_check_config_names_a_misspelled_hook_and_a_hook_argument_it_does_not_have(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "lh_services", "@hookimpl\ndef xiaoqu_servcies():\n    return []\n")
    isolated_plugins(tmp_path, "lh_args", "@hookimpl\ndef xiaoqu_setup(hub, cfg):\n    pass\n")
    checked = check_config(write_config(tmp_path, {"lh_services": None, "lh_args": None}))
    problems = {p.domain: p.message for p in checked.problems}
    assert problems["lh_services"] == "unknown hook 'xiaoqu_servcies' (did you mean 'xiaoqu_services'?)"
    assert problems["lh_args"].startswith("Plugin 'lh_args' for hook 'xiaoqu_setup' hookimpl definition: xiaoqu_setup(hub, cfg)")
    assert "{'cfg'}" in problems["lh_args"]
