"""The demo community for end-to-end tests: its config on free ports, and its people imported
from the simulator's sheet the way ``make run`` imports them."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.fixtures_mqtt import free_port
from xiaoqu.core.testing import write_config

DEMO = Path(__file__).resolve().parents[2] / "config.yaml"


def demo_config() -> dict[str, Any]:
    """The demo config with every port moved to a free one (the site's may be in use)."""
    config = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    modbus_port = free_port()
    config["mqtt"]["port"] = free_port()
    config["http"]["server_port"] = 0
    config["simulator"]["modbus_port"] = modbus_port
    for line in config["modbus"]:
        line["port"] = modbus_port
    return config


def xiaoqu(*args: str | Path, cwd: Path) -> str:
    """Run a staff command as a person would type it; its output."""
    result = subprocess.run([sys.executable, "-m", "xiaoqu.core.cli", *map(str, args)], cwd=cwd,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def import_the_estate(config_dir: Path, config: dict[str, Any]) -> str:
    """What ``make run`` does first: the simulator's estate written as a sheet, and imported."""
    path = write_config(config_dir, config)
    xiaoqu("simulator", "sheet", "-c", path, "-o", "estate.xlsx", cwd=config_dir)
    return xiaoqu("residents", "import", "estate.xlsx", "-c", path, cwd=config_dir)
