"""The ``xiaoqu`` command line, run as a person runs it: a real process."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.architecture.skeleton import skeleton_problems

ROOT = Path(__file__).resolve().parents[2]
XIAOQU = [sys.executable, "-m", "xiaoqu.core.cli"]


def xiaoqu(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*XIAOQU, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})}
    )


def test_version_and_help(tmp_path):
    assert xiaoqu("--version", cwd=tmp_path).stdout.startswith("xiaoqu ")
    for command in ["run", "check-config", "plugins", "new-plugin"]:
        result = xiaoqu(command, "--help", cwd=tmp_path)
        assert result.returncode == 0 and "usage: xiaoqu" in result.stdout, command


def test_check_config_lists_every_error_and_exits_1(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "xiaoqu:\n  site: Demo Site\n  time_zone: Mars/Olympus\nlogger:\n  default: loud\nfrobnicate: {}\n",
        encoding="utf-8",
    )
    result = xiaoqu("check-config", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any(line.startswith("error: config.yaml:2: xiaoqu.site:") for line in lines), lines
    assert any(line.startswith("error: config.yaml:3: xiaoqu.time_zone:") for line in lines), lines
    assert any(line.startswith("error: config.yaml:5: logger.default:") for line in lines), lines
    assert "error: config.yaml:6: frobnicate: no integration provides this domain" in lines
    assert lines[-1] == "config.yaml: 4 error(s), 0 warning(s)"


def test_check_config_good_config_exits_0(tmp_path):
    (tmp_path / "config.yaml").write_text("xiaoqu:\n  site: test\n", encoding="utf-8")
    result = xiaoqu("check-config", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "configuration is valid" in result.stdout


def test_check_config_missing_file(tmp_path):
    result = xiaoqu("check-config", "-c", "nope.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert "nope.yaml" in result.stderr


def test_new_plugin_refuses_a_name_with_a_trailing_newline(tmp_path):
    from xiaoqu.core.cli.scaffold import write_plugin

    with pytest.raises(ValueError, match="must be lower case letters"):
        write_plugin("gate_bell\n", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_new_plugin_writes_a_working_plugin_with_a_passing_test(tmp_path):
    result = xiaoqu("new-plugin", "gate_bell", "--dir", str(tmp_path / "plugins"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "gate_bell:" in result.stdout
    package = tmp_path / "plugins" / "gate_bell"
    assert {p.name for p in package.iterdir()} >= {"__init__.py", "manifest.json", "test_plugin.py", "pyproject.toml"}
    assert skeleton_problems(package) == [], "the scaffold has the shape every integration has"
    again = xiaoqu("new-plugin", "gate_bell", "--dir", str(tmp_path / "plugins"), cwd=tmp_path)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert xiaoqu("new-plugin", "Bad-Name", cwd=tmp_path).returncode == 1

    (tmp_path / "config.yaml").write_text("gate_bell:\n  greeting: hi\n", encoding="utf-8")
    listed = xiaoqu("plugins", "-c", "config.yaml", cwd=tmp_path)
    row = next(line for line in listed.stdout.splitlines() if line.startswith("gate_bell"))
    assert "0.1.0" in row and "local" in row and row.endswith("used"), row

    # Its own test passes, run from the site folder where the plugin lives.
    tested = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(package)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "2 passed" in tested.stdout


def test_an_automation_using_the_scaffolds_service_checks_without_a_warning(tmp_path):
    """Its service is declared (check-config knows it) and answers through ``response_variable``."""
    assert xiaoqu("new-plugin", "gate_bell", "--dir", str(tmp_path / "plugins"), cwd=tmp_path).returncode == 0
    (tmp_path / "config.yaml").write_text(
        "gate_bell:\n"
        "automation:\n"
        "  - id: greet_visitors\n"
        "    triggers: [{trigger: event, event_type: visitor_arrived}]\n"
        "    actions:\n"
        "      - action: gate_bell.greet\n"
        "        data: {name: '{{ trigger.event.data.name }}'}\n"
        "        response_variable: greeting\n"
        "      - event: visitor_greeted\n"
        "        event_data: {message: '{{ greeting.message }}'}\n",
        encoding="utf-8",
    )
    checked = xiaoqu("check-config", "--strict", "-c", "config.yaml", cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert "warning" not in checked.stdout + checked.stderr


def test_plugin_installed_as_its_own_package_loads_through_the_entry_point(tmp_path):
    source = tmp_path / "src"
    assert xiaoqu("new-plugin", "ep_bell", "--dir", str(source), cwd=tmp_path).returncode == 0
    target = tmp_path / "site-packages"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target),
         str(source / "ep_bell")],
        capture_output=True, text=True, timeout=300,
    )
    if install.returncode != 0 and "setuptools" in install.stderr and "No module named" in install.stderr:
        pytest.skip("setuptools is not installed in this Python")
    assert install.returncode == 0, install.stderr
    site = tmp_path / "site"
    site.mkdir()
    (site / "config.yaml").write_text("ep_bell:\n  greeting: 您好\n", encoding="utf-8")
    env = {"PYTHONPATH": f"{target}{os.pathsep}{ROOT}"}
    listed = xiaoqu("plugins", "-c", "config.yaml", cwd=site, env=env)
    row = next(line for line in listed.stdout.splitlines() if line.startswith("ep_bell"))
    assert "entry_point" in row and "xiaoqu_ep_bell" in row and row.endswith("used"), row
    checked = xiaoqu("check-config", "-c", "config.yaml", cwd=site, env=env)
    assert checked.returncode == 0, checked.stderr


def test_run_starts_logs_plugins_and_stops_cleanly_on_sigint(tmp_path):
    (tmp_path / "config.yaml").write_text("xiaoqu:\n  site: cli_test\nhttp:\n  server_port: 0\n", encoding="utf-8")
    proc = subprocess.Popen(
        [*XIAOQU, "run", "-c", "config.yaml"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = []
    deadline = time.monotonic() + 60
    try:
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            output.append(line)
            if "xiaoqu is running site 'cli_test'" in line:
                break
        assert any("xiaoqu is running" in line for line in output), "".join(output)
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    text = "".join(output) + rest
    assert proc.returncode == 0, text
    assert "Traceback" not in text
    assert "Received SIGINT, stopping" in text and "Stopped" in text
    assert (tmp_path / ".xiaoqu" / "recorder.db").exists(), "data lives beside the config"


def test_check_config_warns_about_a_service_no_configured_plugin_provides(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "automation:\n"
        "  - id: reload_all\n"
        "    triggers:\n"
        "      - trigger: event\n"
        "        event_type: reload_please\n"
        "    actions:\n"
        "      - action: automation.reload\n"
        "      - action: automation.relaod\n",
        encoding="utf-8",
    )
    result = xiaoqu("check-config", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: config.yaml:8: automation[0].actions[1].action: "
        "unknown service automation.relaod (no plugin in this config provides it)"
    ]


async def test_data_dir_and_stores_are_private_to_the_hub_user(tmp_path):
    from xiaoqu.core.testing import running_hub

    async with running_hub(tmp_path, {}) as hub:
        store = await hub.storage.open("privacy_check")
        await store.table("t").insert({"hash": "x"})
    data_dir = tmp_path / ".xiaoqu"
    assert data_dir.stat().st_mode & 0o777 == 0o700
    assert (data_dir / "privacy_check.json").stat().st_mode & 0o777 == 0o600
    assert (data_dir / "recorder.db").stat().st_mode & 0o777 == 0o600


def test_check_config_counts_each_error_once(tmp_path):
    (tmp_path / "config.yaml").write_text("http:\n  server_prot: 8123\n", encoding="utf-8")
    result = xiaoqu("check-config", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: config.yaml:2: http: 'server_prot' is not a valid option (did you mean 'server_port'?)",
        "config.yaml: 1 error(s), 0 warning(s)",
    ]


def test_check_config_suggests_the_key_a_typo_meant(tmp_path):
    (tmp_path / "config.yaml").write_text(
        "http:\n"
        "  server_prot: 8123\n"
        "automation:\n"
        "  - id: night\n"
        "    trigers:\n"
        "      - trigger: state\n"
        "        entity_di: binary_sensor.gate\n"
        "    triggers:\n"
        "      - trigger: stat\n"
        "    actions:\n"
        "      - acton: automation.reload\n"
        "      - action: automation.reload\n"
        "        dta: {}\n",
        encoding="utf-8",
    )
    result = xiaoqu("check-config", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "error: config.yaml:2: http: 'server_prot' is not a valid option (did you mean 'server_port'?)" in errors
    assert "error: config.yaml:5: automation[0]: 'trigers' is not a valid option" in errors  # triggers is there
    assert any(line.startswith("error: config.yaml:9: automation[0].triggers[0]: Unexpected value for trigger: "
                               "'stat'.") and line.endswith("(did you mean 'state'?)") for line in errors), errors
    assert any(line.startswith("error: config.yaml:11: automation[0].actions[0]: unknown step "
                               "(did you mean 'action'?):") for line in errors), errors
    assert "error: config.yaml:13: automation[0].actions[1]: 'dta' is not a valid option (did you mean 'data'?)" in errors


ENTITY_AUTOMATIONS = (
    "http:\n"
    "  server_port: 0\n"
    "automation:\n"
    "  - id: gate_alarm\n"
    "    triggers:\n"
    "      - trigger: state\n"
    "        entity_id: binary_sensor.gate_nroth\n"
    "    conditions:\n"
    "      - condition: state\n"
    "        entity_id: binary_sensor.gate_north\n"
    "        state: 'on'\n"
    "    actions:\n"
    "      - action: automation.turn_off\n"
    "        target: {entity_id: automation.night_round}\n"
    "      - action: automation.turn_on\n"
    "        target: {entity_id: light.hall}\n"
    "  - id: night_round\n"
    "    triggers: {trigger: event, event_type: night}\n"
    "    actions: {action: automation.reload}\n"
)


async def _register_entities(config_dir: Path, *entity_ids: str) -> None:
    """Let a real hub on ``config_dir`` register ``entity_ids`` (as its devices would) and stop."""
    from xiaoqu.core.testing import running_hub

    async with running_hub(config_dir, {}) as hub:
        for entity_id in entity_ids:
            await hub.entity_registry.get_or_create(platform="test", unique_id=entity_id,
                                                    suggested_entity_id=entity_id)


async def test_check_config_warns_about_entities_the_registry_does_not_know(tmp_path):
    await _register_entities(tmp_path, "binary_sensor.gate_north")
    (tmp_path / "config.yaml").write_text(ENTITY_AUTOMATIONS, encoding="utf-8")
    result = xiaoqu("check-config", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        "warning: config.yaml:7: automation[0].triggers[0].entity_id: unknown entity binary_sensor.gate_nroth "
        "(not in the entity registry) (did you mean 'binary_sensor.gate_north'?)",
        "warning: config.yaml:16: automation[0].actions[1].target.entity_id: unknown entity light.hall "
        "(not in the entity registry)",
    ]
    assert "configuration is valid (2 warning(s))" in result.stdout

    strict = xiaoqu("check-config", "--strict", "-c", "config.yaml", cwd=tmp_path)
    assert strict.returncode == 1
    lines = strict.stderr.splitlines()
    assert [line for line in lines if line.startswith("error:")] == [
        warning.replace("warning:", "error:", 1) for warning in warnings
    ]
    assert lines[-1] == "config.yaml: 2 error(s), 0 warning(s) (--strict: warnings count as errors)"


def test_check_config_without_a_registry_does_not_guess_at_entities(tmp_path):
    (tmp_path / "config.yaml").write_text(ENTITY_AUTOMATIONS, encoding="utf-8")
    result = xiaoqu("check-config", "--strict", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if line.startswith(("warning:", "error:"))]
    assert "note: entity ids were not checked: there is no entity registry in .xiaoqu yet" in result.stderr


def test_check_config_places_a_dependency_failure_on_the_section_that_asked(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "gate_bell", dependencies=["door_bell"])
    isolated_plugins(tmp_path, "gate_panel", dependencies=["gate_bell"])
    isolated_plugins(tmp_path, "chime", dependencies=["modbus"])
    (tmp_path / "config.yaml").write_text(
        "http:\n  server_port: 0\n"
        "gate_panel:\n"
        "chime:\n"
        "modbus:\n  - {type: tcp, host: 127.0.0.1, sensors: [{name: x}]}\n",
        encoding="utf-8",
    )
    result = xiaoqu("check-config", "-c", "config.yaml", cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert ("error: config.yaml:3: gate_bell (needed by gate_panel): depends on 'door_bell', "
            "which no plugin provides") in errors
    assert "error: config.yaml:3: gate_panel: depends on 'gate_bell', which cannot be set up" in errors
    assert "error: config.yaml:4: chime: depends on 'modbus', which cannot be set up" in errors
