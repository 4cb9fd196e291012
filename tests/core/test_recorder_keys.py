"""core.recorder's indexed keys: a ``where`` on a declared field read from ``record_keys``,
always the answer the JSON scan gives, through purge, erasure, migration and restarts, on SQLite
and on PostgreSQL (``backend``)."""
from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.core.recorder_fixtures import SQLITE_ONLY, backend, database, rows  # noqa: F401 (fixtures)
from xiaoqu.core import recorder as recorder_module
from xiaoqu.core.recorder import Record, Recorder, _fetch_one, _fetch_records, _select
from xiaoqu.core.recorder_backends import Backend

DAY = 86_400.0
T0 = 1_790_000_000.0
FIELDS = ("door", "card", "household", "reader.id")

#: Schema version 1 as sites have it on disk, written here by hand (not from the code's constants).
V1_SCHEMA = """
CREATE TABLE records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    subject TEXT,
    time REAL NOT NULL,
    record_id TEXT,
    data TEXT NOT NULL
);
CREATE INDEX records_kind_subject_time ON records (kind, subject, time);
CREATE INDEX records_kind_time ON records (kind, time);
CREATE UNIQUE INDEX records_kind_record_id ON records (kind, record_id) WHERE record_id IS NOT NULL;
PRAGMA user_version = 1;
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


StartRecorder = Callable[..., Awaitable[Recorder]]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def start(backend: Backend, clock: Clock) -> AsyncIterator[StartRecorder]:  # noqa: F811
    started: list[Recorder] = []

    async def start(**kwargs: Any) -> Recorder:
        recorder = Recorder(backend, clock=clock, **kwargs)
        await recorder.start()
        started.append(recorder)
        return recorder

    yield start
    for recorder in started:
        await recorder.stop()


def random_data(rng: random.Random) -> dict[str, Any]:
    """Fields with the values a ``where`` may meet: missing, null, text, numbers, bools, objects."""
    data: dict[str, Any] = {"granted": rng.random() < 0.8, "n": rng.randrange(1_000)}
    door = rng.choice(["d0", "d0", "d0", "d1", "d2", "1", 1, 1.0, True, None, {"x": 1}, "missing"])
    if door != "missing":
        data["door"] = door
    if rng.random() < 0.9:
        data["card"] = f"c{rng.randrange(40)}"
    data["household"] = rng.choice(["1-1-0101", "1-1-0102", "2-1-0301", None])
    if rng.random() < 0.5:
        data["reader"] = {"id": rng.choice(["r1", "r2", 7])}
    return data


def random_where(rng: random.Random) -> dict[str, Any]:
    pools: dict[str, list[Any]] = {
        "door": ["d0", "d1", "d2", "nope", "1", 1, 1.0, True, False, None],
        "card": [f"c{n}" for n in range(45)] + [None],
        "household": ["1-1-0101", "2-1-0301", "9-9-9999", None],
        "reader.id": ["r1", "r2", 7, None],
        "granted": [True, False],
    }
    fields = rng.sample(sorted(pools), rng.choice([1, 1, 2]))
    return {field: rng.choice(pools[field]) for field in fields}


async def fill(recorder: Recorder, rng: random.Random, n: int, kind: str = "door.access") -> None:
    for _ in range(n):
        recorder.record(kind, random_data(rng), subject=rng.choice(["P1", "P2", "P3", None]),
                        time=T0 + rng.randrange(2_000))  # many ties
    await recorder.flush()


async def ready(recorder: Recorder, kind: str, fields: tuple[str, ...] = FIELDS, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while not set(fields) <= recorder.keys_ready(kind):
            await asyncio.sleep(0.01)


async def scan(recorder: Recorder, fetch: Any, *args: Any, **kwargs: Any) -> Any:
    """The JSON scan's answer: ``_select`` with no field keyed, on the recorder's readers."""
    sql, params = _select(*args, **kwargs, backend=recorder.backend)
    assert "record_keys" not in sql
    return await recorder._read(fetch, sql, params)


def keys_of(store: Backend, where: str = "true", params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return rows(store, f"SELECT kind, name, value, time, seq FROM record_keys WHERE {where} ORDER BY seq, name",
                params)


def backfill_through(store: Backend, kind: str) -> set[Any]:
    return {row[0] for row in rows(store, "SELECT backfill_through FROM record_key_fields WHERE kind = ?", (kind,))}


def seqs(records: list[Record]) -> list[int]:
    return [record.seq for record in records]


async def assert_answers_equal_the_scan(recorder: Recorder, rng: random.Random, rounds: int,
                                        kind: str = "door.access", *, keyed: bool | None = True) -> None:
    """``keyed``: whether the declared fields are read from their keys (None: either, as a
    back-fill may complete meanwhile)."""
    for _ in range(rounds):
        where = random_where(rng)
        subject = rng.choice([None, None, "P1", "P3"])
        since = rng.choice([None, T0 + rng.randrange(2_000)])
        until = rng.choice([None, T0 + rng.randrange(2_000)])
        limit = rng.choice([None, 1, 5, 50])
        newest_first = rng.random() < 0.7
        what = f"{where=} {subject=} {since=} {until=} {limit=} {newest_first=}"
        uses_keys = any(field in recorder.keys_ready(kind) and value is not None for field, value in where.items())
        if keyed is not None:
            assert uses_keys == (keyed and any(f in FIELDS and v is not None for f, v in where.items())), what

        found = await recorder.query(kind, subject=subject, since=since, until=until, limit=limit,
                                     newest_first=newest_first, where=where)
        expected = await scan(recorder, _fetch_records, kind, subject, since, until, where, newest_first, None, limit)
        assert found == expected, what
        counted = await recorder.count(kind, subject=subject, since=since, until=until, where=where)
        assert counted == await scan(recorder, _fetch_one, kind, subject, since, until, where, True, None, None,
                               "count(*)"), what
        paged = [record async for record in recorder.iterate(kind, subject=subject, since=since, until=until,
                                                             where=where, newest_first=newest_first, page=3)]
        assert paged == await scan(recorder, _fetch_records, kind, subject, since, until, where, newest_first,
                             None, None), what


async def test_keyed_queries_equal_the_json_scan_on_random_data(start: StartRecorder) -> None:
    """Records from before the declaration (back-filled) and after it (keyed as written), another
    kind beside them; every query, count and iteration answers as the JSON scan does."""
    rng = random.Random(12)
    recorder = await start()
    await fill(recorder, rng, 1_500)
    await fill(recorder, rng, 300, kind="patrol.scan")
    await recorder.index_fields("door.access", FIELDS)
    await fill(recorder, rng, 1_500)
    await ready(recorder, "door.access")

    await assert_answers_equal_the_scan(recorder, rng, 300)
    assert recorder.keys_ready("patrol.scan") == frozenset()
    assert keys_of(recorder.backend, "kind != ?", ("door.access",)) == []  # other kinds untouched


async def test_a_key_is_the_fields_value_as_the_json_scan_reads_it(start: StartRecorder, database: str) -> None:  # noqa: F811
    """SQLite's keys are what ``json_extract`` gives (true is 1, an object its JSON text);
    PostgreSQL's are ``jsonb``, which keeps true and objects as they are."""
    recorder = await start()
    await recorder.index_fields("door.access", ("door", "reader.id"))
    assert recorder.keys_ready("door.access") == {"door", "reader.id"}  # no records yet: nothing to back-fill
    for n, door in enumerate(["b1", 7, 2.5, True, {"x": 1}, None]):
        await recorder.append("door.access", {"door": door, "reader": {"id": f"r{n}"}}, time=T0 + n)
    await recorder.append("door.access", {}, time=T0 + 9)

    sqlite = database == "sqlite"
    assert [(name, value, seq) for _kind, name, value, _time, seq in keys_of(recorder.backend)] == [
        ("door", "b1", 1), ("reader.id", "r0", 1), ("door", 7, 2), ("reader.id", "r1", 2),
        ("door", 2.5, 3), ("reader.id", "r2", 3), ("door", 1 if sqlite else True, 4), ("reader.id", "r3", 4),
        ("door", '{"x":1}' if sqlite else {"x": 1}, 5), ("reader.id", "r4", 5),
        ("reader.id", "r5", 6),  # null: no key
    ]
    assert seqs(await recorder.query("door.access", where={"door": True})) == [4]
    assert seqs(await recorder.query("door.access", where={"door": 7.0})) == [2]
    assert seqs(await recorder.query("door.access", where={"door": 1.0})) == ([4] if sqlite else [])
    assert seqs(await recorder.query("door.access", where={"door": "7"})) == []
    assert seqs(await recorder.query("door.access", where={"door": None})) == [7, 6]  # the scan's answer


