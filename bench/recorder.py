"""Recorder: the cost of recording, a keyed query and a day's purge at 100k, 1M and 10M rows.

Rows are access-log records: kind ``door.access``, 5,000 cards as subjects, 50,000 records a day
of hub time, data (door, granted, reason, reader, household) of which ``door`` and
``household`` are indexed fields (``index_fields``, as access declares its own). The baseline
is raw SQLite in the same run: a bare ``sqlite3`` table in a second file with door and household
as columns, the same indexes ((kind, subject, time), (kind, time), (kind, door, time), (kind,
household, time)) and pragmas (WAL, synchronous NORMAL), written by ``executemany`` in one
transaction per batch.

1. At each of ``--sizes`` rows already in the recorder and in the bare file (filled once in
   bulk straight into their tables and kept under ~/.cache/xiaoqu/recorder-bench/, made whole
   again at the start of each run: the fill is not the measurement; the 10M files take ~7 min
   to fill and 6.5 GB), each step going round all the sizes in turn, so the machine's drift
   falls on each alike:
   a. append ``--append`` records, 10,000 at a time: ``record()`` each, then ``await
      flush()``, the writer thread group-committing them as it would under load; records/s,
      against the bare ``executemany`` of the same rows;
   b. a household's last 100 records, ``query(where={"household": ...}, limit=100)`` read
      from the keys, ``--queries`` times, p50; the bare SELECT along its index;
   c. the purge of the oldest day (50,000 records) by retention, a fifth at a time; the bare
      ``DELETE ... WHERE time < ?``, one transaction each.
   Then each cost at the largest size against the smallest (flat is 1.0). With the PostgreSQL
   server answering (``--postgresql URL``, the test server by default; ``--no-postgresql``
   to skip) the same on PostgreSQL at the sizes up to 1M, in schemas
   ``xiaoqu_bench_recorder_v1_<size>`` kept there as the files are (the 1M one fills in ~2 min).
2. From empty: append ``--n`` records in 10 slices, interleaved with the bare file slice by
   slice; the growth from the first three slices to the last three (flat is 1.0).
3. A card's last 100 records through ``recorder.query`` on those, ``--queries`` times; p50/p99
   (target p99 <= 20 ms); the bare SELECT, rows fetched but not decoded.

    .venv/bin/python bench/recorder.py [--sizes 100000,1000000,10000000] [--append 50000]
        [--n 1000000] [--queries 1000] [--postgresql URL | --no-postgresql] [--dir DIR]
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
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import DATABASE  # noqa: E402
from _report import figure, note, section  # noqa: E402

from xiaoqu.core.recorder import Recorder  # noqa: E402
from xiaoqu.core.recorder_backends import SCHEMA_VERSION, Backend, PostgreSQL  # noqa: E402

KIND = "door.access"
INDEXED = ("door", "household")
CARDS = 5_000
DOORS = 30
HOUSEHOLDS = 500
PER_DAY = 50_000
SPACING = 86_400 / PER_DAY  # seconds of hub time between two records
T0 = 1_790_000_000.0
SLICES = 10
BATCH = 50_000  # rows per bare transaction, and per timed step of the recorder, from empty
STEP = 10_000  # rows appended at each size in turn
PURGE_STEPS = 5
SIZES = (100_000, 1_000_000, 10_000_000)
POSTGRESQL_UP_TO = 1_000_000
CACHE = Path.home() / ".cache" / "xiaoqu" / "recorder-bench"
FILL_FORMAT = 1  # bump when the rows or the fill change, so a stale cache is not reused

Row = tuple[str, float, dict[str, Any]]


def data(n: int) -> dict[str, Any]:
    """Record ``n``'s data; :func:`data_sql` is the same in SQL, for the bulk fill."""
    return {
        "door": f"b{n % DOORS}-east",
        "granted": n % 17 != 0,
        "reason": None if n % 17 else "lost card",
        "reader": f"r{n % 90}",
        "household": f"h{n % HOUSEHOLDS}",
    }


def data_sql(n: str, postgresql: bool = False) -> str:
    granted = f"{n} % 17 <> 0"
    as_json = f"({granted})" if postgresql else f"json(CASE WHEN {granted} THEN 'true' ELSE 'false' END)"
    return (
        f"{'json_build_object' if postgresql else 'json_object'}('door', 'b' || ({n} % {DOORS}) || '-east', "
        f"'granted', {as_json}, "
        f"'reason', CASE WHEN {granted} THEN NULL ELSE 'lost card' END, "
        f"'reader', 'r' || ({n} % 90), 'household', 'h' || ({n} % {HOUSEHOLDS}))"
    )


