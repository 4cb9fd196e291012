"""docs/benchmarks.md from bench/results/*.jsonl: what bench/run_all.py writes after the runs.

Each results file holds one benchmark's last run: the records bench/_report.py wrote
(``section``, ``figure``, ``note``) and the ``run`` record run_all.py added (when, how long,
exit code, commit, machine, load). A later run that failed without a record keeps the file and
appends a ``failed`` record, so the page shows the older figures marked as such. The page:
a header with the machine, a summary of every target, one section per benchmark, the
hand-written parts of bench/static/ verbatim, the targets missed with cause and plan, and the
benchmarks that have no results yet, so nothing is silently missing.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MACHINE_LABELS = {
    "cpu": "CPU", "cores": "cores", "memory": "memory", "os": "OS", "python": "Python",
    "sqlite": "SQLite", "mosquitto": "Mosquitto", "postgresql": "PostgreSQL",
}

HEADER = """\
# Benchmarks

This page is written by `make bench` (bench/run_all.py) from the results in `bench/results/`;
do not edit it by hand: a benchmark's prose lives in its script, the parts that are not
measured by a benchmark in `bench/static/`. Every figure stands next to its baseline,
measured in the same run of the same benchmark. The machine is a shared two-core VM whose
speed drifts by 20–40 % from one minute to the next: only ratios taken in the same run
compare. A figure against another section's, or against an older version of this page, does
not. `make bench` runs every benchmark one after the other, each alone in its own process;
`make bench NAMES="bus mqtt"` (`bench/run_all.py bus mqtt`) re-runs some and keeps the
others' last results, so each section says when and on what it ran.
"""


@dataclass
class Results:
    """One benchmark's results file, read."""

    name: str
    sections: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] | None = None
    failed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def figures(self) -> list[dict[str, Any]]:
        return [f for s in self.sections for f in s["figures"]]

    @property
    def title(self) -> str:
        return self.sections[0]["title"] if self.sections else self.name


def read(path: Path) -> Results:
    """The records of one results file, figures and notes grouped under their section."""
    found = Results(path.stem)
    current: dict[str, Any] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        kind = record["type"]
        if kind == "section":
            current = {**record, "figures": [], "notes": []}
            found.sections.append(current)
        elif kind in ("figure", "note"):
            if current is None:  # a figure before any section: still shown, under the bench's name
                current = {"title": path.stem, "command": "", "about": "", "figures": [], "notes": []}
                found.sections.append(current)
            current["figures" if kind == "figure" else "notes"].append(record)
        elif kind == "run":
            found.run = record
        elif kind == "failed":
            found.failed.append(record)
    return found


def number(value: float) -> str:
    """A figure as read aloud: thousands separated, a count whole, three significant digits below 100."""
    if value == 0 or isinstance(value, int):
        return f"{value:,}"
    size = abs(value)
    if size >= 100:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def ratio(value: float | None) -> str:
    if value is None:
        return ""
    if value >= 100:
        return f"{value:,.0f}×"
    return f"{value:.1f}×" if value >= 10 else f"{value:.2f}×"


def measured(value: float, unit: str) -> str:
    return f"{number(value)} {unit}".strip()


def met(value: bool | None) -> str:
    return {True: "met", False: "**missed**", None: ""}[value]


def when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at)) if at else "unknown"


