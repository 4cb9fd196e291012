"""Recorder: 1,000,000 records appended at a flat per-record cost; a card's last 100 in <= 20 ms.

Rows are door swipes: kind ``door.access``, 5,000 cards as subjects, one swipe every 0.1 s of
hub time, a small data dict (door, granted, reason, reader).

1. Append ``--n`` records in 10 slices. Per slice, xiaoqu: ``record()`` for every row, then
   ``await flush()``; the time covers checking and JSON-encoding each row on the event loop,
   the queue and the writer thread's commits. Baseline, same run, interleaved slice by slice:
   a bare ``sqlite3`` ``executemany`` of the same rows (JSON-encoded the same way) into a
   second file with the same schema, indexes and pragmas, one transaction per slice.
   Printed: microseconds per record per slice for both, their ratio, and the growth from
   the first three slices to the last three (flat is 1.0).
2. Query a random card's last 100 records ``--queries`` times through ``recorder.query``
   (reader thread, JSON decoding, Record objects); p50/p99. Baseline: the same SELECT on a
   bare connection, rows fetched but not decoded.

    .venv/bin/python bench/recorder.py [--n 1000000] [--queries 1000] [--dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import shlex
import sqlite3
import statistics
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from time import perf_counter
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xiaoqu.core.recorder import _INSERT, _SCHEMA, Recorder, _select  # noqa: E402

KIND = "door.access"
CARDS = 5_000
SLICES = 10
T0 = 1_790_000_000.0


def rows(start: int, stop: int) -> Iterator[tuple[str, float, dict[str, Any]]]:
    for n in range(start, stop):
        yield f"C{n % CARDS:05d}", T0 + n * 0.1, {
            "door": f"b{n % 30}-east",
            "granted": n % 17 != 0,
            "reason": None if n % 17 else "lost card",
            "reader": f"r{n % 90}",
        }


def bare_connection(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            connection.execute(statement)
    return connection


def baseline_slice(connection: sqlite3.Connection, start: int, stop: int) -> float:
    started = perf_counter()
    connection.execute("BEGIN")
    connection.executemany(
        _INSERT,
        (
            (KIND, card, when, None, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            for card, when, data in rows(start, stop)
        ),
    )
    connection.execute("COMMIT")
    return perf_counter() - started


async def recorder_slice(recorder: Recorder, start: int, stop: int) -> float:
    record = recorder.record
    started = perf_counter()
    for card, when, data in rows(start, stop):
        record(KIND, data, subject=card, time=when)
    await recorder.flush()
    return perf_counter() - started


def growth(per_record: list[float]) -> float:
    """Last three slices against the first three: 1.0 is flat; three each damps the noise."""
    return statistics.fmean(per_record[-3:]) / statistics.fmean(per_record[:3])


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def run(directory: Path, n: int, queries: int) -> None:
    recorder = Recorder(directory / "recorder.db")
    await recorder.start()
    bare = bare_connection(directory / "bare.db")
    per_slice = n // SLICES
    print(f"\n1. append {per_slice * SLICES:,} records in {SLICES} slices of {per_slice:,}")
    print(f"{'slice':>5} {'xiaoqu µs/rec':>14} {'bare µs/rec':>12} {'ratio':>6}")
    ours, theirs = [], []
    for index in range(SLICES):
        start, stop = index * per_slice, (index + 1) * per_slice
        theirs.append(baseline_slice(bare, start, stop) / per_slice * 1e6)
        ours.append(await recorder_slice(recorder, start, stop) / per_slice * 1e6)
        print(f"{index + 1:>5} {ours[-1]:>14.2f} {theirs[-1]:>12.2f} {ours[-1] / theirs[-1]:>6.2f}")
    print(
        f"total: xiaoqu {sum(ours) * per_slice / 1e6:.1f} s, "
        f"bare {sum(theirs) * per_slice / 1e6:.1f} s; ratio {sum(ours) / sum(theirs):.2f}"
    )
    print(
        f"growth (mean of the last 3 slices / the first 3): xiaoqu {growth(ours):.2f}, "
        f"bare {growth(theirs):.2f}"
    )

    print(f"\n2. a card's last 100 records, {queries:,} queries")
    pick = random.Random(7)
    cards = [f"C{pick.randrange(min(CARDS, n)):05d}" for _ in range(queries)]
    latencies, found = [], 0
    for card in cards:
        started = perf_counter()
        records = await recorder.query(KIND, subject=card, limit=100)
        latencies.append(perf_counter() - started)
        found += len(records)
    sql, _params = _select(KIND, "C00000", None, None, None, True, None, 100)
    bare_latencies = []
    for card in cards:
        started = perf_counter()
        bare.execute(sql, [KIND, card]).fetchall()
        bare_latencies.append(perf_counter() - started)
    print(f"records per query: {found / queries:.0f}")
    for name, samples in (("xiaoqu", latencies), ("bare", bare_latencies)):
        print(
            f"{name:>6}: p50 {percentile(samples, 0.5) * 1e3:.2f} ms  "
            f"p99 {percentile(samples, 0.99) * 1e3:.2f} ms  "
            f"mean {statistics.fmean(samples) * 1e3:.2f} ms"
        )
    print(f"target p99 <= 20 ms: {'met' if percentile(latencies, 0.99) <= 0.020 else 'NOT met'}")
    bare.close()
    await recorder.stop()
    size = sum(p.stat().st_size for p in directory.glob("recorder.db*"))
    print(f"\nrecorder files: {size / 1e6:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="records appended")
    parser.add_argument("--queries", type=int, default=1_000, help="last-100 queries timed")
    parser.add_argument("--dir", type=Path, help="where to write (default: the system's temp)")
    args = parser.parse_args()
    print("$", shlex.join([Path(sys.executable).name, *sys.argv]))
    print(f"sqlite {sqlite3.sqlite_version}, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        asyncio.run(run(Path(tmp), args.n, args.queries))


if __name__ == "__main__":
    main()
