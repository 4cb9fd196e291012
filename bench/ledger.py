"""Ledger: durable charges/s from 20 concurrent posters over 100,000 accounts (issue 10's POS
target: >= 500 durable charges/s).

Set-up (not timed): ``--accounts`` card accounts with a floor of 0, each recharged from
``cash:desk``. Then ``--posters`` tasks each post ``--charges`` / ``--posters`` charges one
after another (card → ``sales:canteen``, a random card each, every post awaited: durable
before the next), the way terminals wait for their answer. Printed: charges/s and p50/p99
latency per post. Baseline, same run, same disk: bare ``sqlite3`` single-row durable
transactions (WAL, ``synchronous=FULL``, BEGIN / INSERT / COMMIT each), one after another;
and the same rows in groups of ``--posters``, one transaction per group.

    .venv/bin/python bench/ledger.py [--accounts 100000] [--posters 20] [--charges 20000] [--dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xiaoqu.core.ledger import Ledger  # noqa: E402

CASH = "cash:desk"
SALES = "sales:canteen"
CHUNK = 5_000  # set-up requests in flight at once


async def set_up(ledger: Ledger, accounts: int) -> None:
    await ledger.open_account(CASH, floor=None)
    await ledger.open_account(SALES, floor=None)
    for start in range(0, accounts, CHUNK):
        cards = range(start, min(start + CHUNK, accounts))
        await asyncio.gather(*(ledger.open_account(f"card:{n}") for n in cards))
        await asyncio.gather(*(ledger.post(f"pay-{n}", "card.recharge", [(CASH, -100_000), (f"card:{n}", 100_000)])
                               for n in cards))


async def poster(ledger: Ledger, name: int, count: int, accounts: int, latencies: list[float]) -> None:
    rng = random.Random(name)
    for n in range(count):
        card, amount = f"card:{rng.randrange(accounts)}", rng.randint(100, 2_000)
        started = perf_counter()
        await ledger.post(f"pos-{name}-{n}", "card.charge", [(card, -amount), (SALES, amount)])
        latencies.append(perf_counter() - started)


async def charges(ledger: Ledger, posters: int, total: int, accounts: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    started = perf_counter()
    await asyncio.gather(*(poster(ledger, name, total // posters, accounts, latencies) for name in range(posters)))
    return perf_counter() - started, latencies


def bare_sqlite(path: Path, rows: int, group: int) -> float:
    """Seconds to commit ``rows`` one-row inserts durably, ``group`` rows per transaction."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.execute("CREATE TABLE t (id TEXT PRIMARY KEY, account TEXT, amount INTEGER)")
    started = perf_counter()
    for start in range(0, rows, group):
        connection.execute("BEGIN")
        for n in range(start, start + group):
            connection.execute("INSERT INTO t VALUES (?, ?, ?)", (f"r{n}", f"card:{n % 100_000}", -500))
        connection.execute("COMMIT")
    elapsed = perf_counter() - started
    connection.close()
    return elapsed


async def main(args: argparse.Namespace) -> None:
    ledger = Ledger(args.dir / "ledger.db")
    await ledger.open()
    started = perf_counter()
    await set_up(ledger, args.accounts)
    print(f"set-up: {args.accounts:,} accounts opened and recharged in {perf_counter() - started:.1f} s")
    elapsed, latencies = await charges(ledger, args.posters, args.charges, args.accounts)
    differences = await ledger.verify()
    await ledger.close()
    started = perf_counter()
    reopened = Ledger(args.dir / "ledger.db")
    await reopened.open()
    opening = perf_counter() - started
    await reopened.close()

    rate = len(latencies) / elapsed
    quantiles = statistics.quantiles(latencies, n=100)
    single = bare_sqlite(args.dir / "single.db", args.baseline, 1)
    grouped = bare_sqlite(args.dir / "grouped.db", args.baseline * args.posters, args.posters)
    print(f"ledger: {len(latencies):,} charges from {args.posters} posters in {elapsed:.2f} s = {rate:,.0f} durable charges/s; "
          f"p50 {quantiles[49] * 1e3:.1f} ms, p99 {quantiles[98] * 1e3:.1f} ms; verify: {len(differences)} differences")
    print(f"bare sqlite, one row per durable transaction: {args.baseline / single:,.0f} tx/s")
    print(f"bare sqlite, {args.posters} rows per durable transaction: {args.baseline * args.posters / grouped:,.0f} rows/s")
    print(f"ratio ledger / bare single-row: {rate / (args.baseline / single):.2f}; target >= 500 charges/s: "
          f"{'met' if rate >= 500 else 'NOT met'}")
    print(f"reopening (summing every account's entries): {opening:.2f} s")


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--charges", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=2_000, help="bare sqlite transactions")
    parser.add_argument("--dir", type=Path, default=None)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    with tempfile.TemporaryDirectory() as scratch:
        arguments.dir = arguments.dir or Path(scratch)
        asyncio.run(main(arguments))