def subject(n: int) -> str:
    return f"C{n % CARDS:05d}"


def rows(start: int, stop: int) -> list[Row]:
    return [(subject(n), T0 + n * SPACING, data(n)) for n in range(start, stop)]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 and size % 1_000_000 == 0 else f"{size // 1_000}k"


# Raw SQLite, the baseline.

BARE_TABLE = """CREATE TABLE records (
    seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, subject TEXT, time REAL NOT NULL,
    door TEXT, household TEXT, data TEXT NOT NULL)"""
BARE_INDEXES = (
    "CREATE INDEX records_kind_subject_time ON records (kind, subject, time)",
    "CREATE INDEX records_kind_time ON records (kind, time)",
    "CREATE INDEX records_kind_door_time ON records (kind, door, time)",
    "CREATE INDEX records_kind_household_time ON records (kind, household, time)",
)
BARE_INSERT = "INSERT INTO records (kind, subject, time, door, household, data) VALUES (?, ?, ?, ?, ?, ?)"
BARE_KEYED = "SELECT seq, kind, subject, time, data FROM records WHERE kind = ? AND household = ? ORDER BY time DESC LIMIT 100"
BARE_CARD = "SELECT seq, kind, subject, time, data FROM records WHERE kind = ? AND subject = ? ORDER BY time DESC LIMIT 100"