@SQLITE_ONLY
@pytest.mark.parametrize(("subject", "columns"), [(None, None), ("P1", None), (None, "count(*)")])
async def test_a_keyed_query_reads_the_keys_index_without_sorting(
    start: StartRecorder, subject: str | None, columns: str | None
) -> None:
    recorder = await start()
    await recorder.index_fields("door.access", ("door",))
    await recorder.append("door.access", {"door": "b1"}, subject="P1")
    extra = {"columns": columns} if columns else {}
    sql, params = _select("door.access", subject, T0 - DAY, T0 + DAY, {"door": "b1", "granted": True}, True, None,
                          100, keyed=recorder.keys_ready("door.access"), backend=recorder.backend, **extra)

    with sqlite3.connect(recorder.path) as connection:
        plan = " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params))

    assert "SEARCH k USING PRIMARY KEY (kind=? AND name=? AND value=? AND time>? AND time<?)" in plan
    assert "TEMP B-TREE" not in plan


async def test_purge_deletes_the_keys_with_their_records(start: StartRecorder, clock: Clock) -> None:
    recorder = await start(retention={"door.access": timedelta(days=90)}, default_retention=timedelta(days=30))
    await recorder.index_fields("door.access", ("door",))
    await recorder.index_fields("patrol.scan", ("door",))
    for day in range(100):
        recorder.record("door.access", {"door": f"d{day % 3}"}, time=T0 + day * DAY)
        recorder.record("patrol.scan", {"door": f"d{day % 3}"}, time=T0 + day * DAY)
    await recorder.flush()

    clock.now = T0 + 100 * DAY
    assert await recorder.purge() == 10 + 70

    assert len(keys_of(recorder.backend)) == 90 + 30
    assert keys_of(recorder.backend, "seq NOT IN (SELECT seq FROM records)") == []
    assert await recorder.count("door.access", where={"door": "d0"}) == 30
    assert [r.time for r in await recorder.query("patrol.scan", where={"door": "d1"}, newest_first=False)] == [
        T0 + day * DAY for day in range(70, 100) if day % 3 == 1]