def cell(text: str) -> str:
    """Text safe inside a table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def machine_line(machine: dict[str, str]) -> str:
    return "; ".join(f"{MACHINE_LABELS.get(key, key)} {value}" for key, value in machine.items())


def header(machine: dict[str, str]) -> list[str]:
    return [HEADER, f"Machine: {machine_line(machine)}.", ""]


def against(figure: dict[str, Any]) -> str:
    """The figure, and its ratio to the baseline when it has one: what most targets are about."""
    text = measured(figure["value"], figure["unit"])
    return f"{text} ({ratio(figure['ratio'])} the baseline)" if figure.get("ratio") is not None else text


def summary(results: list[Results], names: list[str]) -> list[str]:
    lines = ["## Summary of targets", "", "| bench | figure | target | measured | met |",
             "| --- | --- | --- | ---: | --- |"]
    for bench in results:
        for figure in bench.figures:
            if figure.get("target"):
                lines.append(f"| {bench.name} | {cell(figure['name'])} | {cell(figure['target'])} | "
                             f"{against(figure)} | {met(figure['met'])} |")
    lines.append("")
    failed = [bench.name for bench in results if bench.failed]
    if failed:
        lines += [f"Failed in their latest run (their older figures, if any, are shown): {', '.join(failed)}.", ""]
    missing = not_yet(names, results)
    if missing:
        lines += [f"Not run yet, so none of their figures are here: {', '.join(missing)}.", ""]
    return lines


def run_line(bench: Results, machine: dict[str, str]) -> str:
    run = bench.run
    if run is None:
        return "Run: no record of the run (results written outside bench/run_all.py)."
    text = (f"Ran {when(run.get('at'))} for {run.get('seconds', 0):.0f} s, code at {run.get('commit', 'unknown')}; "
            f"as it started, load average {run.get('load', 'unknown')}")
    if run.get("exit"):
        text += f"; **exited with code {run['exit']}**: figures it did not reach are missing"
    if run.get("machine") and run["machine"] != machine:
        text += f"; on another machine: {machine_line(run['machine'])}"
    return text + "."


def figure_table(figures: list[dict[str, Any]]) -> list[str]:
    lines = ["| figure | xiaoqu | baseline (what) | baseline value | ratio | target | met |",
             "| --- | ---: | --- | ---: | ---: | --- | --- |"]
    for figure in figures:
        base = figure.get("baseline") or {}
        base_value = measured(base["value"], figure["unit"]) if base else ""
        lines.append(
            f"| {cell(figure['name'])} | {measured(figure['value'], figure['unit'])} | {cell(base.get('what', ''))} | "
            f"{base_value} | {ratio(figure.get('ratio'))} | {cell(figure.get('target') or '')} | {met(figure.get('met'))} |")
    return lines


def bench_section(bench: Results, machine: dict[str, str]) -> list[str]:
    lines = [f"## {bench.title} — `bench/{bench.name}.py`", ""]
    for failure in bench.failed:
        lines += [f"**Failed in the run of {when(failure.get('at'))}** (exit code {failure.get('exit')}, "
                  f"after {failure.get('seconds', 0):.0f} s, code at {failure.get('commit', 'unknown')}): "
                  + ("the figures below are from the run before." if bench.sections else "no results yet."), ""]
    for index, section in enumerate(bench.sections):
        if index:
            lines += [f"### {section['title']}", ""]
        if section.get("about"):
            lines += [section["about"], ""]
        if section.get("command"):
            lines += [f"Command: `{section['command'].strip()}`", ""]
        if index == 0:
            lines += [run_line(bench, machine), ""]
        if section["figures"]:
            lines += [*figure_table(section["figures"]), ""]
        figure_notes = [f"- {figure['name']}: {figure['note']}" for figure in section["figures"] if figure.get("note")]
        if figure_notes:
            lines += [*figure_notes, ""]
        for note in section["notes"]:
            lines += [note["text"], ""]
    return lines


def missed(results: list[Results]) -> list[str]:
    lines = ["## Targets missed", ""]
    misses = [(bench, figure) for bench in results for figure in bench.figures if figure.get("met") is False]
    if not misses:
        return [*lines, "None in the latest results.", ""]
    for bench, figure in misses:
        lines += [f"- **{bench.name}: {figure['name']}** — target {figure['target']}, measured "
                  f"{against(figure)}. {figure['if_missed']}", ""]
    return lines


def not_yet(names: list[str], results: list[Results]) -> list[str]:
    """The benchmarks in bench/ with no results file."""
    have = {bench.name for bench in results}
    return [name for name in names if name not in have]


def not_run(names: list[str], results: list[Results]) -> list[str]:
    missing = not_yet(names, results)
    if not missing:
        return []
    return ["## Not run yet", "",
            "These benchmarks have no results in bench/results/, so none of their figures are above:", "",
            *(f"- `bench/{name}.py` (`bench/run_all.py {name}`)" for name in missing), ""]


def render(results_dir: Path, static_dir: Path, names: list[str], machine: dict[str, str]) -> str:
    """The whole page. ``names`` are the benchmarks in bench/ (those without results are listed);
    ``machine`` is the header's, from the latest run (a section run elsewhere says where)."""
    results = [read(path) for path in sorted(results_dir.glob("*.jsonl"))]
    lines = [*header(machine), *summary(results, names)]
    for bench in results:
        lines += bench_section(bench, machine)
    for part in sorted(static_dir.glob("*.md")):
        lines += [part.read_text(encoding="utf-8").strip(), ""]
    lines += missed(results)
    lines += not_run(names, results)
    return "\n".join(lines).rstrip() + "\n"


def latest_machine(results_dir: Path) -> dict[str, str] | None:
    """The machine of the most recent run in the results, for the header."""
    runs = [bench.run for bench in map(read, results_dir.glob("*.jsonl")) if bench.run and bench.run.get("machine")]
    return max(runs, key=lambda run: run.get("at", 0))["machine"] if runs else None
