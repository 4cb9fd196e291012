"""Ledger: durable charges/s from 20 concurrent posters over 100,000 accounts (issue 10's POS
target: >= 500 durable charges/s).

Set-up (not timed): ``--accounts`` card accounts with a floor of 0, each recharged from
``cash:desk``. Then ``--posters`` tasks each post ``--charges`` / ``--posters`` charges one
after another (card → ``sales:canteen``, a random card each, every post awaited: durable
before the next), the way terminals wait for their answer. Printed: charges/s and p50/p99
latency per post. Baseline, same run, same disk: raw ``sqlite3`` doing the same postings into
the ledger's own tables (WAL, ``synchronous=FULL``; BEGIN, the transaction's row, its two
entries with the balances kept in memory, COMMIT), one posting per transaction one after
another, and the same postings ``--posters`` to a transaction, as a group commit would.

    .venv/bin/python bench/ledger.py [--accounts 100000] [--posters 20] [--charges 20000] [--dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import shlex
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _report import figure, note, section  # noqa: E402

from xiaoqu.core.ledger import Ledger  # noqa: E402
from xiaoqu.core.ledger_backend import _SQLITE_SCHEMA  # noqa: E402  the baseline writes the same tables

CASH = "cash:desk"
SALES = "sales:canteen"
CHUNK = 5_000  # set-up requests in flight at once
TARGET = 500  # durable charges/s: issue 10's POS target
ABOUT = """\
20 concurrent posters charge cards across 100,000 accounts through `core/ledger.py` (WAL,
`synchronous=FULL`, group commit), each post awaited, as a terminal waits for its answer.
Baseline in the same run, on the same disk: raw `sqlite3` doing the same postings into the
ledger's own tables (a transaction's row and its two entries with balances kept in memory),
one posting per durable transaction one after another, and 20 postings per transaction."""
WHY = """\
The ledger beats one-posting-per-transaction SQLite because it commits whatever is queued
together: one fsync for many charges. The grouped raw loop is its ceiling: what is left
between them is the checks (floors, the transaction id never posted twice) and handing each
post between the event loop and the writer thread."""
MISSED = ("Cause: the group commit no longer groups (one fsync per charge). "
          "Plan: count commits per charge in this bench and restore the grouping in core/ledger.py.")


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


def raw_sqlite(path: Path, postings: int, group: int) -> float:
    """Seconds to commit ``postings`` charges durably with raw sqlite3, ``group`` to a transaction."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = FULL")
    connection.executescript(_SQLITE_SCHEMA)
    balances: dict[str, int] = {}
    rng = random.Random(0)
    started = perf_counter()
    for start in range(0, postings, group):
        connection.execute("BEGIN")
        for n in range(start, start + group):
            card, amount = f"card:{rng.randrange(100_000)}", rng.randint(100, 2_000)
            legs = ((card, -amount), (SALES, amount))
            now = float(n)  # the transaction's time: any number costs the same
            seq = connection.execute("INSERT INTO transactions (id, kind, time, reverses, data) VALUES (?, ?, ?, NULL, '{}')"
                                     " RETURNING seq", (f"raw-{n}", "card.charge", now)).fetchone()[0]
            for account, change in legs:
                balances[account] = balances.get(account, 100_000) + change
            connection.executemany("INSERT INTO entries (seq, leg, account, amount, balance, time) VALUES (?, ?, ?, ?, ?, ?)",
                                   [(seq, leg, account, change, balances[account], now)
                                    for leg, (account, change) in enumerate(legs)])
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
    single = args.baseline / raw_sqlite(args.dir / "single.db", args.baseline, 1)
    grouped = args.baseline * args.posters / raw_sqlite(args.dir / "grouped.db", args.baseline * args.posters, args.posters)
    p50, p99 = quantiles[49] * 1e3, quantiles[98] * 1e3
    print(f"ledger: {len(latencies):,} charges from {args.posters} posters in {elapsed:.2f} s = {rate:,.0f} durable charges/s; "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms; verify: {len(differences)} differences")
    print(f"raw sqlite, one posting per durable transaction: {single:,.0f} postings/s")
    print(f"raw sqlite, {args.posters} postings per durable transaction: {grouped:,.0f} postings/s")
    print(f"ratio ledger / raw single-posting: {rate / single:.2f}; target >= {TARGET} charges/s: "
          f"{'met' if rate >= TARGET else 'NOT met'}")
    print(f"reopening (summing every account's entries): {opening:.2f} s")

    section("Stored-value ledger", about=ABOUT, command=".venv/bin/python bench/ledger.py " + shlex.join(sys.argv[1:]))
    figure(f"durable charges, {args.posters} posters over {args.accounts:,} accounts", rate, "charges/s",
           baseline=("raw SQLite, one posting per durable transaction", single), target=f"≥ {TARGET}/s",
           met=rate >= TARGET, if_missed="" if rate >= TARGET else MISSED)
    figure("… against raw SQLite grouping postings as a group commit would", rate, "charges/s",
           baseline=(f"raw SQLite, {args.posters} postings per durable transaction", grouped))
    figure("latency of one charge, p50", p50, "ms")
    figure("latency of one charge, p99", p99, "ms")
    figure("`verify()` after the charges", len(differences), "differences", target="0", met=not differences,
           if_missed="" if not differences else "Cause: the balances kept in memory differ from the entries' sums. "
           "Plan: a failing test with this bench's postings, before anything else.")
    figure(f"reopening: every account's entries summed ({args.accounts * 2 + args.charges:,})", opening, "s")
    note(WHY)


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--posters", type=int, default=20)
    parser.add_argument("--charges", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=2_000, help="raw sqlite postings, one per transaction")
    parser.add_argument("--dir", type=Path, default=None)
    return parser.parse_args()


if __name__ == "__main__":
    arguments = parse()
    with tempfile.TemporaryDirectory() as scratch:
        arguments.dir = arguments.dir or Path(scratch)
        asyncio.run(main(arguments))
