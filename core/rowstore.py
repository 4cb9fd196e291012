"""Keyed documents on SQLite, one row per document: a change at 100,000 records writes one row.

The TinyDB stores (``core/storage.py``) rewrite their whole file on every commit. That is
right for a few hundred documents (users, the entity registry) and wrong for a community's
people and credentials: at 100,000 card-sized documents a commit rewrites 22 MB, and turning
them into JSON holds the interpreter lock long enough to stall every door. A ``RowStore``
keeps each document in its own row of a ``(key, doc)`` table, so a change costs what the
changed rows cost, whatever the table holds.

One thread owns the write connection (WAL, ``synchronous=NORMAL``, as the recorder's) and
commits everything queued since its last commit in one transaction: a write is durable when
its ``await`` returns, and a burst shares commits. A :meth:`write` of several rows (in one or
several tables) is one transaction: all of it lands or none of it. The owner keeps its own
objects in memory (the store does not cache): :meth:`load` reads a table once at start-up.

One process writes a file: while open, the store holds an exclusive lock on ``<file>.lock``
(:func:`~xiaoqu.core.storage.lock_file`, as the TinyDB stores do), so a second hub, or an
import run on the store of a hub that is running, fails with
:class:`~xiaoqu.core.storage.StoreLockedError` naming the file and the holder's pid instead
of writing beside it.

A failed commit (disk full) is retried with a growing pause while the hub runs; the writes
wait, so nothing acknowledged is lost and nothing is acknowledged that is not on disk.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import queue
import re
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from xiaoqu.core.sqlite_writer import CommitHealth, rollback, settle
from xiaoqu.core.storage import StoreLockedError, dump_json, lock_file, open_private

__all__ = ["Change", "RowStore", "RowStoreError"]

_LOGGER = logging.getLogger(__name__)

TABLE_NAME: Final = re.compile(r"[a-z][a-z0-9_]{0,62}")
RETRY_FIRST: Final = 0.05  # seconds before retrying a failed commit, doubling up to RETRY_MAX
RETRY_MAX: Final = 5.0
ATTEMPTS_WHEN_STOPPING: Final = 3
BATCH_MAX: Final = 10_000  # changes per transaction


class RowStoreError(Exception):
    """The store could not open its database, or could not commit a change."""


@dataclass(frozen=True, slots=True)
class Change:
    """Put ``doc`` under ``key`` in ``table``; ``doc=None`` deletes the row."""

    table: str
    key: str
    doc: Mapping[str, Any] | None


_Encoded = tuple[str, str, str | None]  # table, key, JSON text or None
_Queued = tuple[list[_Encoded], asyncio.Future[None]]
_STOP: Final = object()


class RowStore:
    """Tables of JSON documents by key in one SQLite file; see the module docstring for why."""

    def __init__(self, path: Path, tables: Iterable[str]) -> None:
        self.path = Path(path)
        self.tables = frozenset(_checked_table(name) for name in tables)
        self.last_error: BaseException | None = None
        self._health = CommitHealth(self.path)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer_done: asyncio.Future[None] | None = None
        self._running = False

    def __repr__(self) -> str:
        return f"<RowStore {self.path} running={self._running}>"

    async def open(self) -> None:
        """Take the file's lock and open (or create) the database and its tables, in the writer
        thread; :class:`~xiaoqu.core.storage.StoreLockedError` when another open holds the lock."""
        if self._running:
            return
        loop = self._loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._writer_done = loop.create_future()
        self._stopping.clear()
        threading.Thread(target=self._write_loop, args=(ready,), name=f"rowstore {self.path.name}", daemon=True).start()
        await ready
        self._running = True

    async def close(self) -> None:
        """Commit everything queued and close the database."""
        if not self._running:
            return
        self._running = False
        assert self._writer_done is not None
        self._stopping.set()
        self._queue.put(_STOP)
        await self._writer_done

    async def load(self, table: str) -> list[tuple[str, dict[str, Any]]]:
        """Every ``(key, document)`` of ``table``, read in a thread (start-up's one full read)."""
        self._check_table(table)
        return await asyncio.get_running_loop().run_in_executor(None, _read_table, self.path, table)

    async def put(self, table: str, key: str, doc: Mapping[str, Any]) -> None:
        """Write one document; durable when this returns."""
        await self.write([Change(table, key, doc)])

    async def delete(self, table: str, key: str) -> None:
        await self.write([Change(table, key, None)])

    async def write(self, changes: Iterable[Change]) -> None:
        """Apply ``changes`` in one transaction; durable when this returns.

        Bad input (an unknown table, a key that is not text, a document that is not JSON)
        raises ValueError here, naming it, before anything is queued.
        """
        encoded = [self._encode(change) for change in changes]
        if not encoded:
            return
        if not self._running:
            raise RowStoreError(f"row store {self.path} is not open")
        assert self._loop is not None
        future: asyncio.Future[None] = self._loop.create_future()
        self._queue.put((encoded, future))
        await future

    def _encode(self, change: Change) -> _Encoded:
        self._check_table(change.table)
        if not isinstance(change.key, str) or not change.key:
            raise ValueError(f"{change.table}: a key is non-empty text, not {change.key!r}")
        text = None if change.doc is None else dump_json(change.doc, f"{change.table}[{change.key!r}]")
        return change.table, change.key, text

    def _check_table(self, table: str) -> None:
        if table not in self.tables:
            raise ValueError(f"{self.path.name} has no table {table!r}; it has {', '.join(sorted(self.tables))}")

    # The writer thread.

    def _write_loop(self, ready: asyncio.Future[None]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = lock_file(self.path)
        except StoreLockedError as err:
            self._call_soon(settle, [(ready, err)])
            return
        except OSError as err:
            self._call_soon(settle, [(ready, RowStoreError(f"cannot open {self.path}: {err}"))])
            return
        try:
            connection = _connect(self.path, self.tables)
        except Exception as err:
            os.close(lock)
            self._call_soon(settle, [(ready, RowStoreError(f"cannot open {self.path}: {err}"))])
            return
        self._call_soon(settle, [(ready, None)])
        try:
            while True:
                batch, stop = self._next_batch(self._queue.get())
                self._commit(connection, batch)
                if stop:
                    return
        finally:
            with contextlib.suppress(sqlite3.Error):
                connection.close()
            os.close(lock)
            self._call_soon(settle, [(self._writer_done, None)])

    def _next_batch(self, item: Any) -> tuple[list[_Queued], bool]:
        batch: list[_Queued] = []
        size = 0
        while item is not _STOP:
            batch.append(item)
            size += len(item[0])
            if size >= BATCH_MAX:
                return batch, False
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return batch, False
        return batch, True

    def _commit(self, connection: sqlite3.Connection, batch: list[_Queued]) -> None:
        if not batch:
            return
        pause, attempts_when_stopping = RETRY_FIRST, 0
        while True:
            try:
                connection.execute("BEGIN")
                for changes, _future in batch:
                    for table, key, text in changes:
                        if text is None:
                            connection.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
                        else:
                            connection.execute(f"INSERT OR REPLACE INTO {table} (key, doc) VALUES (?, ?)", (key, text))
                connection.execute("COMMIT")
            except Exception as err:
                rollback(connection)
                self.last_error = err
                self._health.failed(err)
                if self._stopping.is_set():
                    attempts_when_stopping += 1
                    if attempts_when_stopping >= ATTEMPTS_WHEN_STOPPING:
                        failure = RowStoreError(f"could not commit to {self.path}: {err}")
                        _LOGGER.error("row store %s: stopping with %d uncommitted writes (%s)", self.path, len(batch), err)
                        self._call_soon(settle, [(future, failure) for _changes, future in batch])
                        return
                _LOGGER.error("row store %s: could not commit %d writes (%s); retrying", self.path, len(batch), err)
                self._stopping.wait(pause)
                pause = min(pause * 2, RETRY_MAX)
                continue
            self.last_error = None
            self._health.committed()
            self._call_soon(settle, [(future, None) for _changes, future in batch])
            return

    def _call_soon(self, callback: Any, *args: Any) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(callback, *args)


def _checked_table(name: object) -> str:
    if not isinstance(name, str) or not TABLE_NAME.fullmatch(name):
        raise ValueError(f"table name {name!r}: lower-case letters, digits and _, starting with a letter")
    return name


def _connect(path: Path, tables: Iterable[str]) -> sqlite3.Connection:
    os.close(open_private(path, os.O_WRONLY | os.O_CREAT))  # 0600: personal data lives here
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        for table in tables:
            connection.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    except BaseException:
        connection.close()
        raise
    return connection


def _read_table(path: Path, table: str) -> list[tuple[str, dict[str, Any]]]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [(key, json.loads(doc)) for key, doc in connection.execute(f"SELECT key, doc FROM {table}")]
    finally:
        connection.close()