def bare_open(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0:
        for statement in (BARE_TABLE, *BARE_INDEXES):
            connection.execute(statement)
    return connection


def bare_append(connection: sqlite3.Connection, batch: list[Row]) -> float:
    started = perf_counter()
    connection.execute("BEGIN")
    connection.executemany(BARE_INSERT, (
        (KIND, card, when, values["door"], values["household"],
         json.dumps(values, ensure_ascii=False, separators=(",", ":")))
        for card, when, values in batch
    ))
    connection.execute("COMMIT")
    return perf_counter() - started


def bare_purge(connection: sqlite3.Connection, cutoff: float) -> tuple[float, int]:
    started = perf_counter()
    connection.execute("BEGIN")
    deleted = connection.execute("DELETE FROM records WHERE kind = ? AND time < ?", (KIND, cutoff)).rowcount
    connection.execute("COMMIT")
    return perf_counter() - started, deleted


def bare_queries(connection: sqlite3.Connection, sql: str, values: list[str]) -> list[float]:
    latencies = []
    for value in values:
        started = perf_counter()
        connection.execute(sql, (KIND, value)).fetchall()
        latencies.append(perf_counter() - started)
    return latencies


# The recorder.

def never(_seconds: float) -> asyncio.Future[None]:
    """The recorder's sleep: its daily purge never comes round, the bench purges when it says."""
    return asyncio.get_running_loop().create_future()


async def open_recorder(backend: Path | Backend) -> Recorder:
    recorder = Recorder(backend, clock=lambda: T0, sleep=never)
    await recorder.start()
    await recorder.index_fields(KIND, INDEXED)
    return recorder


async def recorder_append(recorder: Recorder, batch: list[Row]) -> float:
    record = recorder.record
    started = perf_counter()
    for card, when, values in batch:
        record(KIND, values, subject=card, time=when)
    await recorder.flush()
    return perf_counter() - started


async def recorder_queries(recorder: Recorder, values: list[str], field: str | None) -> list[float]:
    latencies = []
    for value in values:
        started = perf_counter()
        if field is None:
            await recorder.query(KIND, subject=value, limit=100)
        else:
            await recorder.query(KIND, where={field: value}, limit=100)
        latencies.append(perf_counter() - started)
    return latencies


async def recorder_purge(recorder: Recorder, cutoff: float) -> tuple[float, int]:
    recorder.set_retention(KIND, timedelta(days=1))
    started = perf_counter()
    deleted = await recorder.purge(now=cutoff + 86_400)
    return perf_counter() - started, deleted


# The fill (not measured): rows 0 .. size-1 straight into the tables, once, kept in CACHE.

COUNT = "WITH RECURSIVE c(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM c WHERE n + 1 < ?)"
BARE_ROWS = (
    f"{COUNT} INSERT OR IGNORE INTO records (seq, kind, subject, time, door, household, data) "
    f"SELECT n + 1, ?, printf('C%05d', n % {CARDS}), ? + n * ?, 'b' || (n % {DOORS}) || '-east', "
    f"'h' || (n % {HOUSEHOLDS}), {data_sql('n')} FROM c"
)
RECORDER_ROWS = (
    f"{COUNT} INSERT OR IGNORE INTO records (seq, kind, subject, time, record_id, data) "
    f"SELECT n + 1, ?, printf('C%05d', n % {CARDS}), ? + n * ?, NULL, {data_sql('n')} FROM c"
)
RECORDER_KEYS = (
    "INSERT OR IGNORE INTO record_keys (kind, name, value, time, seq) "
    "SELECT kind, ?, json_extract(data, '$.' || ?), time, seq FROM records WHERE seq <= ? ORDER BY 3, 4, 5"
)


def _bulk(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -1000000")  # 1 GB while filling
    return connection


def _indexed_after(connection: sqlite3.Connection, tables: tuple[str, ...], fill: list[tuple[str, tuple[Any, ...]]]) -> None:
    """Run ``fill`` with the tables' plain indexes dropped, and make them again after (a sort
    each, far quicker than keeping them up to date row by row)."""
    marks = ", ".join("?" * len(tables))
    indexes = connection.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) AND sql NOT LIKE '%UNIQUE%'", tables).fetchall()
    connection.execute("BEGIN")
    for name, _sql in indexes:
        connection.execute(f"DROP INDEX {name}")
    for sql, params in fill:
        connection.execute(sql, params)
    for _name, sql in indexes:
        connection.execute(sql)
    connection.execute("COMMIT")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.close()


def fill_bare(path: Path, size: int) -> None:
    connection = _bulk(path)
    for statement in (BARE_TABLE, *BARE_INDEXES):
        connection.execute(statement)
    _indexed_after(connection, ("records",), [(BARE_ROWS, (0, size, KIND, T0, SPACING))])


async def fill_recorder(path: Path, size: int) -> None:
    """The recorder makes its schema and declares the fields (so no back-fill is pending); the
    rows and their keys go in by SQL."""
    recorder = await open_recorder(path)
    await recorder.stop()
    _indexed_after(_bulk(path), ("records", "record_keys"), [
        (RECORDER_ROWS, (0, size, KIND, T0, SPACING)),
        *((RECORDER_KEYS, (name, name, size)) for name in INDEXED),
    ])


def make_whole(recorder: Path, bare: Path, size: int) -> None:
    """Undo what an earlier run did to the cached files (records appended after ``size``, the
    first day purged), whole or half-way: both hold rows 0 .. size-1 again."""
    for path, restore in (
        (recorder, [(RECORDER_ROWS, (0, PER_DAY, KIND, T0, SPACING)),
                    *((RECORDER_KEYS, (name, name, PER_DAY)) for name in INDEXED)]),
        (bare, [(BARE_ROWS, (0, PER_DAY, KIND, T0, SPACING))]),
    ):
        connection = sqlite3.connect(path, isolation_level=None)
        connection.execute("BEGIN")
        connection.execute("DELETE FROM records WHERE seq > ?", (size,))
        if connection.execute("SELECT min(seq) FROM records").fetchone()[0] != 1:
            for sql, params in restore:
                connection.execute(sql, params)
        connection.execute("COMMIT")
        connection.close()


async def cached(size: int) -> tuple[Path, Path]:
    """The recorder file and the bare file holding rows 0 .. size-1: filled once, then each run
    measures in them (appends, purges a day) and the next makes them whole again, since
    copying the 10M files (6 GB) took longer than the measurement."""
    stem = f"v{FILL_FORMAT}-s{SCHEMA_VERSION}-{size}"
    recorder, bare = CACHE / f"{stem}-recorder.db", CACHE / f"{stem}-bare.db"
    if not (recorder.exists() and bare.exists()):
        CACHE.mkdir(parents=True, exist_ok=True)
        started = perf_counter()
        print(f"   filling the {label(size)} files once, into {CACHE} ...", flush=True)
        for final, fill in ((recorder, fill_recorder), (bare, fill_bare)):
            part = final.with_name(final.name + ".part")
            part.unlink(missing_ok=True)
            result = fill(part, size)
            if asyncio.iscoroutine(result):
                await result
            part.rename(final)
        print(f"   filled in {perf_counter() - started:.0f} s", flush=True)
    make_whole(recorder, bare, size)
    return recorder, bare


def postgresql_rows(connection: Any, start: int, stop: int) -> None:
    """Rows start .. stop-1 and their keys into the schema on ``connection``, unless there."""
    connection.execute(  # no parameters: its % are SQL's (every value is a constant)
        "INSERT INTO records (seq, kind, subject, time, record_id, data) OVERRIDING SYSTEM VALUE "
        f"SELECT n + 1, '{KIND}', 'C' || lpad((n % {CARDS})::text, 5, '0'), {T0!r} + n * {SPACING!r}, NULL, "
        f"{data_sql('n', postgresql=True)}::text FROM generate_series({start}, {stop - 1}) AS n "
        "ON CONFLICT DO NOTHING")
    for name in INDEXED:
        connection.execute(
            "INSERT INTO record_keys (kind, name, value, time, seq) "
            "SELECT kind, %s, data::jsonb -> %s, time, seq FROM records WHERE seq > %s AND seq <= %s "
            "ON CONFLICT DO NOTHING", (name, name, start, stop))


async def cached_postgresql(url: str, size: int) -> PostgreSQL:
    """A schema on the server holding rows 0 .. size-1: filled once (its plain indexes made
    after), kept as the SQLite files are and made whole again at each run."""
    import psycopg

    backend = PostgreSQL(url, f"xiaoqu_bench_recorder_v{FILL_FORMAT}_{size}", Path("recorder.db"))
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'SET search_path TO "{backend.schema}"')
        whole = False
        if connection.execute("SELECT to_regclass('record_keys')").fetchone()[0] is not None:
            with connection.transaction():
                connection.execute("DELETE FROM records WHERE seq > %s", (size,))
                postgresql_rows(connection, 0, PER_DAY)
            whole = connection.execute("SELECT count(*) FROM records").fetchone()[0] == size
        if not whole:
            started = perf_counter()
            print(f"   filling the {label(size)} schema {backend.schema} once ...", flush=True)
            connection.execute(f'DROP SCHEMA IF EXISTS "{backend.schema}" CASCADE')
            await (await open_recorder(backend)).stop()
            indexes = connection.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND indexname IN "
                "('records_kind_subject_time', 'records_kind_time', 'record_keys_seq')",
                (backend.schema,)).fetchall()
            with connection.transaction():
                for name, _sql in indexes:
                    connection.execute(f'DROP INDEX "{name}"')
                postgresql_rows(connection, 0, size)
                for _name, sql in indexes:
                    connection.execute(sql)
            connection.execute("ANALYZE records")
            connection.execute("ANALYZE record_keys")
            print(f"   filled in {perf_counter() - started:.0f} s", flush=True)
        connection.execute("SELECT setval(pg_get_serial_sequence('records', 'seq'), %s)", (size,))
    return backend


