"""docs/benchmarks.md as bench/run_all.py writes it, from fixture results: no benchmark runs.

bench/ is a folder of scripts, not a package (each imports its neighbours as top-level
modules), so the runner and the renderer are imported as they import each other: with bench/
on sys.path.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
MACHINE = {"cpu": "AMD EPYC", "cores": "2", "memory": "24 GiB", "os": "Debian 12", "python": "3.11.7",
           "sqlite": "3.40.1", "mosquitto": "2.0.11", "postgresql": "15.20"}
AT = 1_796_562_360.0  # 2026-12-06 13:06 UTC


def load(name: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module(name)


@pytest.fixture
def render(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load("_render", monkeypatch)


@pytest.fixture
def run_all(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return load("run_all", monkeypatch)


def figure(name: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    record = {"type": "figure", "name": name, "value": value, "unit": unit, "baseline": None, "ratio": None,
              "target": None, "met": None, "if_missed": "", "note": ""}
    return {**record, **extra}


def bus_records(value: float = 1_852_172.4) -> list[dict[str, Any]]:
    return [
        {"type": "section", "title": "Event bus and state machine", "command": ".venv/bin/python bench/bus.py ",
         "about": "Three cases of HA's probe.", "at": AT},
        figure("(a) 100k events, 1 listener", value, "events/s",
               baseline={"what": "Home Assistant 2024.3.3's bus", "value": 152_201.0}, ratio=value / 152_201,
               target="≥ 2× Home Assistant", met=True),
        figure("(c) state sets", 40_000.0, "sets/s", baseline={"what": "Home Assistant", "value": 53_880.0},
               ratio=40_000 / 53_880, target="≥ 2× Home Assistant", met=False,
               if_missed="Cause: every set copies the attributes. Plan: share them.", note="a note on (c)"),
        {"type": "note", "text": "Listeners are indexed by event type."},
        {"type": "run", "at": AT, "seconds": 49.2, "exit": 0, "commit": "abc1234", "load": "0.50 0.40 0.30",
         "machine": MACHINE},
    ]


def write(directory: Path, name: str, records: list[dict[str, Any]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def page(render: ModuleType, tmp_path: Path, names: list[str]) -> str:
    text: str = render.render(tmp_path / "results", tmp_path / "static", names, MACHINE)
    return text


def test_a_section_has_its_table_command_date_and_notes(render: ModuleType, tmp_path: Path) -> None:
    write(tmp_path / "results", "bus", bus_records())
    text = page(render, tmp_path, ["bus"])
    assert "## Event bus and state machine — `bench/bus.py`" in text
    assert "Three cases of HA's probe." in text
    assert "Command: `.venv/bin/python bench/bus.py`" in text
    assert "Ran 2026-12-06 13:06 UTC for 49 s, code at abc1234" in text
    assert ("| (a) 100k events, 1 listener | 1,852,172 events/s | Home Assistant 2024.3.3's bus | "
            "152,201 events/s | 12.2× | ≥ 2× Home Assistant | met |") in text
    assert "- (c) state sets: a note on (c)" in text
    assert "Listeners are indexed by event type." in text
    assert "on another machine" not in text
    assert "Debian 12" in text.split("## Summary")[0]


def test_every_target_is_in_the_summary_and_a_miss_in_the_missed_list(render: ModuleType, tmp_path: Path) -> None:
    write(tmp_path / "results", "bus", bus_records())
    text = page(render, tmp_path, ["bus"])
    summary = text.split("## Summary of targets")[1].split("\n## ")[0]
    assert "| bus | (a) 100k events, 1 listener | ≥ 2× Home Assistant | 1,852,172 events/s (12.2× the baseline) | met |" \
        in summary
    assert "| bus | (c) state sets | ≥ 2× Home Assistant | 40,000 sets/s (0.74× the baseline) | **missed** |" in summary
    missed = text.split("## Targets missed")[1]
    assert "**bus: (c) state sets** — target ≥ 2× Home Assistant" in missed
    assert "Cause: every set copies the attributes. Plan: share them." in missed
    assert "(a) 100k events" not in missed


def test_a_failed_run_keeps_the_old_results_and_is_marked(run_all: ModuleType, render: ModuleType,
                                                          tmp_path: Path) -> None:
    results = tmp_path / "results"
    write(results, "bus", bus_records())
    out = tmp_path / "out"
    out.mkdir()
    record = {"type": "run", "at": AT + 86_400, "seconds": 3.0, "exit": 1, "commit": "def5678", "load": "1.00",
              "machine": MACHINE}
    assert run_all.keep("bus", out, results, record) is False
    text = page(render, tmp_path, ["bus"])
    assert "**Failed in the run of 2026-12-07 13:06 UTC** (exit code 1, after 3 s, code at def5678): " \
           "the figures below are from the run before." in text
    assert "| (a) 100k events, 1 listener | 1,852,172 events/s |" in text


def test_a_run_with_records_replaces_the_old_ones(run_all: ModuleType, render: ModuleType, tmp_path: Path) -> None:
    results, out = tmp_path / "results", tmp_path / "out"
    write(results, "bus", bus_records())
    write(out, "bus", bus_records(value=2_000_000.0)[:-1])
    record = {"type": "run", "at": AT, "seconds": 50.0, "exit": 0, "commit": "def5678", "load": "1.00",
              "machine": {**MACHINE, "cpu": "Intel Xeon"}}
    assert run_all.keep("bus", out, results, record) is True
    text = page(render, tmp_path, ["bus"])
    assert "2,000,000 events/s" in text and "1,852,172" not in text
    assert "Failed" not in text
    assert "on another machine: CPU Intel Xeon" in text


def test_a_bench_without_results_is_listed_and_one_that_never_ran_is_failed(run_all: ModuleType, render: ModuleType,
                                                                            tmp_path: Path) -> None:
    results, out = tmp_path / "results", tmp_path / "out"
    write(results, "bus", bus_records())
    out.mkdir()
    run_all.keep("mqtt", out, results, {"type": "run", "at": AT, "seconds": 1.0, "exit": 2, "commit": "x"})
    text = page(render, tmp_path, ["bus", "mqtt", "recorder"])
    assert "Not run yet, so none of their figures are here: recorder." in text.split("## Event bus")[0]
    assert "Failed in their latest run (their older figures, if any, are shown): mqtt." in text
    not_run = text.split("## Not run yet")[1]
    assert "`bench/recorder.py`" in not_run and "bench/bus.py" not in not_run
    assert "## mqtt — `bench/mqtt.py`" in text
    assert "(exit code 2, after 1 s, code at x): no results yet." in text


def test_static_parts_are_included_verbatim(render: ModuleType, tmp_path: Path) -> None:
    write(tmp_path / "results", "bus", bus_records())
    prose = "## Faults — `tests/faults/`\n\nThe hub back on the broker **0.1–3.3 s** | after.\n"
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "faults.md").write_text(prose, encoding="utf-8")
    text = page(render, tmp_path, ["bus"])
    assert prose in text
    assert text.index(prose) < text.index("## Targets missed")


def test_no_missed_target_says_so(render: ModuleType, tmp_path: Path) -> None:
    write(tmp_path / "results", "bus", [r for r in bus_records() if r.get("met") is not False])
    assert "## Targets missed\n\nNone in the latest results." in page(render, tmp_path, ["bus"])


@pytest.mark.parametrize(("value", "text"), [(1_852_172.4, "1,852,172"), (548.4, "548"), (21.46, "21.5"),
                                             (4.5, "4.50"), (0.0123, "0.0123"), (0, "0"),
                                             (30, "30"), (12_000, "12,000")])
def test_numbers(render: ModuleType, value: float, text: str) -> None:
    assert render.number(value) == text


@pytest.mark.parametrize(("value", "text"), [(548.3, "548×"), (12.17, "12.2×"), (0.968, "0.97×"), (None, "")])
def test_ratios(render: ModuleType, value: float | None, text: str) -> None:
    assert render.ratio(value) == text
