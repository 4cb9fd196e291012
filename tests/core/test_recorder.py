"""core.recorder: append-only history written by one thread, on a real SQLite file and on a real
PostgreSQL schema (``backend``; the tests on SQLite's files and plans on SQLite only)."""
from __future__ import annotations

import asyncio
import queue
import sqlite3
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.core.disk_full import file_size_limit
from tests.core.recorder_fixtures import SQLITE_ONLY, backend, database  # noqa: F401 (fixtures)
from xiaoqu.core import recorder as recorder_module
from xiaoqu.core.recorder import Record, Recorder, RecorderError, _select
from xiaoqu.core.recorder_backends import Backend, SQLite

DAY = 86_400.0
T0 = 1_790_000_000.0  # a fixed hub clock reading


class Clock:
    """The hub's clock as the recorder sees it: a callable, moved by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


StartRecorder = Callable[..., Awaitable[Recorder]]


@pytest.fixture
async def start(backend: Backend, clock: Clock) -> AsyncIterator[StartRecorder]:  # noqa: F811
    """Start a recorder on the backend; every one started is stopped afterwards."""
    started: list[Recorder] = []

    async def start(**kwargs: Any) -> Recorder:
        recorder = Recorder(backend, clock=clock, **kwargs)
        await recorder.start()
        started.append(recorder)
        return recorder

    yield start
    for recorder in started:
        await recorder.stop()


@pytest.fixture
async def recorder(start: StartRecorder) -> Recorder:
    return await start()


def seqs(records: list[Record]) -> list[int]:
    return [record.seq for record in records]


async def test_a_record_reads_back_with_the_hubs_time(recorder: Recorder) -> None:
    recorder.record("door.access", {"door": "b3-east", "granted": True}, subject="C1")
    await recorder.flush()

    assert await recorder.query("door.access") == [
        Record(1, "door.access", "C1", T0, None, {"door": "b3-east", "granted": True})
    ]


async def test_a_repeated_record_id_changes_nothing(recorder: Recorder) -> None:
    payment = {"household": "b3-1201", "fen": 35_000}

    assert await recorder.append("billing.payment", payment, record_id="P-1") is True
    assert await recorder.append("billing.payment", {**payment, "fen": 1}, record_id="P-1") is False
    recorder.record("billing.payment", payment, record_id="P-2")
    recorder.record("billing.payment", payment, record_id="P-2")
    assert await recorder.append("billing.charge", payment, record_id="P-1") is True  # ids are per kind

    await recorder.flush()
    records = await recorder.query("billing.payment", newest_first=False)
    assert [(r.record_id, r.data["fen"]) for r in records] == [("P-1", 35_000), ("P-2", 35_000)]


async def test_concurrent_appends_are_all_committed(recorder: Recorder) -> None:
    async def swipes(card: int) -> list[bool]:
        return [await recorder.append("door.access", {"n": n}, subject=f"C{card}") for n in range(50)]

    results = await asyncio.gather(*(swipes(card) for card in range(40)))

    assert all(all(new) for new in results)
    assert await recorder.count("door.access") == 2000
    assert await recorder.count("door.access", subject="C7") == 50


class _WakeCountingQueue(queue.SimpleQueue):  # type: ignore[type-arg]
    """The writer's queue, counting the rows that woke the writer from a blocking wait."""

    woken_by_rows = 0

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        item = super().get(block, timeout)
        if isinstance(item, tuple):
            self.woken_by_rows += 1
        return item