# Measurements.

@dataclass
class AtSize:
    """One store's costs at one size, each summed over the rounds."""

    append: float = 0.0  # seconds
    queries: list[float] = field(default_factory=list)  # seconds each
    purge: float = 0.0  # seconds
    purged: int = 0

    def rate(self, appended: int) -> float:
        return appended / self.append

    def p50(self) -> float:
        return percentile(self.queries, 0.5)


Stores = dict[int, tuple[Recorder, sqlite3.Connection | None]]


async def measure(stores: Stores, appended: int, queries: int) -> tuple[dict[int, AtSize], dict[int, AtSize]]:
    """The three costs of each recorder (and bare file) in ``stores``, ``size`` → the two holding
    rows 0 .. size-1. Every step goes round all the sizes, the recorder then its bare file, so
    the machine's drift (others share its two cores and its disk) falls on every size alike."""
    ours = {size: AtSize() for size in stores}
    theirs = {size: AtSize() for size, (_recorder, bare) in stores.items() if bare is not None}
    for start in range(0, appended, STEP):
        for size, (recorder, bare) in stores.items():
            batch = rows(size + start, size + min(start + STEP, appended))
            if bare is not None:
                theirs[size].append += bare_append(bare, batch)
            ours[size].append += await recorder_append(recorder, batch)
    pick = random.Random(7)
    for household in (f"h{pick.randrange(HOUSEHOLDS)}" for _ in range(queries)):
        for size, (recorder, bare) in stores.items():
            ours[size].queries += await recorder_queries(recorder, [household], "household")
            if bare is not None:
                theirs[size].queries += bare_queries(bare, BARE_KEYED, [household])
    for part in range(1, PURGE_STEPS + 1):  # the oldest day, a fifth at a time
        cutoff = T0 + 86_400 * part / PURGE_STEPS
        for size, (recorder, bare) in stores.items():
            seconds, deleted = await recorder_purge(recorder, cutoff)
            ours[size].purge += seconds
            ours[size].purged += deleted
            if bare is not None:
                seconds, deleted = bare_purge(bare, cutoff)
                theirs[size].purge += seconds
                theirs[size].purged += deleted
    return ours, theirs


