"""The package as a user gets it: a wheel built from the tree, installed in a fresh virtual
environment, runs the demo community.

Everything runs in subprocesses from a temporary folder, so nothing of the repository (its
folders, the editable install of the test environment) can stand in for what the wheel holds.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.e2e.test_demo import demo_config

ROOT = Path(__file__).resolve().parents[2]
#: What a clean checkout holds that the build does not need (and may not copy).
_NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the tree, with the test environment's setuptools.

    The build must print no warning: setuptools warns of data folders missing from the
    package list, of deprecated options and of files it leaves out.
    """
    work = tmp_path_factory.mktemp("build")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE)
    # PYTHONDONTWRITEBYTECODE's "byte-compiling is disabled" is no finding.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation", "-w", str(work), str(source)],
        cwd=work, capture_output=True, text=True, env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # A file's name may hold the word (door_held_open_warning.yaml): the lines naming files are no findings.
    warnings = [line for line in (result.stdout + result.stderr).splitlines()
                if "warning" in line.lower() and not line.strip().startswith(("copying ", "adding "))]
    assert warnings == []
    return next(work.glob("xiaoqu-*.whl"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and its dependencies installed; its bin/."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    result = subprocess.run([bin_dir / "python", "-m", "pip", "install", "--quiet", str(wheel)],
                            cwd=env_dir, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return bin_dir


def test_the_wheel_holds_the_data_files_under_the_namespace(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    packages = {name.split("/")[0] for name in names if not name.startswith("xiaoqu-")}
    assert packages == {"xiaoqu"}  # no top-level core, integrations or plugins
    for shipped in (
        "xiaoqu/integrations/mqtt/schemas/reader_credential.json",
        "xiaoqu/blueprints/automation/notify_on_event.yaml",
        "xiaoqu/core/data/holidays/CN.yaml",
        "xiaoqu/core/cli/plugin_template/manifest.json.tmpl",
        "xiaoqu/core/http/manifest.json",
        "xiaoqu/plugins/acme_barrier/manifest.json",
    ):
        assert shipped in names, shipped


def test_the_installed_package_runs_the_demo(installed: Path, tmp_path: Path) -> None:
    probe = "import importlib.util as u; print(u.find_spec('core'), u.find_spec('xiaoqu.core').origin)"
    found = subprocess.run([installed / "python", "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True)
    nothing, origin = found.stdout.split()
    assert nothing == "None" and origin.startswith(str(installed.parent))

    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(demo_config(), allow_unicode=True), encoding="utf-8")
    hub = subprocess.Popen([installed / "xiaoqu", "run", "-c", config], cwd=tmp_path, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    try:
        assert hub.stdout is not None
        for line in hub.stdout:
            lines.append(line)
            if "xiaoqu is running" in line:
                break
        hub.send_signal(signal.SIGINT)
        rest, _ = hub.communicate(timeout=60)
    finally:
        hub.kill()
    log = "".join(lines) + rest
    assert hub.returncode == 0, log
    running = next(line for line in lines if "xiaoqu is running" in line)
    for domain in ("mqtt", "modbus", "simulator", "acme_barrier", "automation", "http"):
        assert domain in running, log
    assert "Not running" not in log and "Traceback" not in log, log