async def test_rows_nobody_awaits_wait_for_the_commit_without_waking_the_writer_each(
    backend: Backend, clock: Clock, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """While the writer waits out COMMIT_INTERVAL, a row nobody awaits does not wake it (a thread
    woken per row takes the GIL from the event loop each time); an awaited flush ends the wait,
    and everything queued meanwhile is committed in one transaction."""
    monkeypatch.setattr(recorder_module, "COMMIT_INTERVAL", 3600.0)
    batches: list[int] = []
    insert = recorder_module._insert
    monkeypatch.setattr(recorder_module, "_insert", lambda backend, connection, rows, *keyed: (
        batches.append(len(rows)), insert(backend, connection, rows, *keyed))[1])
    recorder = Recorder(backend, clock=clock)
    counting = recorder._queue = _WakeCountingQueue()  # before start: the writer waits on it
    await recorder.start()
    try:
        recorder.record("door", {"n": 0})
        await asyncio.wait_for(recorder.flush(), 10)
        for n in range(1, 51):
            recorder.record("door", {"n": n})
            await asyncio.sleep(0.001)  # room for a writer woken by the row to take it
        await asyncio.wait_for(recorder.flush(), 10)  # no hour's wait: the flush is urgent
        assert counting.woken_by_rows == 2  # the first row, and the first after the commit; not 51
        assert batches[-1] == 50
        assert [r.data["n"] for r in await recorder.query("door", newest_first=False)] == list(range(51))
    finally:
        await recorder.stop()


async def test_query_filters_by_subject_time_and_data(recorder: Recorder) -> None:
    for n in range(10):
        recorder.record(
            "door.access",
            {"door": f"d{n % 2}", "granted": n != 3, "reason": None if n != 3 else "lost card",
             "reader": {"id": f"r{n % 3}"}},
            subject=f"C{n % 2}",
            time=T0 + n,
        )
    recorder.record("patrol.scan", {"door": "d0"}, subject="C0", time=T0)
    await recorder.flush()

    assert seqs(await recorder.query("door.access", subject="C0")) == [9, 7, 5, 3, 1]
    assert seqs(await recorder.query("door.access", since=T0 + 2, until=T0 + 5)) == [5, 4, 3]
    assert seqs(await recorder.query("door.access", limit=2, newest_first=False)) == [1, 2]
    assert seqs(await recorder.query("door.access", where={"granted": False})) == [4]
    assert seqs(await recorder.query("door.access", where={"reason": None, "door": "d1"})) == [10, 8, 6, 2]
    assert seqs(await recorder.query("door.access", where={"reader.id": "r2"})) == [9, 6, 3]
    assert await recorder.count("door.access", subject="C1", since=T0 + 5) == 3
    assert await recorder.count("patrol.scan") == 1


async def test_records_at_the_same_time_keep_their_order(recorder: Recorder) -> None:
    for n in range(5):
        recorder.record("patrol.scan", {"n": n}, subject="W1", time=T0)
    await recorder.flush()

    assert [r.data["n"] for r in await recorder.query("patrol.scan", subject="W1")] == [4, 3, 2, 1, 0]


async def test_iterate_pages_through_everything_in_order(recorder: Recorder) -> None:
    for n in range(2_500):
        recorder.record("event", {"n": n}, time=T0 + n // 3)  # ties across page edges
    await recorder.flush()

    oldest_first = [r.data["n"] async for r in recorder.iterate("event", page=1_000)]
    newest_first = [
        r.data["n"]
        async for r in recorder.iterate("event", page=7, newest_first=True, since=T0 + 800)
    ]

    assert oldest_first == list(range(2_500))
    assert newest_first == list(range(2_499, 2_399, -1))


@pytest.mark.parametrize(
    ("subject", "since", "index"),
    [
        ("C1", None, "records_kind_subject_time"),
        (None, None, "records_kind_time"),
        (None, T0, "records_kind_time"),
    ],
)
@SQLITE_ONLY
async def test_queries_are_answered_from_an_index_without_sorting(
    recorder: Recorder, tmp_path: Path, subject: str | None, since: float | None, index: str
) -> None:
    await recorder.append("door.access", {}, subject="C1")
    sql, params = _select("door.access", subject, since, None, None, True, None, 100, backend=recorder.backend)

    with sqlite3.connect(tmp_path / "recorder.db") as connection:
        plan = " ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", params))

    assert f"USING INDEX {index}" in plan
    assert "TEMP B-TREE" not in plan


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: r.record("Door Access", {}), r"kind must be a lower-case slug .* got 'Door Access'"),
        (lambda r: r.record("door", {"at": object()}), r"door: data\['at'\] has type object"),
        (lambda r: r.record("door", {"fen": [1, float("inf")]}), r"door: data\['fen'\]\[1\] is inf"),
        (lambda r: r.record("door", ["C1"]), "door: data must be a mapping, got list"),
        (lambda r: r.record("door", {}, subject=7), "door: subject must be a string, got int"),
        (lambda r: r.record("door", {}, time=float("nan")), "door: time must be seconds since the epoch"),
        (lambda r: r.record("door", {}, record_id=""), "door: record_id must be a non-empty string"),
    ],
)
async def test_bad_input_is_refused_in_the_caller_and_the_writer_carries_on(
    recorder: Recorder, call: Callable[[Recorder], None], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        call(recorder)

    assert await recorder.append("door", {"ok": True}) is True
    assert [r.data for r in await recorder.query("door")] == [{"ok": True}]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"where": {"a b": 1}}, "where: 'a b' is not a field name"),
        ({"where": {"door": ["d1"]}}, r"where\['door'\] must be a string, finite number, bool or None, got \['d1'\]"),
        ({"where": {"door": float("nan")}}, r"where\['door'\] must be a string, finite number, bool or None, got nan"),
        ({"limit": 0}, "limit must be a positive integer"),
        ({"since": "yesterday"}, "since must be seconds since the epoch"),
    ],
)
async def test_bad_queries_name_the_argument(
    recorder: Recorder, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await recorder.query("door", **kwargs)


async def test_records_outlive_a_restart_and_stop_commits_the_queue(start: StartRecorder) -> None:
    recorder = await start()
    for n in range(20_000):
        recorder.record("event", {"n": n})
    await recorder.stop()

    with pytest.raises(RecorderError, match="is not running"):
        recorder.record("event", {})
    again = await start()
    assert await again.count("event") == 20_000


async def test_retention_purges_per_kind(start: StartRecorder, clock: Clock) -> None:
    recorder = await start(
        retention={"door.access": timedelta(days=90), "billing.payment": None},
        default_retention=timedelta(days=365),
    )
    recorder.set_retention("patrol.scan", timedelta(days=30))
    for kind in ("door.access", "billing.payment", "patrol.scan", "event"):
        for age in (0, 31, 91, 366, 1000):
            recorder.record(kind, {"age": age}, time=T0 - age * DAY)

    assert await recorder.purge() == 3 + 4 + 2
    remaining = {
        kind: [r.data["age"] for r in await recorder.query(kind, newest_first=False)]
        for kind in ("door.access", "billing.payment", "patrol.scan", "event")
    }
    assert remaining == {
        "door.access": [1000, 366, 91, 31, 0][3:],
        "billing.payment": [1000, 366, 91, 31, 0],
        "patrol.scan": [0],
        "event": [91, 31, 0],
    }
    clock.now += 400 * DAY
    assert await recorder.purge() == 2 + 1 + 3


async def test_the_recorder_purges_by_itself_on_the_hub_clock(backend: Backend) -> None:  # noqa: F811
    from xiaoqu.core.clock import ManualClock

    clock = ManualClock(T0, "UTC")
    recorder = Recorder(backend, clock=clock.time, sleep=clock.sleep,
                        default_retention=timedelta(days=90))
    await recorder.start()
    try:
        await recorder.append("door.access", {}, time=T0 - 89 * DAY)
        await recorder.append("door.access", {}, time=T0 - 80 * DAY)
        await asyncio.sleep(0)  # the purge task is waiting for its first turn
        clock.advance(recorder_module.FIRST_PURGE_AFTER)  # the first purge: nothing is 90 days old yet
        for _ in range(20):
            await asyncio.sleep(0.01)
        assert await recorder.count("door.access") == 2
        clock.advance(recorder_module.PURGE_EVERY)  # a day later, the first record is 90 days old
        async with asyncio.timeout(10):
            while await recorder.count("door.access") > 1:
                await asyncio.sleep(0.01)
        assert [r.time for r in await recorder.query("door.access")] == [T0 - 80 * DAY]
    finally:
        await recorder.stop()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"default_retention": timedelta(0)}, "default_retention must be a positive timedelta"),
        ({"retention": {"door.access": 90}}, "retention of 'door.access' must be a positive timedelta"),
        ({"retention": {"Door": timedelta(days=1)}}, "retention kind must be a lower-case slug"),
    ],
)
def test_bad_retention_is_refused(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Recorder(tmp_path / "recorder.db", **kwargs)


@SQLITE_ONLY
async def test_the_writer_survives_a_failed_commit_and_loses_nothing(
    recorder: Recorder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await recorder.append("event", {"n": 0})
    wal = tmp_path / "recorder.db-wal"

    with file_size_limit(wal.stat().st_size):
        for n in range(1, 11):
            recorder.record("event", {"n": n, "pad": "x" * 5_000})
        waiting = asyncio.create_task(recorder.append("event", {"n": 11}))
        while recorder.last_error is None:
            await asyncio.sleep(0.01)
        assert not waiting.done()

    assert await waiting is True
    assert recorder.last_error is None
    assert [r.data["n"] for r in await recorder.query("event", newest_first=False)] == list(range(12))
    assert "records (disk I/O error); retrying" in caplog.text


@SQLITE_ONLY
async def test_stopping_on_a_failing_disk_gives_up_and_says_so(
    start: StartRecorder, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = await start()
    await recorder.append("event", {"n": 0})

    with file_size_limit((tmp_path / "recorder.db-wal").stat().st_size):
        recorder.record("event", {"pad": "x" * 5_000})
        waiting = asyncio.create_task(recorder.append("event", {"n": 2}))
        while recorder.last_error is None:
            await asyncio.sleep(0.01)
        await recorder.stop()

    with pytest.raises(RecorderError, match="could not commit to .*recorder.db: disk I/O error"):
        await waiting
    assert "records that could not be committed (disk I/O error); they are lost" in caplog.text
    assert await (await start()).count("event") == 1


async def test_a_file_that_is_not_a_recorder_database_stops_start(tmp_path: Path) -> None:
    (tmp_path / "recorder.db").write_text("access log\n" * 100)

    with pytest.raises(RecorderError, match=r"cannot open .*recorder\.db: file is not a database"):
        await Recorder(tmp_path / "recorder.db").start()


async def test_a_database_from_a_newer_version_stops_start(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "recorder.db") as connection:
        connection.execute("PRAGMA user_version = 99")

    with pytest.raises(RecorderError, match="schema version 99 is newer than the 2"):
        await Recorder(tmp_path / "recorder.db").start()


@SQLITE_ONLY
async def test_a_database_left_0644_is_made_0600_with_its_wal(start: StartRecorder, tmp_path: Path) -> None:
    """The audit log is in here: a file someone (or an older version) made 0644 is narrowed,
    and SQLite gives the -wal and -shm files the database's mode."""
    files = [tmp_path / name for name in ("recorder.db", "recorder.db-wal", "recorder.db-shm")]
    for path in files:
        path.touch(mode=0o644)

    recorder = await start()
    await recorder.append("audit", subject="admin", data={"act": "login"})

    assert {path.name: stat.S_IMODE(path.stat().st_mode) for path in files} == {
        path.name: 0o600 for path in files
    }


async def test_a_link_at_the_database_name_stops_start_and_its_target_is_untouched(tmp_path: Path) -> None:
    victim = tmp_path / "elsewhere.db"
    victim.touch(mode=0o644)  # empty: SQLite would take it for a new database and write there
    (tmp_path / "recorder.db").symlink_to(victim)

    with pytest.raises(RecorderError, match=r"cannot open .*recorder\.db: .*is a symbolic link"):
        await Recorder(tmp_path / "recorder.db").start()

    assert victim.stat().st_size == 0 and stat.S_IMODE(victim.stat().st_mode) == 0o644


async def test_a_nul_in_the_data_holds_up_nothing(start: StartRecorder, database: str) -> None:  # noqa: F811
    """PostgreSQL's JSON functions refuse ``\\u0000``: such a record is kept as written, without
    keys and without fields a ``where`` matches there, and the records around it are keyed."""
    recorder = await start()
    await recorder.index_fields("door.access", ("door",))
    assert await recorder.append("door.access", {"door": "b1", "card": "a\x00b"}) is True
    assert await recorder.append("door.access", {"door": "b1"}) is True

    assert [r.data for r in await recorder.query("door.access", newest_first=False)] == [
        {"door": "b1", "card": "a\x00b"}, {"door": "b1"}]
    assert await recorder.count("door.access", where={"door": "b1"}) == (2 if database == "sqlite" else 1)


async def test_on_postgresql_the_site_has_its_schema_and_a_lost_connection_is_opened_again(
    tmp_path: Path, clock: Clock
) -> None:
    import psycopg

    from tests.fixtures_postgresql import URL, schema_name
    from xiaoqu.core.ledger_backend import Database
    from xiaoqu.core.recorder_backends import PostgreSQL, backend_for

    plain = backend_for(tmp_path / "recorder.db")
    assert isinstance(plain, SQLite) and plain.path == tmp_path / "recorder.db"
    with schema_name("xiaoqu_site") as site_schema:
        site = backend_for(tmp_path / "recorder.db", Database(URL, site_schema.removeprefix("xiaoqu_")))
        assert isinstance(site, PostgreSQL) and site.schema == site_schema
        recorder = Recorder(site, clock=clock)
        await recorder.start()
        try:
            assert await recorder.append("access", {"door": "b1"}) is True
            with pytest.raises(RecorderError, match=f"another hub is writing the records of schema {site_schema}"):
                await Recorder(site).start()
            with psycopg.connect(URL, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (recorder._writer.info.backend_pid,))
                assert await asyncio.wait_for(recorder.append("access", {"door": "b2"}), 10) is True
                assert [r.data["door"] for r in await recorder.query("access")] == ["b2", "b1"]
                assert admin.execute(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s", (site_schema,)
                ).fetchone() == (4,)  # records, record_keys, record_key_fields, recorder_version
                admin.execute(f'UPDATE "{site_schema}".recorder_version SET version = 99')
        finally:
            await recorder.stop()
        with pytest.raises(RecorderError, match="schema version 99 is newer than the 2"):
            await Recorder(site).start()
