"""``make bench``: run the benchmarks one after the other, keep their results, write docs/benchmarks.md.

Each benchmark runs in its own process (never two at once: on a two-core machine they would
disturb each other) with ``XIAOQU_BENCH_OUT`` set to a fresh directory, where bench/_report.py
writes its records. A run that wrote records replaces ``bench/results/<bench>.jsonl`` (with a
``run`` record added: when, how long, exit code, commit, machine); a run that wrote none keeps
the old results and marks them failed. Then docs/benchmarks.md is rendered from every results
file (bench/_render.py), so re-running some benchmarks keeps the others' last figures.

    .venv/bin/python bench/run_all.py [NAME ...]      e.g. bench/run_all.py bus mqtt
    .venv/bin/python bench/run_all.py --render-only   the page again from bench/results/
    .venv/bin/python bench/run_all.py --page /tmp/b.md bus   the page written elsewhere
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _machine import commit, load, machine
from _render import latest_machine, render
from _report import ENV

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
STATIC = BENCH / "static"
PAGE = ROOT / "docs" / "benchmarks.md"


def benchmarks() -> list[str]:
    """Every benchmark in bench/: the scripts not starting with ``_``, this runner aside."""
    return sorted(p.stem for p in BENCH.glob("*.py") if not p.name.startswith("_") and p.name != Path(__file__).name)


def append(path: Path, record: dict[str, Any]) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(record, ensure_ascii=False) + "\n")


def keep(name: str, out: Path, results: Path, record: dict[str, Any]) -> bool:
    """Keep what a run recorded in ``out``: its records and ``record`` replace the results file;
    a run that recorded nothing leaves the old results and appends ``record`` marked failed.
    Whether the run recorded anything."""
    produced = out / f"{name}.jsonl"
    results.mkdir(parents=True, exist_ok=True)
    if produced.exists() and produced.stat().st_size:
        append(produced, record)
        shutil.move(produced, results / f"{name}.jsonl")
        return True
    append(results / f"{name}.jsonl", {**record, "type": "failed"})
    return False


def run(name: str, where: dict[str, str]) -> int:
    """Run one benchmark and keep what it recorded; its exit code."""
    print(f"\n=== {name} ===", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as out:
        record = {"type": "run", "at": time.time(), "commit": commit(), "load": load(), "machine": where}
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(BENCH / f"{name}.py")], cwd=ROOT, env={**os.environ, ENV: out})
        record.update(seconds=round(time.monotonic() - started, 1), exit=code)
        print(f"--- {name}: exit {code} after {record['seconds']:.0f} s", flush=True)
        if not keep(name, Path(out), RESULTS, record):
            print(f"--- {name} recorded nothing: its last results are kept, marked failed", flush=True)
    return code


def write_page(page: Path) -> None:
    page.write_text(render(RESULTS, STATIC, benchmarks(), latest_machine(RESULTS) or machine()), encoding="utf-8")
    print(f"wrote {page} from {len(list(RESULTS.glob('*.jsonl')))} results files", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--render-only", action="store_true", help="only write the page from the results")
    parser.add_argument("--page", type=Path, default=PAGE, help="where to write it (default: docs/benchmarks.md)")
    args = parser.parse_args()
    failed: list[str] = []
    if not args.render_only:
        known = benchmarks()
        unknown = [name for name in args.names if name not in known]
        if unknown:
            parser.error(f"no such benchmark: {', '.join(unknown)} (there are: {', '.join(known)})")
        where = machine()
        failed = [name for name in args.names or known if run(name, where)]
    write_page(args.page)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