def show(store: str, size: int, found: AtSize, appended: int) -> None:
    print(f"{store:>12} {label(size):>5} {found.rate(appended):>11,.0f} {found.append / appended * 1e6:>9.1f} "
          f"{found.p50() * 1e3:>11.2f} {found.purge:>9.2f} {found.purged:>9,}")


def report_size(store: str, size: int, found: AtSize, bare: AtSize, appended: int) -> None:
    baseline = f"raw SQLite, {label(size)} rows"
    figure(f"{store}, {label(size)} rows: records appended (group commits, 2 indexed fields)",
           found.rate(appended), "records/s", baseline=(baseline, bare.rate(appended)))
    figure(f"{store}, {label(size)} rows: a household's last 100 (keyed), p50", found.p50() * 1e3, "ms",
           baseline=(baseline, bare.p50() * 1e3))
    figure(f"{store}, {label(size)} rows: purging a day ({found.purged:,} records)", found.purge, "s",
           baseline=(baseline, bare.purge))


def growths(results: dict[int, AtSize]) -> tuple[float, float, float]:
    """Per-record cost, keyed query p50 and purge at the largest size over the smallest."""
    small, large = results[min(results)], results[max(results)]
    return large.append / small.append, large.p50() / small.p50(), large.purge / small.purge


STEEPER = 1.1  # the recorder's growth over raw SQLite's that still counts as SQLite's own


def report_growth(store: str, results: dict[int, AtSize], bare: dict[int, AtSize]) -> None:
    """Each cost at the largest size over the smallest, against raw SQLite's in the same run:
    the SQLite recorder's per-record growth is judged against the B-trees' own, which no
    layout of ours removes (the partition note says what time partitions would save)."""
    span = f"{label(max(results))} / {label(min(results))}"
    ours, theirs = growths(results), growths(bare)
    whats = ("per-record cost of appending", "keyed query p50", "purge of a day")
    print(f"{store}, {span}: " + ", ".join(
        f"{what} {mine:.2f}× (raw SQLite {raw:.2f}×)" for what, mine, raw in zip(whats, ours, theirs, strict=True)))
    judged = store.startswith("SQLite")
    met = ours[0] <= theirs[0] * STEEPER
    figure(f"{store}: {whats[0]}, {span} rows", ours[0], "×", baseline=(f"raw SQLite, {span}", theirs[0]),
           target="grows no faster than raw SQLite's (within 10 %)" if judged else None,
           met=met if judged else None,
           if_missed="The recorder's per-record cost grew faster than a bare table's with the same indexes: "
                     "the extra is the recorder's own (its key rows and JSON), to be profiled at the largest "
                     "size. The lever measured for the B-trees' part is the writer's page cache (64 MB cut "
                     "the cost 10–18 % at 100k, 1M and 10M, 2026-12-06)." if judged and not met else "")
    for what, mine, raw in zip(whats[1:], ours[1:], theirs[1:], strict=True):
        figure(f"{store}: {what}, {span} rows", mine, "×", baseline=(f"raw SQLite, {span}", raw))


