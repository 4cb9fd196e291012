"""Where a benchmark ran: the machine and the versions its figures depend on.

bench/run_all.py stores this with each benchmark's results, so a section of docs/benchmarks.md
can say where its figures came from even when the others were re-run elsewhere later.
Each part is read without failing: a missing tool reads "not found".
"""
from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
from pathlib import Path

#: The PostgreSQL the tests and benchmarks use (tests/fixtures_postgresql.py names the same).
DATABASE = os.environ.get("XIAOQU_TEST_DATABASE", "postgresql://root@127.0.0.1:5432/test")


def _first(path: str, pattern: str) -> str | None:
    try:
        found = re.search(pattern, Path(path).read_text(encoding="utf-8"), re.MULTILINE)
    except OSError:
        return None
    return found.group(1).strip() if found else None


def _output(command: list[str]) -> str | None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else None


def _memory() -> str:
    kib = _first("/proc/meminfo", r"^MemTotal:\s+(\d+)")
    return f"{int(kib) / 2**20:.0f} GiB" if kib else "not found"


def _mosquitto() -> str:
    line = _output(["mosquitto", "-h"]) or ""
    found = re.search(r"version (\S+)", line)
    return found.group(1) if found else "not found"


def _postgresql() -> str:
    server = _output(["psql", DATABASE, "-tAc", "show server_version"])
    if server and server[0].isdigit():
        return server
    return _output(["postgres", "--version"]) or "not found"


def machine() -> dict[str, str]:
    """The machine as the report shows it; equal dicts mean the same machine and versions."""
    return {
        "cpu": _first("/proc/cpuinfo", r"^model name\s*:\s*(.+)$") or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "memory": _memory(),
        "os": _first("/etc/os-release", r'^PRETTY_NAME="?([^"\n]+)') or platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "mosquitto": _mosquitto(),
        "postgresql": _postgresql(),
    }


def load() -> str:
    """The load average as the run starts, and the share of the last minute in which some task
    waited for a CPU (Linux's pressure stall information): a figure taken on a busy machine says so."""
    try:
        text = " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        text = "unknown"
    waiting = _first("/proc/pressure/cpu", r"^some .*avg60=([\d.]+)")
    return f"{text}, tasks waiting for a CPU {float(waiting):.0f} % of the last minute" if waiting else text


def commit() -> str:
    """The code measured (short hash of HEAD; a dirty tree is not marked)."""
    return _output(["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "--short", "HEAD"]) or "unknown"
