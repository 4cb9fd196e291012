"""The recorder: append-only history (access records, patrol scans, payments, events) on SQLite,
or on PostgreSQL when ``xiaoqu: database:`` names one (``core/recorder_backends.py``: the same
logic, the same answers; only connections, DDL and JSON reads differ).

History only grows and is read by kind, subject and time ("card C1's last 100 swipes", "today's
patrol scans"), so it lives in one SQLite table with indexes on (kind, subject, time) and
(kind, time), not in TinyDB. One dedicated thread owns the write connection (WAL,
``synchronous=NORMAL``) and commits whatever has queued up since its last commit in one
transaction, so the per-record cost stays flat however fast records arrive. Readers use their
own connections in a small thread pool (``ledger_backend.Readers``; on PostgreSQL closed after a
minute unused); WAL lets them read while the writer writes.

``record()`` checks its input in the caller and queues it: it never blocks and never waits for
the disk. ``append()`` does the same and returns once the record is committed. A
``record_id`` makes recording idempotent (the money rule: every payment and charge has an id,
and repeating it changes nothing); ids are unique per kind.

When a commit fails (disk full, I/O error) the writer logs it, keeps the batch and retries with
a growing pause, so nothing already accepted is lost while the hub runs; ``last_error`` says
what is wrong meanwhile, and the hub raises its storage alarm (``sqlite_writer.watch``). Only
at ``stop()`` does it give up, after a few more tries, and log how many records were lost.

Retention is per kind (an integration sets its default, such as door records for 90 days;
config may change it); the recorder purges once a day, and ``purge()`` runs it on demand.

Indexed keys. ``where`` on a field of the data is answered by reading each record's JSON
along the (kind, time) index until the page is full: quick for a value most records have
(a busy door), a walk through the whole kind for a value few or none have (a quiet door, one
card). So a kind may declare a few fields as indexed (``await index_fields("access", ("door",
"card", "household"))``, by its integration at set-up): each record of that kind then has one
row per declared field in ``record_keys`` (kind, name, value, time, seq), whose primary key
(kind, name, value, time, seq) is the index a ``where`` on that field reads newest first,
joined to its record, with subject, time range, the other ``where`` fields and the limit
applied as before. ``count`` and ``iterate`` take the same path.

The keys are not given by the caller: the writer thread derives them from the record's own
data (``json_extract``, the very expression the JSON scan compares), in the transaction that
inserts the record. So a key cannot disagree with its record, a keyed answer is the JSON
scan's answer whichever path a query takes, every writer of the kind (a live decision, an
offline controller's upload, a bench filling the log) is indexed without knowing it, and the
hot path of the caller costs nothing more. A field missing or JSON ``null`` has no key
(``where={field: None}`` takes the JSON scan). ``forget_fields`` derives the keys of the
records it changes again, so an erased field is no longer found by its key; a trigger deletes
a record's keys with the record (retention, purge).

Declarations are kept in the file (``record_key_fields``) and only ever added to. A field
declared on a kind that already has records is back-filled by the writer thread, newest
records first, ``BACKFILL_ROWS`` seqs per transaction, while nothing else is queued (and at
least every ``BACKFILL_EVERY`` seconds under load), so neither start-up nor recording waits
for it; its progress (``backfill_through``: records up to that seq lack keys) is committed
with each step's keys, so a restart resumes where it stopped. Records committed after the
declaration get their keys as they are inserted. Until a field's back-fill is complete, a
``where`` on it takes the JSON scan: slower, never wrong. A file of schema version 1 is
migrated at start by creating the (empty) tables; its records are back-filled when their
kind declares its fields.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import queue
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from xiaoqu.core.ledger_backend import Readers
from xiaoqu.core.recorder_backends import SCHEMA_VERSION, Backend, PostgreSQL, RecorderError, SQLite, backend_for
from xiaoqu.core.sqlite_writer import CommitHealth, settle
from xiaoqu.core.storage import check_slug, dump_json

__all__ = ["SCHEMA_VERSION", "Record", "Recorder", "RecorderError", "backend_for", "read_only"]

_LOGGER = logging.getLogger(__name__)

_COLUMNS = "seq, kind, subject, time, record_id, data"

COMMIT_INTERVAL = 0.1  # seconds: under load, records nobody awaits are committed this often
BATCH_MAX = 50_000  # rows per transaction: bounds how long one commit holds the writer
PURGE_CHUNK = 10_000  # rows per delete transaction, so the WAL stays small
FIRST_PURGE_AFTER = 60.0  # seconds after start; not at once, so start-up stays quick
PURGE_EVERY = 86_400.0
RETRY_FIRST = 0.05  # seconds before retrying a failed commit, doubling up to RETRY_MAX
RETRY_MAX = 5.0
ATTEMPTS_WHEN_STOPPING = 3

BACKFILL_ROWS = 10_000  # seqs a back-fill step covers, in one transaction (~0.1 s of the writer)
BACKFILL_EVERY = 1.0  # seconds: under a steady load, a back-fill step at least this often
_MAX_SEQ = 2**63 - 1

_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")

_Row = tuple[str, str | None, float, str | None, str]  # the INSERT's parameters
_Queued = tuple[_Row, asyncio.Future[bool] | None]  # a future when someone awaits the row
_Fetch = Callable[[Any, str, list[Any]], Any]  # (connection, sql, params)


@dataclass(frozen=True, slots=True)
class Record:
    """One recorded fact. ``seq`` orders records as they were committed and is never reused."""

    seq: int
    kind: str
    subject: str | None
    time: float
    record_id: str | None
    data: dict[str, Any]


@dataclass(slots=True)
class _Job:
    """Work for the writer thread after every row queued before it is committed."""

    run: Callable[[Any], Any]  # given the writer's connection
    future: asyncio.Future[Any]


_STOP = object()


class Recorder:
    """Append-only history in one SQLite file or PostgreSQL schema; see the module docstring."""

    def __init__(
        self,
        path: Path | Backend,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        retention: Mapping[str, timedelta | None] | None = None,
        default_retention: timedelta | None = None,
    ) -> None:
        """``clock`` and ``sleep`` are the hub clock's (``time``, ``sleep``): retention is
        behaviour in time, so the daily purge follows the clock a test can advance.
        ``path``: the file, kept on the PostgreSQL schema the hub placed for its directory
        (``xiaoqu: database:``; :func:`backend_for`), or a backend."""
        self.backend = path if isinstance(path, Backend) else backend_for(Path(path))
        self.path = self.backend.path
        self._clock = clock
        self._sleep = sleep
        self._default_retention = _checked_retention("default_retention", default_retention)
        self._retention: dict[str, timedelta | None] = {}
        for kind, keep in (retention or {}).items():
            self.set_retention(kind, keep)
        self.last_error: BaseException | None = None
        self._health = CommitHealth(self.path)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        #: Set with what must not wait for ``COMMIT_INTERVAL`` (an awaited row, a job, stop):
        #: it cuts the writer's wait short, where a row nobody awaits does not wake it.
        self._urgent = threading.Event()
        self._stopping = threading.Event()
        self._known_kinds: set[str] = set()
        self._last_commit = 0.0  # time.monotonic() of the writer's last commit
        self._running = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer_done: asyncio.Future[None] | None = None
        self._readers: Readers | None = None
        self._purger: asyncio.Task[None] | None = None
        #: The loop's view: per kind, the indexed fields whose back-fill is complete.
        self._keys_ready: dict[str, frozenset[str]] = {}
        #: The writer thread's: per kind, every declared field, and the back-fills pending
        #: as (kind, name) → backfill_through.
        self._key_fields: dict[str, set[str]] = {}
        self._backfill: dict[tuple[str, str], int] = {}
        self._backfill_due = 0.0  # time.monotonic() before which no back-fill step is forced
        self._failed_until = 0.0  # time.monotonic() before which no step is tried after a failure

    def __repr__(self) -> str:
        return f"<Recorder {self.backend} running={self._running}>"

    # Life cycle.

    async def start(self) -> None:
        """Open (or create) the database in the writer thread and start the daily purge."""
        if self._running:
            return
        loop = self._loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._keys_ready = {}
        self._writer_done = loop.create_future()
        self._stopping.clear()
        # daemon: a hub that dies without stop() must not hang on this thread at exit.
        threading.Thread(
            target=self._write_loop, args=(ready,), name=f"recorder {self.path.name}", daemon=True
        ).start()
        await ready
        self._readers = Readers(
            f"recorder {self.path.name} read", self.backend.connect_reader,
            idle=isinstance(self.backend, PostgreSQL), broken=self.backend.broken)
        self._running = True
        self._purger = loop.create_task(self._purge_daily(), name=f"purge {self.path.name}")

    async def stop(self) -> None:
        """Commit everything queued, stop the writer and close every connection."""
        if not self._running:
            return
        self._running = False
        assert self._purger is not None and self._writer_done is not None
        assert self._readers is not None
        self._purger.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._purger
        self._stopping.set()
        self._put_urgent(_STOP)
        await self._writer_done
        await self._readers.close()

    # Writing.

    def record(
        self,
        kind: str,
        data: Mapping[str, Any],
        *,
        subject: str | None = None,
        time: float | None = None,
        record_id: str | None = None,
    ) -> None:
        """Queue a record; never blocks. Bad input raises ValueError here, naming the field.

        ``time`` defaults to the hub's clock. With a ``record_id`` already recorded for this
        kind, nothing changes.
        """
        self._queue.put((self._row(kind, data, subject, time, record_id), None))

    async def append(
        self,
        kind: str,
        data: Mapping[str, Any],
        *,
        subject: str | None = None,
        time: float | None = None,
        record_id: str | None = None,
    ) -> bool:
        """Record and return once committed: True if new, False if ``record_id`` was known.

        Commits are shared with everything queued meanwhile (group commit). A cancelled
        ``append`` may still be recorded.
        """
        row = self._row(kind, data, subject, time, record_id)
        assert self._loop is not None
        future: asyncio.Future[bool] = self._loop.create_future()
        self._put_urgent((row, future))
        return await future

    def now(self) -> float:
        """The time a record queued now is given, for callers that must know it beforehand."""
        return self._clock()

    async def flush(self) -> None:
        """Return once every record queued before this call is committed."""
        await self._job(lambda connection: None)

    async def index_fields(self, kind: str, fields: Sequence[str]) -> None:
        """Index the (top-level or dotted) ``fields`` of ``kind``'s data for ``where``.

        Records queued before this call are back-filled in the writer thread; the ones after
        it are keyed as they are committed. Returns once the declaration is committed, not
        the back-fill. Declaring again is harmless; a field once declared stays indexed.
        """
        check_slug(kind, "kind")
        names = tuple(fields)
        if isinstance(fields, str) or not names:
            raise ValueError(f"{kind}: fields must be a non-empty sequence of field names")
        for name in names:
            if not isinstance(name, str) or not _FIELD.fullmatch(name):
                raise ValueError(f"{kind}: bad field name {name!r}")
        await self._job(lambda connection: self._declare(connection, kind, names))

    def keys_ready(self, kind: str) -> frozenset[str]:
        """The fields of ``kind`` a ``where`` is answered from ``record_keys`` for now: the
        declared ones whose back-fill is complete."""
        return self._keys_ready.get(kind, frozenset())

    def set_retention(self, kind: str, keep: timedelta | None) -> None:
        """Keep records of ``kind`` for ``keep`` (None: forever), overriding the default."""
        check_slug(kind, "retention kind")
        self._retention[kind] = _checked_retention(f"retention of {kind!r}", keep)

    async def purge(self, now: float | None = None) -> int:
        """Delete the records older than their kind's retention; return how many went."""
        now = self._clock() if now is None else _checked_time("now", now)
        cutoffs = {
            kind: now - keep.total_seconds() for kind, keep in self._retention.items() if keep
        }
        default = (
            now - self._default_retention.total_seconds() if self._default_retention else None
        )
        exempt = list(self._retention)  # explicitly set kinds, kept or not, skip the default
        return await self._job(lambda connection: _purge(self.backend, connection, cutoffs, default, exempt))

    async def forget_fields(self, kind: str, subject: str, fields: Sequence[str]) -> int:
        """Remove ``fields`` from the data of every record of ``kind`` and ``subject``; return how
        many records changed. The one change history allows: erasing a person's data
        (the right to erasure) must reach what was recorded about them."""
        for name in fields:
            if not _FIELD.fullmatch(name):
                raise ValueError(f"{kind}: bad field name {name!r}")
        backend = self.backend
        paths = [backend.path_of(name) for name in fields]
        sql = f"UPDATE records SET data = {backend.remove_fields(len(paths))} WHERE kind = ? AND subject = ?"
        return await self._job(lambda connection: _forget(backend, connection, sql, [*paths, kind, subject]))

    def _row(
        self,
        kind: str,
        data: Mapping[str, Any],
        subject: str | None,
        time: float | None,
        record_id: str | None,
    ) -> _Row:
        if not self._running:
            raise RecorderError(f"recorder {self.backend} is not running")
        if kind not in self._known_kinds:
            self._known_kinds.add(check_slug(kind, "kind"))
        if not isinstance(data, Mapping):
            raise ValueError(f"{kind}: data must be a mapping, got {type(data).__name__}")
        if subject is not None and not isinstance(subject, str):
            raise ValueError(f"{kind}: subject must be a string, got {type(subject).__name__}")
        if record_id is not None and (not isinstance(record_id, str) or not record_id):
            raise ValueError(f"{kind}: record_id must be a non-empty string, got {record_id!r}")
        when = self._clock() if time is None else _checked_time(f"{kind}: time", time)
        return (kind, subject, when, record_id, dump_json(data, f"{kind}: data"))

    async def _job(self, run: Callable[[Any], Any]) -> Any:
        if not self._running:
            raise RecorderError(f"recorder {self.backend} is not running")
        assert self._loop is not None
        job = _Job(run, self._loop.create_future())
        self._put_urgent(job)
        return await job.future

    def _put_urgent(self, item: Any) -> None:
        self._queue.put(item)
        self._urgent.set()

    # The writer thread.

    def _write_loop(self, ready: asyncio.Future[None]) -> None:
        try:
            connection = self.backend.connect_writer()
            declared = connection.execute(
                "SELECT kind, name, backfill_through FROM record_key_fields").fetchall()
        except Exception as err:
            self._call_soon(ready.set_exception, RecorderError(f"cannot open {self.backend}: {err}"))
            return  # the last touch of the loop: start() may return at once
        self._key_fields, self._backfill = {}, {}
        for kind, name, through in declared:
            self._key_fields.setdefault(kind, set()).add(name)
            if through:
                self._backfill[kind, name] = through
            else:
                self._call_soon(self._key_ready, kind, name)
        self._call_soon(ready.set_result, None)
        try:
            self._writer = connection
            self._serve()
        finally:
            try:
                self._writer.close()  # checkpoints SQLite's WAL, so it can fail like a commit
            except Exception as err:
                _LOGGER.error("recorder %s: closing: %s", self.backend, err)
            self._call_soon(self._writer_done.set_result, None)  # type: ignore[union-attr]

    def _serve(self) -> None:
        while True:
            rows, control = self._next_batch(self._next_item())
            self._commit(rows)  # may open the connection again (a server restart)
            if control is _STOP:
                return
            if control is not None:
                self._run_job(self._writer, control)

    def _next_item(self) -> Any:
        """The next thing queued; while a back-fill is pending, its steps run whenever nothing
        is (and one every ``BACKFILL_EVERY`` seconds anyway, so a steady load cannot starve it)."""
        while self._backfill and not self._stopping.is_set():
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                if time.monotonic() < self._failed_until:  # a failed step: retry later
                    try:
                        return self._queue.get(timeout=self._failed_until - time.monotonic())
                    except queue.Empty:
                        continue
                self._backfill_step(self._writer)
                continue
            if time.monotonic() >= self._backfill_due:
                self._backfill_step(self._writer)
            return item
        return self._queue.get()

    def _declare(self, connection: Any, kind: str, names: tuple[str, ...]) -> None:
        """Keep ``names`` as indexed fields of ``kind``: records up to the last one committed
        are left to the back-fill (none, when the kind has no records yet)."""
        new = [name for name in names if name not in self._key_fields.get(kind, ())]
        if not new:
            return
        sql = self.backend.sql
        has_records = connection.execute(
            sql("SELECT 1 FROM records WHERE kind = ? LIMIT 1"), (kind,)).fetchone()
        through = _last_seq(connection) if has_records else 0
        connection.execute("BEGIN")
        prefix, suffix = self.backend.insert_ignore
        connection.cursor().executemany(
            sql(f"{prefix} INTO record_key_fields (kind, name, backfill_through) VALUES (?, ?, ?){suffix}"),
            [(kind, name, through) for name in new])
        connection.execute("COMMIT")
        self._key_fields.setdefault(kind, set()).update(new)
        for name in new:
            if through:
                self._backfill[kind, name] = through
            else:
                self._call_soon(self._key_ready, kind, name)

    def _backfill_step(self, connection: Any) -> None:
        """Key the records of the next ``BACKFILL_ROWS`` seqs, newest first, of the pending
        fields that share the highest ``backfill_through`` (fields declared together), and
        commit the new ``backfill_through`` with them."""
        (kind, _name), through = max(self._backfill.items(), key=lambda item: item[1])
        names = [name for (k, name), at in self._backfill.items() if k == kind and at == through]
        low = max(0, through - BACKFILL_ROWS)
        backend = self.backend
        try:
            connection.execute("BEGIN")
            connection.execute(
                _insert_keys(backend, f" AND {backend.backfill_kind} AND f.backfill_through = ?"),
                (low, through, kind, through))
            connection.execute(backend.sql(
                "UPDATE record_key_fields SET backfill_through = ? WHERE kind = ? AND backfill_through = ?"),
                (low, kind, through))
            connection.execute("COMMIT")
        except Exception as err:
            backend.rollback(connection)
            self.last_error = err
            _LOGGER.error("recorder %s: back-filling the keys of %s: %s; trying again later",
                          backend, kind, err)
            self._failed_until = self._backfill_due = time.monotonic() + RETRY_MAX
            self._reconnect_if_broken()
            return
        self._backfill_due = time.monotonic() + BACKFILL_EVERY
        for name in names:
            if low:
                self._backfill[kind, name] = low
            else:
                del self._backfill[kind, name]
                self._call_soon(self._key_ready, kind, name)
                _LOGGER.info("recorder %s: %s.%s is indexed", self.backend, kind, name)

    def _key_ready(self, kind: str, name: str) -> None:
        """In the loop: ``where`` on ``kind``'s ``name`` may read the keys from now on."""
        self._keys_ready[kind] = self._keys_ready.get(kind, frozenset()) | {name}

    def _next_batch(self, item: Any) -> tuple[list[_Queued], Any]:
        """Collect the rows to commit together, and the job or stop that ends them, if any.

        Rows somebody awaits are committed as soon as the queue is empty. Rows nobody awaits
        may wait until ``COMMIT_INTERVAL`` after the last commit: under a burst that makes
        batches big, and with them the cost per row low, because every commit rewrites each
        page of the subject index it touches. At a trickle, the interval has long passed.

        That wait is not woken by each row queued meanwhile, only by what is urgent (an
        awaited row, a job, stop): a thread woken per row takes the GIL from the event loop
        each time (thousands of times a second at a few hundred reads a second, each a
        context switch on the loop's core), and stalled the loop for milliseconds when the
        woken thread was not running at once to hand it back.
        """
        rows: list[_Queued] = []
        awaited = False
        while isinstance(item, tuple):
            rows.append(item)
            awaited = awaited or item[1] is not None
            if len(rows) >= BATCH_MAX:
                return rows, None
            try:
                item = self._queue.get_nowait()
                continue
            except queue.Empty:
                pass
            wait = 0.0 if awaited else self._last_commit + COMMIT_INTERVAL - time.monotonic()
            if wait <= 0:
                return rows, None
            self._urgent.clear()
            if self._queue.empty():  # else what came before the clear is taken at once
                self._urgent.wait(wait)
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return rows, None
        return rows, item

    def _commit(self, rows: list[_Queued]) -> None:
        """Commit ``rows`` in one transaction, retrying until it works (or, stopping, giving up);
        a connection lost (a database server restarted) is opened again before a retry."""
        if not rows:
            return
        self._last_commit = time.monotonic()
        pause, attempts_when_stopping = RETRY_FIRST, 0
        keyed = bool(self._key_fields) and any(row[0] in self._key_fields for row, _ in rows)
        while True:
            try:
                answers = _insert(self.backend, self._writer, rows, keyed)
            except Exception as err:
                self.backend.rollback(self._writer)
                self._reconnect_if_broken()
                self.last_error = err
                self._health.failed(err)
                stopping = self._stopping.is_set()
                if stopping:
                    attempts_when_stopping += 1
                    if attempts_when_stopping >= ATTEMPTS_WHEN_STOPPING:
                        self._give_up(rows, err)
                        return
                _LOGGER.error(
                    "recorder %s: could not commit %d records (%s); retrying",
                    self.backend, len(rows), err,
                )
                if stopping:
                    time.sleep(RETRY_FIRST)
                else:
                    self._stopping.wait(pause)  # stop() cuts a long pause short
                    pause = min(pause * 2, RETRY_MAX)
                continue
            self.last_error = None
            self._health.committed()
            if answers:
                self._call_soon(settle, answers)
            return

    def _give_up(self, rows: list[_Queued], err: Exception) -> None:
        _LOGGER.error(
            "recorder %s: stopping with %d records that could not be committed (%s); they are lost",
            self.backend, len(rows), err,
        )
        failure = RecorderError(f"could not commit to {self.backend}: {err}")
        self._call_soon(settle, [(future, failure) for _row, future in rows if future])

    def _run_job(self, connection: Any, job: _Job) -> None:
        try:
            result: Any = job.run(connection)
        except Exception as err:
            self.backend.rollback(connection)
            self._reconnect_if_broken()
            result = RecorderError(f"{self.backend}: {err}")
        self._call_soon(settle, [(job.future, result)])

    def _reconnect_if_broken(self) -> None:
        """In the writer thread: open the connection again if it was lost (it is tried again
        at the next failure if the server is still away)."""
        if not self.backend.broken(self._writer):
            return
        try:
            self._writer = self.backend.connect_writer()
        except Exception as err:
            _LOGGER.error("recorder %s: reconnecting: %s", self.backend, err)

    def _call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(callback, *args)

    # Reading.

    async def query(
        self,
        kind: str,
        *,
        subject: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int | None = 100,
        newest_first: bool = True,
        where: Mapping[str, Any] | None = None,
    ) -> list[Record]:
        """Records of ``kind`` (and ``subject``) with ``since <= time < until``, newest first.

        ``where`` matches top-level (or dotted) fields of the data exactly: ``{"door": "b3"}``.
        On a field the kind indexes (:meth:`index_fields`) it is read from that index; any
        other filters what the indexes found, so narrow by subject or time as well when you can.
        Sees what is committed: after ``record()``, ``await flush()`` first.
        """
        sql, params = _select(kind, subject, since, until, where, newest_first, None, limit,
                              keyed=self.keys_ready(kind), backend=self.backend)
        return await self._read(_fetch_records, sql, params)

    async def count(
        self,
        kind: str,
        *,
        subject: str | None = None,
        since: float | None = None,
        until: float | None = None,
        where: Mapping[str, Any] | None = None,
    ) -> int:
        """How many records :meth:`query` would find without a limit."""
        sql, params = _select(kind, subject, since, until, where, True, None, None, "count(*)",
                              keyed=self.keys_ready(kind), backend=self.backend)
        return await self._read(_fetch_one, sql, params)

    async def iterate(
        self,
        kind: str,
        *,
        subject: str | None = None,
        since: float | None = None,
        until: float | None = None,
        where: Mapping[str, Any] | None = None,
        newest_first: bool = False,
        page: int = 1_000,
    ) -> AsyncIterator[Record]:
        """Every matching record, oldest first, fetched ``page`` at a time (for exports).

        Each page continues after the last record of the one before, so memory stays flat
        and records committed meanwhile after that point are included.
        """
        after: tuple[float, int] | None = None
        while True:
            sql, params = _select(kind, subject, since, until, where, newest_first, after, page,
                                  keyed=self.keys_ready(kind), backend=self.backend)
            records = await self._read(_fetch_records, sql, params)
            for record in records:
                yield record
            if len(records) < page:
                return
            after = (records[-1].time, records[-1].seq)

    async def last(self, kind: str) -> Record | None:
        """The last record of ``kind`` committed (the highest ``seq``, whatever its time)."""
        sql = self.backend.sql(f"SELECT {_COLUMNS} FROM records WHERE kind = ? ORDER BY seq DESC LIMIT 1")
        records = await self._read(_fetch_records, sql, [check_slug(kind, "kind")])
        return records[0] if records else None

    async def _read(self, fetch: _Fetch, sql: str, params: list[Any]) -> Any:
        if not self._running:
            raise RecorderError(f"recorder {self.backend} is not running")
        assert self._readers is not None
        return await self._readers.run(lambda connection: fetch(connection, sql, params))

    async def _purge_daily(self) -> None:
        await self._sleep(FIRST_PURGE_AFTER)
        while True:
            try:
                deleted = await self.purge()
                _LOGGER.info("recorder %s: purged %d old records", self.backend, deleted)
            except RecorderError:
                _LOGGER.exception("recorder %s: purge failed; trying again tomorrow", self.backend)
            await self._sleep(PURGE_EVERY)