def partition_note(ours: dict[int, AtSize], theirs: dict[int, AtSize]) -> None:
    """Why the SQLite recorder is not partitioned by time, in this run's figures."""
    sizes = sorted(ours)
    steps = ", ".join(
        f"{label(small)} → {label(large)} {ours[large].append / ours[small].append:.2f}× "
        f"(raw SQLite {theirs[large].append / theirs[small].append:.2f}×)"
        for small, large in zip(sizes, sizes[1:], strict=False))
    month = PER_DAY * 30
    last, before = sizes[-1], max((size for size in sizes if size <= month), default=sizes[0])
    saving = ours[last].append / ours[before].append
    note(f"Per-record cost of appending, step by step: {steps}. It follows raw SQLite's: the cost is "
         "the B-trees', which grow most while the (kind, subject, time) index has fewer leaf pages than "
         f"there are cards ({CARDS:,}): each commit rewrites one leaf page per card in it, up to all of "
         "them. Beyond, it grows slower (deeper trees, fewer of their pages in the writer's 2 MB cache). "
         "Not partitioned by time: a partition (a table or file per month, queries spanning them, the "
         "purge dropping whole ones) bounds only the size of the one being written, and at "
         f"{PER_DAY:,} records a day a month is {month / 1e6:.1f}M rows; an insert costs what the trees it "
         f"writes to cost, so with partitions the cost at {label(last)} is the cost of 0 to {month / 1e6:.1f}M "
         f"rows above, {label(before)}'s for most of each month: they would save at most the "
         f"{label(before)} → {label(last)} step ({saving:.2f}× in this run), not the growth below {label(before)}; "
         "back to the 100k cost would take two-day partitions, a query spanning 45 of them for 90 "
         "days kept, and record ids (the money rule) unique across them. The purge of a day grows as "
         "raw SQLite's DELETE does (it touches a leaf page per card of the day); it runs once a day in "
         "the writer thread, records queued meanwhile, none lost.")


HEADER = f"{'store':>12} {'rows':>5} {'records/s':>11} {'µs/rec':>9} {'query p50':>11} {'purge s':>9} {'purged':>9}"


async def sizes_sqlite(sizes: list[int], appended: int, queries: int) -> dict[int, AtSize]:
    print(f"\n1. at each size: append {appended:,}, {queries:,} keyed queries, purge a day")
    stores: Stores = {}
    try:
        for size in sizes:
            path, bare_path = await cached(size)
            stores[size] = (await open_recorder(path), bare_open(bare_path))
        ours, theirs = await measure(stores, appended, queries)
    finally:
        for recorder, bare in stores.values():
            await recorder.stop()
            if bare is not None:
                bare.close()
    print(HEADER)
    for size in sizes:
        show("xiaoqu", size, ours[size], appended)
        show("raw SQLite", size, theirs[size], appended)
        report_size("SQLite recorder", size, ours[size], theirs[size], appended)
    if len(sizes) > 1:
        report_growth("SQLite recorder", ours, theirs)
        partition_note(ours, theirs)
    return theirs


async def sizes_postgresql(url: str, sizes: list[int], appended: int, queries: int,
                           bare: dict[int, AtSize]) -> None:
    sizes = [size for size in sizes if size <= POSTGRESQL_UP_TO]
    print(f"\n   PostgreSQL ({url.split('@')[-1]}), sizes up to {label(POSTGRESQL_UP_TO)}")
    stores: Stores = {}
    try:
        for size in sizes:
            stores[size] = (await open_recorder(await cached_postgresql(url, size)), None)
        ours, _ = await measure(stores, appended, queries)
    finally:
        for recorder, _bare in stores.values():
            await recorder.stop()
    print(HEADER)
    for size in sizes:
        show("PostgreSQL", size, ours[size], appended)
        report_size("PostgreSQL recorder", size, ours[size], bare[size], appended)
    if len(sizes) > 1:
        report_growth("PostgreSQL recorder", ours, {size: bare[size] for size in sizes})