async def test_forgotten_fields_are_no_longer_found_by_their_keys(start: StartRecorder) -> None:
    """Erasure: a person's records lose the card digest, and the card's keys go with it."""
    recorder = await start()
    await recorder.index_fields("door.access", ("card", "door"))
    for n in range(6):
        await recorder.append("door.access", {"card": "h1", "door": "b1"}, subject=f"P{n % 2}", time=T0 + n)

    assert await recorder.forget_fields("door.access", "P0", ("card",)) == 3

    assert [r.subject for r in await recorder.query("door.access", where={"card": "h1"})] == ["P1"] * 3
    assert await recorder.count("door.access", where={"door": "b1"}) == 6  # its other keys stay
    assert await recorder.count("door.access", where={"card": "h1"}) == await scan(
        recorder, _fetch_one, "door.access", None, None, None, {"card": "h1"}, True, None, None, "count(*)")


async def test_index_fields_refuses_bad_names(start: StartRecorder) -> None:
    recorder = await start()
    for fields, message in [(("a b",), "bad field name 'a b'"), ((), "non-empty sequence"),
                            ("door", "non-empty sequence")]:
        with pytest.raises(ValueError, match=message):
            await recorder.index_fields("door.access", fields)


def old_file(path: Path, rng: random.Random, n: int) -> None:
    """A recorder file of schema version 1 with ``n`` records of two kinds."""
    with sqlite3.connect(path) as connection:
        connection.executescript(V1_SCHEMA)
        connection.executemany(
            "INSERT INTO records (kind, subject, time, record_id, data) VALUES (?, ?, ?, ?, ?)",
            [(rng.choice(["door.access", "door.access", "patrol.scan"]), rng.choice(["P1", "P2", "P3", None]),
              T0 + rng.randrange(2_000), None, json.dumps(random_data(rng))) for _ in range(n)])
    connection.close()