def read_only(path: Path | Backend, kind: str, page: int = 1_000) -> Iterator[Record]:
    """Every record of ``kind`` in the file at ``path`` (or the backend) in commit order
    (``seq``), read without a running recorder and without writing: a check must work beside
    the hub, or without it."""
    backend = path if isinstance(path, Backend) else SQLite(Path(path))
    connection = backend.connect_reader() if isinstance(path, Backend) else sqlite3.connect(
        f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    sql = backend.sql(f"SELECT {_COLUMNS} FROM records WHERE kind = ? AND seq > ? ORDER BY seq LIMIT {page}")
    try:
        after = 0
        while records := _fetch_records(connection, sql, [check_slug(kind, "kind"), after]):
            yield from records
            after = records[-1].seq
    finally:
        connection.close()


def _checked_retention(what: str, keep: timedelta | None) -> timedelta | None:
    if keep is not None and (not isinstance(keep, timedelta) or keep <= timedelta(0)):
        raise ValueError(
            f"{what} must be a positive timedelta or None (keep forever), got {keep!r}"
        )
    return keep


def _checked_time(what: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be seconds since the epoch (a finite number), got {value!r}")
    return float(value)



def _last_seq(connection: Any) -> int:
    return connection.execute("SELECT coalesce(max(seq), 0) FROM records").fetchone()[0]


def _insert_keys(backend: Backend, extra: str = "") -> str:
    """The keys of the records (of the declared kinds) whose ``seq`` is in a range (the first
    two parameters): each declared field's value as the JSON scan reads it, so a key never
    differs from the data's field; ``extra`` conditions narrow the records."""
    return backend.sql(backend.insert_keys.format(extra=extra))


def _insert(
    backend: Backend, connection: Any, rows: list[_Queued], keyed: bool = False
) -> list[tuple[asyncio.Future[bool], bool]]:
    """Insert in one transaction; rows someone awaits go one by one to learn if they were new.
    ``keyed``: some rows are of a kind with indexed fields, whose keys go in the same
    transaction."""
    answers: list[tuple[asyncio.Future[bool], bool]] = []
    unanswered: list[_Row] = []
    insert = backend.sql(backend.insert)
    connection.execute("BEGIN")
    before = _last_seq(connection) if keyed else 0
    for row, future in rows:
        if future is None:
            unanswered.append(row)
            continue
        if unanswered:
            connection.cursor().executemany(insert, unanswered)
            unanswered = []
        answers.append((future, connection.execute(insert, row).rowcount == 1))
    if unanswered:
        connection.cursor().executemany(insert, unanswered)
    if keyed:
        connection.execute(_insert_keys(backend), (before, _last_seq(connection)))
    connection.execute("COMMIT")
    return answers



def _purge(
    backend: Backend,
    connection: Any,
    cutoffs: Mapping[str, float],
    default: float | None,
    exempt: list[str],
) -> int:
    deleted = 0
    for kind, cutoff in cutoffs.items():
        deleted += _delete_in_chunks(backend, connection, "kind = ? AND time < ?", [kind, cutoff])
    if default is not None:
        marks = ", ".join("?" * len(exempt))
        deleted += _delete_in_chunks(
            backend, connection, f"time < ? AND kind NOT IN ({marks})" if exempt else "time < ?",
            [default, *exempt],
        )
    return deleted


def _forget(backend: Backend, connection: Any, sql: str, params: list[Any]) -> int:
    """Run ``forget_fields``' UPDATE (its last two parameters kind and subject) and derive the
    changed records' keys again, in one transaction."""
    kind_subject = params[-2:]
    connection.execute("BEGIN")
    changed = connection.execute(backend.sql(sql), params).rowcount
    if changed:
        connection.execute(backend.sql(
            "DELETE FROM record_keys WHERE seq IN (SELECT seq FROM records WHERE kind = ? AND subject = ?)"),
            kind_subject)
        # Keys for records the back-fill has not reached yet are harmless: it ignores them.
        connection.execute(
            _insert_keys(backend, " AND r.kind = ? AND r.subject = ?"), [0, _MAX_SEQ, *kind_subject])
    connection.execute("COMMIT")
    return changed


def _delete_in_chunks(backend: Backend, connection: Any, condition: str, params: list[Any]) -> int:
    deleted = 0
    sql = backend.sql(
        "DELETE FROM records WHERE seq IN "
        f"(SELECT seq FROM records WHERE {condition} LIMIT {PURGE_CHUNK})"
    )
    while True:
        connection.execute("BEGIN")
        count = connection.execute(sql, params).rowcount
        connection.execute("COMMIT")
        deleted += count
        if count < PURGE_CHUNK:
            return deleted


def _select(
    kind: str,
    subject: str | None,
    since: float | None,
    until: float | None,
    where: Mapping[str, Any] | None,
    newest_first: bool,
    after: tuple[float, int] | None,
    limit: int | None,
    columns: str = _COLUMNS,
    *,
    keyed: Collection[str] = (),
    backend: Backend | None = None,
) -> tuple[str, list[Any]]:
    """Build one SELECT on the indexes; every value is a bound parameter.

    With a ``where`` field in ``keyed`` (indexed and back-filled) the records are found through
    that field's keys in ``record_keys`` (the first such field; the others filter), in the
    keys' (time, seq) order; else through the records' own indexes. ``backend``: whose SQL
    (SQLite's when not given).
    """
    backend = backend or SQLite(Path("recorder.db"))  # its SQL only: the file is not opened
    check_slug(kind, "kind")
    checks: list[tuple[str, Any]] = []  # the data's conditions: (field, value)
    for field, value in (where or {}).items():
        if not isinstance(field, str) or not _FIELD.fullmatch(field):
            raise ValueError(f"where: {field!r} is not a field name like 'door' or 'payer.id'")
        if value is not None and (
            not isinstance(value, (str, int, float)) or isinstance(value, float) and not math.isfinite(value)
        ):
            raise ValueError(
                f"where[{field!r}] must be a string, finite number, bool or None, got {value!r}"
            )
        checks.append((field, value))
    key = next(((field, value) for field, value in checks if value is not None and field in keyed), None)
    # r: the record; t: whichever row carries the time and seq the query ranges and orders on.
    conditions: list[str] = []
    params: list[Any] = []
    if key is None:
        source, r, t = "records", "", ""
        conditions.append("kind = ?")
        params.append(kind)
    else:
        checks.remove(key)
        joined = subject is not None or bool(checks) or columns == _COLUMNS
        source = "record_keys AS k" + (" JOIN records AS r ON r.seq = k.seq" if joined else "")
        r, t = "r.", "k."
        conditions.append(f"k.kind = ? AND k.name = ? AND {backend.key_equals}")
        params.extend((kind, key[0], backend.value_of(key[1])))
        if columns == _COLUMNS:
            columns = ", ".join(f"r.{column}" for column in _COLUMNS.split(", "))
    if subject is not None:
        if not isinstance(subject, str):
            raise ValueError(f"subject must be a string, got {type(subject).__name__}")
        conditions.append(f"{r}subject = ?")
        params.append(subject)
    if since is not None:
        conditions.append(f"{t}time >= ?")
        params.append(_checked_time("since", since))
    if until is not None:
        conditions.append(f"{t}time < ?")
        params.append(_checked_time("until", until))
    for field, value in checks:
        if value is None:
            conditions.append(backend.is_null(backend.field(r)))
            params.append(backend.path_of(field))
        else:
            conditions.append(f"{backend.field(r)} = {backend.value_mark}")
            params.extend((backend.path_of(field), backend.value_of(value)))
    order = "DESC" if newest_first else "ASC"
    if after is not None:
        conditions.append(f"({t}time, {t}seq) {'<' if newest_first else '>'} (?, ?)")
        params.extend(after)
    sql = f"SELECT {columns} FROM {source} WHERE {' AND '.join(conditions)}"
    if not columns.startswith("count("):
        sql += f" ORDER BY {t}time {order}, {t}seq {order}"
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit must be a positive integer or None, got {limit!r}")
        sql += f" LIMIT {limit}"
    return backend.sql(sql), params


def _fetch_records(connection: Any, sql: str, params: list[Any]) -> list[Record]:
    return [
        Record(seq, kind, subject, when, record_id, json.loads(data))
        for seq, kind, subject, when, record_id, data in connection.execute(sql, params)
    ]


def _fetch_one(connection: Any, sql: str, params: list[Any]) -> Any:
    return connection.execute(sql, params).fetchone()[0]