async def from_empty(directory: Path, n: int, queries: int) -> None:
    recorder = await open_recorder(directory / "recorder.db")
    bare = bare_open(directory / "bare.db")
    per_slice = n // SLICES
    print(f"\n2. from empty: append {per_slice * SLICES:,} records in {SLICES} slices of {per_slice:,}")
    print(f"{'slice':>5} {'xiaoqu µs/rec':>14} {'bare µs/rec':>12} {'ratio':>6}")
    ours, theirs = [], []
    for index in range(SLICES):
        seconds = [0.0, 0.0]
        for start in range(index * per_slice, (index + 1) * per_slice, BATCH):
            batch = rows(start, min(start + BATCH, (index + 1) * per_slice))
            seconds[1] += bare_append(bare, batch)
            seconds[0] += await recorder_append(recorder, batch)
        ours.append(seconds[0] / per_slice * 1e6)
        theirs.append(seconds[1] / per_slice * 1e6)
        print(f"{index + 1:>5} {ours[-1]:>14.2f} {theirs[-1]:>12.2f} {ours[-1] / theirs[-1]:>6.2f}")
    total, bare_total = sum(ours) * per_slice / 1e6, sum(theirs) * per_slice / 1e6
    growth = statistics.fmean(ours[-3:]) / statistics.fmean(ours[:3])
    bare_growth = statistics.fmean(theirs[-3:]) / statistics.fmean(theirs[:3])
    print(f"total: xiaoqu {total:.1f} s, bare {bare_total:.1f} s; ratio {total / bare_total:.2f}")
    print(f"growth (mean of the last 3 slices / the first 3): xiaoqu {growth:.2f}, bare {bare_growth:.2f}")
    figure(f"appending {label(n)} records from empty, total", total, "s",
           baseline=("raw SQLite, the same rows", bare_total))
    figure(f"per-record cost, last 3 slices / first 3, over {label(n)} from empty", growth, "×",
           baseline=("raw SQLite", bare_growth), ratio=growth / bare_growth,
           target="flat (1.0) as far as raw SQLite is", met=growth <= max(1.0, bare_growth) * 1.1,
           if_missed="The recorder's cost grows faster than raw SQLite's over the same rows: "
                     "see the sizes above for where; the plan is in the note below.")

    print(f"\n3. a card's last 100 records, {queries:,} queries")
    pick = random.Random(7)
    cards = [subject(pick.randrange(CARDS)) for _ in range(queries)]
    latencies = await recorder_queries(recorder, cards, None)
    bare_latencies = bare_queries(bare, BARE_CARD, cards)
    for name, samples in (("xiaoqu", latencies), ("bare", bare_latencies)):
        print(f"{name:>6}: p50 {percentile(samples, 0.5) * 1e3:.2f} ms  "
              f"p99 {percentile(samples, 0.99) * 1e3:.2f} ms  mean {statistics.fmean(samples) * 1e3:.2f} ms")
    p99 = percentile(latencies, 0.99)
    figure(f"a card's last 100 records, {label(n)} rows, p99", p99 * 1e3, "ms",
           baseline=("raw SQLite SELECT, not decoded", percentile(bare_latencies, 0.99) * 1e3),
           target="≤ 20 ms", met=p99 <= 0.020,
           if_missed="The reads queue behind other work on a loaded machine; measure alone first.")
    bare.close()
    await recorder.stop()


def postgresql_reachable(url: str) -> str | None:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except Exception as err:  # any reason not to run it is printed
        return str(err).strip()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="rows already in the recorder, comma-separated")
    parser.add_argument("--append", type=int, default=50_000, help="records appended at each size")
    parser.add_argument("--n", type=int, default=1_000_000, help="records appended from empty")
    parser.add_argument("--queries", type=int, default=1_000, help="queries timed, each kind")
    parser.add_argument("--postgresql", default=DATABASE, help="server for the PostgreSQL figures")
    parser.add_argument("--no-postgresql", action="store_true", help="SQLite only")
    parser.add_argument("--dir", type=Path, help="where the from-empty files go (default: the system's temp)")
    args = parser.parse_args()
    began = perf_counter()
    sizes = sorted(int(size) for size in args.sizes.split(",") if size)
    command = shlex.join([".venv/bin/python", "bench/recorder.py", *sys.argv[1:]])
    print("$", command)
    print(f"sqlite {sqlite3.sqlite_version}, python {sys.version.split()[0]}")
    section(
        "Recorder", command=command,
        about=f"Access-log records ({len(INDEXED)} indexed fields, {CARDS:,} cards, {PER_DAY:,} a day) "
              f"at {', '.join(label(size) for size in sizes)} rows already recorded: {args.append:,} "
              "appended through record() (group commits), a household's last 100 read from the keys, "
              "the oldest day purged; then 1M appended from empty and a card's last 100. Baseline: raw "
              "SQLite in the same run, a bare table with the same indexes written by executemany, "
              "one transaction per 10k rows (50k from empty). Each step goes round the sizes in turn.")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        bare = asyncio.run(sizes_sqlite(sizes, args.append, args.queries))
        if not args.no_postgresql:
            reason = postgresql_reachable(args.postgresql)
            if reason:
                print(f"\n   no PostgreSQL figures: {reason}")
                note(f"No PostgreSQL figures in this run: {reason}")
            else:
                asyncio.run(sizes_postgresql(args.postgresql, sizes, args.append, args.queries, bare))
        asyncio.run(from_empty(Path(tmp), args.n, args.queries))
    print(f"\n{perf_counter() - began:.0f} s in all")


if __name__ == "__main__":
    main()
