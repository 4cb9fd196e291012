"""Storage: a burst of awaited inserts from many tasks (group commit) against naive TinyDB.

xiaoqu: ``--tasks`` tasks insert ``--n`` card documents in all into one store, each task
awaiting every insert (an insert returns once it is on disk). Measured: wall time, how many
file writes it took, and the event loop's longest stall meanwhile (serialising the store
runs on the loop, so a large store shows up here).

Baseline, same run: TinyDB with its own ``JSONStorage`` (in place rewrite, fsync on every
write) inserting the same documents one after another, as a plain TinyDB user would; each of
those inserts is on disk when it returns too. The ratio is baseline time / xiaoqu time.

    .venv/bin/python bench/storage.py [--n 3000] [--tasks 100] [--dir DIR]

The baseline's cost grows with the square of ``--n`` (each insert rewrites the whole file):
10,000 took it over ten minutes here, 3,000 about a minute, so the ratio grows with ``--n``.
"""
from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import tempfile
from pathlib import Path
from time import perf_counter
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _report import figure, note, section  # noqa: E402
from tinydb import TinyDB  # noqa: E402

from xiaoqu.core import storage as storage_module  # noqa: E402
from xiaoqu.core.storage import Storage  # noqa: E402

ABOUT = """\
A burst of card documents inserted into one store by 100 tasks, each task awaiting every
insert (an insert returns once it is on disk), against a plain TinyDB user in the same run:
TinyDB with its own `JSONStorage` inserting the same documents one after another, each on
disk (in-place rewrite and fsync) when it returns. The baseline rewrites the whole file at
every insert, so its cost grows with the square of the count and the ratio with the count."""
WHY = """\
The store commits in groups: every insert queued while a write is on its way goes in the
next write, one temp file, fsync and rename for all of them, so a crash never leaves a torn
file and a hundred waiting tasks cost about a hundred writes, not thousands. Serialising the
store runs on the event loop: the loop's longest stall is the price of a large store."""


def card(n: int) -> dict[str, Any]:
    return {
        "card": f"C{n:08d}",
        "holder": "张三",
        "household": f"b{n % 30}-u{n % 6}-{n % 400}",
        "status": "active",
        "groups": ["lobby", "garage"],
        "balance_fen": n * 10,
        "valid_until": 1_790_000_000.0,
    }


async def xiaoqu_burst(directory: Path, n: int, tasks: int) -> tuple[float, int, float]:
    """Return (seconds, file writes, longest loop stall in seconds)."""
    writes = 0
    real_write = storage_module.write_atomic

    def counting_write(path: Path, payload: bytes) -> None:
        nonlocal writes
        writes += 1
        real_write(path, payload)

    storage_module.write_atomic = counting_write
    storage = Storage(directory)
    table = (await storage.open("cards")).table("cards")
    stall = 0.0
    running = True

    async def watch_loop() -> None:
        nonlocal stall
        last = perf_counter()
        while running:
            await asyncio.sleep(0.001)
            now = perf_counter()
            stall = max(stall, now - last - 0.001)
            last = now

    async def insert(task: int) -> None:
        for i in range(task, n, tasks):
            await table.insert(card(i))

    watcher = asyncio.create_task(watch_loop())
    started = perf_counter()
    await asyncio.gather(*(insert(task) for task in range(tasks)))
    elapsed = perf_counter() - started
    running = False
    await watcher
    assert len(table) == n
    await storage.close()
    storage_module.write_atomic = real_write
    return elapsed, writes, stall


def naive_tinydb(directory: Path, n: int) -> float:
    with TinyDB(directory / "naive.json") as db:
        table = db.table("cards")
        started = perf_counter()
        for i in range(n):
            table.insert(card(i))
        elapsed = perf_counter() - started
        assert len(table) == n
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3_000, help="documents inserted")
    parser.add_argument("--tasks", type=int, default=100, help="concurrent inserting tasks")
    parser.add_argument("--dir", type=Path, help="where to write (default: the system's temp)")
    args = parser.parse_args()
    print("$", shlex.join([Path(sys.executable).name, *sys.argv]))
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        directory = Path(tmp)
        elapsed, writes, stall = asyncio.run(xiaoqu_burst(directory, args.n, args.tasks))
        size = (directory / "cards.json").stat().st_size
        baseline = naive_tinydb(directory, args.n)
    print(f"documents: {args.n:,} from {args.tasks} tasks; final file {size / 1e6:.1f} MB")
    print(
        f"xiaoqu store:      {elapsed:7.2f} s  {args.n / elapsed:9,.0f} inserts/s  "
        f"{writes:,} file writes  longest loop stall {stall * 1e3:.1f} ms"
    )
    print(
        f"naive TinyDB:      {baseline:7.2f} s  {args.n / baseline:9,.0f} inserts/s  "
        f"{args.n:,} file writes"
    )
    print(f"ratio (naive / xiaoqu time): {baseline / elapsed:.1f}x")
    section("Storage", about=ABOUT, command=".venv/bin/python bench/storage.py " + shlex.join(sys.argv[1:]))
    naive = f"naive TinyDB JSONStorage, one insert after another ({args.n:,} in place rewrites + fsync)"
    figure(f"{args.n:,} awaited inserts from {args.tasks} tasks", args.n / elapsed, "inserts/s",
           baseline=(naive, args.n / baseline))
    figure("file writes for them", writes, "writes", baseline=("naive TinyDB", args.n))
    figure("longest event-loop stall during the burst", stall * 1e3, "ms")
    note(f"The store's file is {size / 1e6:.1f} MB at the end. {WHY}")


if __name__ == "__main__":
    main()