@SQLITE_ONLY
async def test_an_old_file_is_migrated_and_its_records_back_filled(
    start: StartRecorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(7)
    old_file(tmp_path / "recorder.db", rng, 3_000)
    monkeypatch.setattr(recorder_module, "BACKFILL_ROWS", 10)
    recorder = await start()
    with sqlite3.connect(recorder.path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (2,)
    assert await recorder.count("door.access") + await recorder.count("patrol.scan") == 3_000

    await recorder.index_fields("door.access", FIELDS)
    assert recorder.keys_ready("door.access") == frozenset()  # until the back-fill is done: the scan
    await assert_answers_equal_the_scan(recorder, rng, 20, keyed=None)
    await fill(recorder, rng, 500)  # written during the back-fill: keyed as they come
    await ready(recorder, "door.access")

    assert backfill_through(recorder.backend, "door.access") == {0}
    await assert_answers_equal_the_scan(recorder, rng, 150)


@SQLITE_ONLY
async def test_a_back_fill_stopped_by_a_restart_resumes_where_it_stopped(
    start: StartRecorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(3)
    old_file(tmp_path / "recorder.db", rng, 2_000)
    monkeypatch.setattr(recorder_module, "BACKFILL_ROWS", 50)
    step = Recorder._backfill_step
    steps: list[int] = []

    def slow_step(self: Recorder, connection: sqlite3.Connection) -> None:
        steps.append(1)
        step(self, connection)
        time.sleep(0.01)  # slow enough to stop half-way

    monkeypatch.setattr(Recorder, "_backfill_step", slow_step)
    recorder = await start()
    await recorder.index_fields("door.access", FIELDS)
    async with asyncio.timeout(10):
        while len(steps) < 5:
            await asyncio.sleep(0.01)
    await recorder.stop()

    (stopped_at,) = backfill_through(recorder.backend, "door.access")
    assert 0 < stopped_at < 2_000 - 4 * 50
    keyed_seqs = {seq for *_, seq in keys_of(recorder.backend)}
    assert keyed_seqs and min(keyed_seqs) > stopped_at  # newest first, and nothing below the mark yet

    monkeypatch.setattr(Recorder, "_backfill_step", step)
    again = await start()  # the declaration is in the file: the integration need not come first
    await fill(again, rng, 200)
    await ready(again, "door.access")

    assert backfill_through(again.backend, "door.access") == {0}
    await assert_answers_equal_the_scan(again, rng, 150)
    with sqlite3.connect(again.path) as connection:
        expected = connection.execute(
            "SELECT count(*) FROM records AS r, json_each(?) AS f WHERE r.kind = 'door.access' "
            "AND json_extract(r.data, '$.' || f.value) IS NOT NULL", ('["door","card","household","reader.id"]',)
        ).fetchone()[0]
    assert len(keys_of(again.backend)) == expected
