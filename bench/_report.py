"""What a benchmark found, in the form ``make bench`` writes into docs/benchmarks.md.

A benchmark prints for the person running it; through :func:`section` and :func:`figure` it
also records each figure with the baseline measured beside it in the same run and the target
it answers. bench/run_all.py sets ``XIAOQU_BENCH_OUT`` to a directory: the records go to
``<dir>/<bench>.jsonl``, one JSON object a line, appended as they are measured (a benchmark
that fails half-way keeps what it found). Run alone, without the variable, nothing is written.

    from _report import figure, section
    section("Event bus and state machine", command="...", about="what is measured and why")
    figure("(a) 100k events, 1 listener", 1_852_172, "events/s",
           baseline=("Home Assistant 2024.3.3's bus", 152_201), target="≥ 2× HA",
           met=True)

``ratio`` is ``value / baseline`` unless given; whether higher is better is the target's to
say, in words. A target missed carries ``if_missed``: the cause as measured and the plan.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ENV = "XIAOQU_BENCH_OUT"


def _bench_name() -> str:
    return Path(sys.argv[0]).stem


def _write(record: dict[str, Any]) -> None:
    out = os.environ.get(ENV)
    if not out:
        return
    path = Path(out) / f"{_bench_name()}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(record, ensure_ascii=False) + "\n")


def section(title: str, *, command: str, about: str = "") -> None:
    """Open the benchmark's section: its title, the exact command that made it, what it measures."""
    _write({"type": "section", "title": title, "command": command, "about": about.strip(), "at": time.time()})


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: tuple[str, float] | None = None,
    ratio: float | None = None,
    target: str | None = None,
    met: bool | None = None,
    if_missed: str = "",
    note: str = "",
) -> None:
    """Record one measured figure, with its same-run baseline and the target it answers.

    ``baseline`` is ``(what the baseline is, its value in the same unit)``. ``met`` is
    required with ``target``; ``if_missed`` (the cause and the plan) is required when it is
    False, so the report never lists a missed target without them.
    """
    if target is not None and met is None:
        raise ValueError(f"figure {name!r}: a target needs met=True/False")
    if met is False and not if_missed:
        raise ValueError(f"figure {name!r}: a missed target needs if_missed (the cause and the plan)")
    if ratio is None and baseline is not None and baseline[1]:
        ratio = value / baseline[1]
    _write({
        "type": "figure", "name": name, "value": value, "unit": unit,
        "baseline": {"what": baseline[0], "value": baseline[1]} if baseline else None,
        "ratio": ratio, "target": target, "met": met, "if_missed": if_missed, "note": note,
    })


def note(text: str) -> None:
    """A paragraph under the section's table: a finding that is not one figure."""
    _write({"type": "note", "text": text.strip()})
