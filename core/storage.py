"""Document-shaped registries (residents, cards, devices, users) in TinyDB, written atomically.

TinyDB gives the table, the documents and the queries; it gives no durability. Its own
``JSONStorage`` rewrites the file in place (a crash mid-write leaves a torn file), it has no
concurrency control, and every write re-reads and rewrites the whole database. So here TinyDB
works on data held in memory (``_MemoryStorage``), and durability comes from one writer per
file that serialises the data and replaces the file atomically: a new temp file in the same
directory (0600, never one that was already there), flush, fsync, ``os.replace``, fsync the
directory (as Home Assistant's ``util/file.py`` does). The file on disk is therefore always one
complete version the hub wrote, readable by the hub's user only: the store file and its lock
are opened with :func:`open_private` (0600, never through a symbolic link), as is the recorder.

Writes are ``async`` and return once the change is on disk. Writes that arrive while a flush
runs are coalesced into the next one (group commit): a burst of thousands of awaited inserts
costs a few dozen file writes, not thousands. Reads are synchronous, from memory.

A file write that fails (disk full, I/O error) undoes, in memory, every change not yet on disk,
and each of their callers gets :class:`StorageError`: a caller is never told "failed" for a
change a later write then puts on disk. Whatever is built from the tables follows through
:meth:`Store.on_undo`.

One writer per file: a store holds an exclusive ``flock`` on ``<name>.json.lock`` while it is
open, so a second process (or a second ``open`` in this one) gets :class:`StoreLockedError`
instead of two writers silently overwriting each other. Two processes on one file is not
supported, not even a reader beside a writer: read through the hub.

File layout: ``{"version": N, "tables": {table: {doc_id: document}}}``. A store opened with a
newer ``version`` than the file's runs ``migrate(old_version, tables)`` once, keeps the file it
migrated from as ``<name>.json.v<old>.bak`` (a migration is a one-way rewrite, and a faulty
one must not destroy the only copy), and writes the result before the store is handed out.

No rolling ``.bak`` of each write is kept: an atomic replace never leaves a torn file, so the
only way to a broken file is an edit outside the hub. A copy taken at each write would be one
write behind what the hub acknowledged, so restoring it would quietly lose acknowledged
changes; instead a broken file stops the open with an error naming the file, line, column and
the text there, and nothing is written until a person has fixed it.
"""
from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import glob
import json
import logging
import math
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from pathlib import Path
from typing import Any, NamedTuple, cast

from tinydb import Query, TinyDB, where
from tinydb.queries import QueryLike
from tinydb.storages import Storage as _TinyDBStorage
from tinydb.table import Document
from tinydb.table import Table as _TinyDBTable

from xiaoqu.core.payload import first_surrogates

__all__ = [
    "Document",
    "Query",
    "Storage",
    "StorageError",
    "Store",
    "StoreCorruptError",
    "StoreLockedError",
    "Table",
    "check_slug",
    "dump_json",
    "lock_file",
    "open_private",
    "where",
    "write_atomic",
]

Migration = Callable[[int, dict[str, Any]], dict[str, Any]]

_LOGGER = logging.getLogger(__name__)

_SLUG = re.compile(r"[a-z0-9_]+(?:\.[a-z0-9_]+)*")
_MAX_SLUG_LENGTH = 100
_DOC_ID = re.compile(r"[0-9]+")
_EXCERPT = 30
_TEMP_SUFFIX = ".tmp"


class StorageError(Exception):
    """A store could not be opened, read or written."""


class StoreLockedError(StorageError):
    """Another process (or another open in this one) already holds the store."""


class StoreCorruptError(StorageError):
    """The store file is not what the hub writes: broken JSON or an unexpected layout."""


def check_slug(value: object, what: str) -> str:
    """Return ``value`` if it is a dotted lower-case slug (``door.access``), else raise ValueError.

    Store names become file names and record kinds become index keys: a slug can neither
    escape a directory nor differ from another only by case or spacing.
    """
    if (
        not isinstance(value, str)
        or len(value) > _MAX_SLUG_LENGTH
        or not _SLUG.fullmatch(value)
    ):
        raise ValueError(
            f"{what} must be a lower-case slug such as 'door.access' (a-z, 0-9 and '_', "
            f"parts joined by '.', at most {_MAX_SLUG_LENGTH} characters), got {value!r}"
        )
    return value


def dump_json(value: object, what: str) -> str:
    """Serialise ``value`` to compact JSON text or raise ValueError naming the offending part.

    Mappings that are not dicts (read-only event data, say) are written as objects. NaN and
    infinity are refused because they are not JSON and other readers would reject the file;
    so is a lone surrogate, which UTF-8 cannot encode: a file or a recorder batch holding one
    could never be written.
    """
    try:
        text = json.dumps(
            value,
            ensure_ascii=False,
            allow_nan=False,
            separators=(",", ":"),
            default=_mapping_as_dict,
        )
    except (TypeError, ValueError) as err:
        reason = _find_non_json(value, what, set()) or f"{what} is not JSON data: {err}"
        raise ValueError(reason) from None
    if surrogates := first_surrogates(text):
        raise ValueError(f"{what} holds the lone surrogate {surrogates!r}, which UTF-8 cannot encode")
    return text


def _mapping_as_dict(value: object) -> dict[Any, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _find_non_json(value: object, path: str, seen: set[int]) -> str | None:
    """Walk ``value`` as ``json.dumps`` does and describe the first part it cannot write."""
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{path} is {value!r}, which JSON cannot hold"
    if not isinstance(value, (Mapping, list, tuple)):
        return f"{path} has type {type(value).__name__}, which JSON cannot hold"
    if id(value) in seen:
        return f"{path} contains itself"
    seen.add(id(value))
    try:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not (key is None or isinstance(key, (str, int, float))):
                    return f"{path} has a key of type {type(key).__name__}: {key!r}"
                found = _find_non_json(item, f"{path}[{key!r}]", seen)
                if found:
                    return found
        else:
            for index, item in enumerate(value):
                found = _find_non_json(item, f"{path}[{index}]", seen)
                if found:
                    return found
    finally:
        seen.discard(id(value))
    return None


class _MemoryStorage(_TinyDBStorage):
    """TinyDB's storage interface over a dict the store owns; the store does the file I/O."""

    def __init__(self, tables: dict[str, dict[str, dict[str, Any]]]) -> None:
        self.tables = tables

    def read(self) -> dict[str, dict[str, dict[str, Any]]]:
        return self.tables

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        self.tables = data


class _IntKeys(MutableMapping[int, dict[str, Any]]):
    """A table's documents keyed by int doc id, over the str-keyed dict TinyDB reads from.

    TinyDB's updaters expect int keys, its readers str keys (as JSON stores them).
    """

    def __init__(self, raw: dict[str, dict[str, Any]]) -> None:
        self._raw = raw

    def __getitem__(self, doc_id: int) -> dict[str, Any]:
        return self._raw[str(doc_id)]

    def __setitem__(self, doc_id: int, document: dict[str, Any]) -> None:
        self._raw[str(doc_id)] = document

    def __delitem__(self, doc_id: int) -> None:
        del self._raw[str(doc_id)]

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self._raw

    def __iter__(self) -> Iterator[int]:
        return (int(key) for key in self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class _MemoryTable(_TinyDBTable):
    """A TinyDB table that changes documents in place.

    TinyDB's own ``_update_table`` copies the whole table on every write so it can hand the
    storage a fresh dict; in memory that makes each insert cost O(table size). This override
    (``_update_table`` has been TinyDB's single write path throughout 4.x) touches only the
    documents the write touches. Updates and removals find their documents with
    :meth:`targets` first, so a condition that raises part-way has changed nothing.
    """

    _storage: _MemoryStorage  # _MemoryDB's

    def _update_table(self, updater: Callable[[dict[int, Mapping]], None]) -> None:
        raw = self._storage.read().setdefault(self.name, {})
        try:
            updater(_IntKeys(raw))  # type: ignore[arg-type]
        finally:
            self.clear_cache()

    def targets(
        self, cond: QueryLike | None, doc_ids: Iterable[int] | None
    ) -> list[tuple[int, dict[str, Any]]]:
        """The stored documents (not copies) with these ids, or matching ``cond``, or all."""
        # cast: tinydb types documents as Mapping; the memory storage holds dicts
        raw = cast(dict[str, dict[str, Any]], self._read_table())
        if doc_ids is not None:
            return [(i, raw[str(i)]) for i in dict.fromkeys(doc_ids) if str(i) in raw]
        return [(int(key), doc) for key, doc in raw.items() if cond is None or cond(doc)]

    def restore(self, documents: Mapping[str, dict[str, Any] | None]) -> None:
        """Put these documents back by id (None: there was none), as a failed write's undo does."""
        raw = self._storage.read().setdefault(self.name, {})
        for key, document in documents.items():
            if document is None:
                raw.pop(key, None)
            else:
                raw[key] = document
        self._next_id = None  # counted again from the ids now present
        self.clear_cache()


class _MemoryDB(TinyDB):
    table_class = _MemoryTable


class Table:
    """One table of a store: synchronous reads from memory, writes that return once durable.

    Reads see every change made so far, including one whose write is still on its way to
    disk (and is undone if that write fails). Documents handed out are copies at the top level; nested lists and dicts inside them
    are the table's own, so treat them as read-only and write changes back with :meth:`update`.
    Every document written is checked to be JSON data first (a ValueError names the part that
    is not), and a write either changes the table completely or not at all.
    """

    def __init__(self, store: Store, inner: _MemoryTable) -> None:
        self._store = store
        self._inner = inner

    @property
    def name(self) -> str:
        return self._inner.name

    def __repr__(self) -> str:
        return f"<Table {self._store.name}/{self.name} documents={len(self)}>"

    # Reads: from memory, no I/O.

    def all(self) -> list[Document]:
        return self._inner.all()

    def get(self, cond: QueryLike | None = None, *, doc_id: int | None = None) -> Document | None:
        """The document with ``doc_id``, or the first matching ``cond``; None if there is none."""
        if (cond is None) == (doc_id is None):
            raise TypeError("get() takes exactly one of cond or doc_id")
        # tinydb's overloads take a cond or a doc_id, not both Optional (exactly one is set, checked above)
        return self._inner.get(cond=cond, doc_id=doc_id)  # type: ignore[arg-type]

    def search(self, cond: QueryLike) -> list[Document]:
        return self._inner.search(cond)

    def count(self, cond: QueryLike) -> int:
        return self._inner.count(cond)

    def contains(self, cond: QueryLike | None = None, *, doc_id: int | None = None) -> bool:
        return self.get(cond, doc_id=doc_id) is not None

    def __len__(self) -> int:
        return len(self._inner)

    # Writes: change memory now, return once the change is on disk.

    async def insert(self, document: Mapping[str, Any]) -> int:
        """Insert ``document`` and return its doc id (a :class:`Document` keeps its own id)."""
        doc_id = self._insert_now(document)
        await self._store._durable()
        return doc_id

    async def insert_multiple(self, documents: Iterable[Mapping[str, Any]]) -> list[int]:
        """Insert every document in one change: all of them or, on bad input, none."""
        self._store._check_open()
        documents = list(documents)
        encoded = [self._encode(document) for document in documents]
        new_ids = [document.doc_id for document in documents if isinstance(document, Document)]
        taken = sorted({i for i in new_ids if self._inner.contains(doc_id=i)})
        if taken or len(set(new_ids)) != len(new_ids):
            raise ValueError(f"{self._where()}: document ids given twice or already taken: {taken}")
        doc_ids = self._inner.insert_multiple(
            _with_doc_id(copy, original) for original, (copy, _text) in zip(documents, encoded, strict=True)
        )
        for doc_id, (_copy, text) in zip(doc_ids, encoded, strict=True):
            self._store._put(self.name, doc_id, text)
        await self._store._durable()
        return doc_ids

    async def update(
        self,
        fields: Mapping[str, Any] | Callable[[dict[str, Any]], None],
        cond: QueryLike | None = None,
        doc_ids: Iterable[int] | None = None,
    ) -> list[int]:
        """Set ``fields`` on (or apply a function that changes, in place) the matching documents.

        With neither ``cond`` nor ``doc_ids`` every document is updated. Returns the ids changed.
        """
        doc_ids_changed = self._update_now(fields, cond, doc_ids)
        await self._store._durable()
        return doc_ids_changed

    async def upsert(self, document: Mapping[str, Any], cond: QueryLike | None = None) -> list[int]:
        """Update the documents matching ``cond`` (or the :class:`Document`'s id), else insert."""
        doc_ids = [document.doc_id] if isinstance(document, Document) else None
        if doc_ids is None and cond is None:
            raise TypeError("upsert() needs cond, or a Document that carries its doc_id")
        changed = self._update_now(document, cond, doc_ids)
        if not changed:
            changed = [self._insert_now(document)]
        await self._store._durable()
        return changed

    async def remove(
        self, cond: QueryLike | None = None, doc_ids: Iterable[int] | None = None
    ) -> list[int]:
        """Remove the matching documents and return their ids (use truncate() to remove all)."""
        self._store._check_open()
        if cond is None and doc_ids is None:
            raise TypeError("remove() needs cond or doc_ids; truncate() removes everything")
        # Matched first, removed after: a condition that raises part-way changes nothing.
        matched = [doc_id for doc_id, _document in self._inner.targets(cond, doc_ids)]
        removed = self._inner.remove(doc_ids=matched)
        self._store._drop(self.name, removed)
        await self._store._durable()
        return removed

    async def truncate(self) -> None:
        """Remove every document (doc ids start again from 1)."""
        self._store._check_open()
        self._inner.truncate()
        self._store._clear(self.name)
        await self._store._durable()

    def _insert_now(self, document: Mapping[str, Any]) -> int:
        self._store._check_open()
        copy, text = self._encode(document)
        doc_id = self._inner.insert(_with_doc_id(copy, document))
        self._store._put(self.name, doc_id, text)
        return doc_id

    def _update_now(
        self,
        fields: Mapping[str, Any] | Callable[[dict[str, Any]], None],
        cond: QueryLike | None,
        doc_ids: Iterable[int] | None,
    ) -> list[int]:
        """Compute every new document first, then swap them in: a failure changes nothing."""
        self._store._check_open()
        change = self._checked_change(fields) if callable(fields) else self._setting(fields)
        staged = [
            (doc_id, document, *change(document))
            for doc_id, document in self._inner.targets(cond, doc_ids)
        ]
        for doc_id, document, new, text in staged:
            document.clear()
            document.update(new)
            self._store._put(self.name, doc_id, text)
        return [doc_id for doc_id, *_ in staged]

    def _setting(
        self, fields: Mapping[str, Any]
    ) -> Callable[[dict[str, Any]], tuple[dict[str, Any], str]]:
        _copy, fields_text = self._encode(fields, f"{self._where()}: fields")

        def change(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
            # Parsed again for each document, so no two documents share a nested value.
            new = {**document, **json.loads(fields_text)}
            return new, dump_json(new, self._where())

        return change

    def _checked_change(
        self, transform: Callable[[dict[str, Any]], None]
    ) -> Callable[[dict[str, Any]], tuple[dict[str, Any], str]]:
        """Run ``transform`` on a private copy and check the result is still a JSON document."""
        what = f"{self._where()}: document after {getattr(transform, '__name__', 'update')}"

        def change(document: dict[str, Any]) -> tuple[dict[str, Any], str]:
            trial = json.loads(dump_json(document, what))
            transform(trial)
            return self._encode(trial, what)

        return change

    def _encode(self, document: object, what: str | None = None) -> tuple[dict[str, Any], str]:
        """Check ``document`` is a JSON object; return a private copy and its JSON text.

        The copy is what reading the file back would give (keys as strings, tuples as lists),
        so memory and disk never disagree.
        """
        what = what or f"{self._where()}: document"
        if not isinstance(document, Mapping):
            raise ValueError(f"{what} must be a mapping, got {type(document).__name__}")
        text = dump_json(document, what)
        return json.loads(text), text

    def _where(self) -> str:
        return f"{self._store.path.name} table {self.name!r}"


def _parse_fragment(key: str, fragment: str | None) -> dict[str, Any] | None:
    """The document a ``'"7":{...}'`` fragment holds (None stays None)."""
    return None if fragment is None else json.loads(f"{{{fragment}}}")[key]


def _with_doc_id(copy: dict[str, Any], original: object) -> dict[str, Any]:
    """A :class:`Document` passed in keeps its doc id on the way into TinyDB."""
    return Document(copy, original.doc_id) if isinstance(original, Document) else copy


class Store:
    """One JSON file of tables, loaded into memory, with one writer that replaces it atomically.

    Made by :meth:`Storage.open`; closed by :meth:`Storage.close`.
    """

    def __init__(self, name: str, path: Path, version: int, loaded: _Loaded) -> None:
        self.name = name
        self.path = path
        self.version = version
        self._db = _MemoryDB(loaded.tables, storage=_MemoryStorage)
        # Each document's JSON text ('"7":{...}'), kept as documents change, so a flush joins
        # strings instead of serialising the whole store on the event loop.
        self._fragments = loaded.fragments
        self._tables: dict[str, Table] = {}
        self._lock_fd: int | None = loaded.lock_fd
        # Group commit: every write bumps _changes; a round serialises the data as it is at
        # that moment and, once on disk, moves _written up to the _changes it covered.
        self._changes = 0
        self._written = 0
        # Undo: each document changed since the last snapshot, as it was at that snapshot (its
        # fragment, or None if it did not exist); a failed round undoes these and its own.
        self._undo: dict[str, dict[str, str | None]] = {}
        self._undo_listeners: list[Callable[[], None]] = []
        self._round: asyncio.Future[None] | None = None
        self._writer: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"<Store {self.path} version={self.version}>"

    def table(self, name: str) -> Table:
        """The table called ``name`` (a slug); an empty one until something is written to it."""
        if name not in self._tables:
            check_slug(name, f"{self.path.name}: table name")
            # cache_size=0: TinyDB's query cache hands every caller the same Document objects.
            # cast: tinydb annotates TinyDB.table() as returning Table; it makes a table_class (_MemoryTable)
            self._tables[name] = Table(self, cast(_MemoryTable, self._db.table(name, cache_size=0)))
        return self._tables[name]

    async def flush(self) -> None:
        """Return once every change made so far is on disk (or raise if the write failed)."""
        await self._durable()

    def on_undo(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` on the loop each time a failed write has undone changes.

        What is built from the tables (a registry's lookup dicts) must then be built again:
        the tables are back to what is on disk, and so must be everything derived from them.
        """
        self._undo_listeners.append(callback)

    def _check_open(self) -> None:
        if self._lock_fd is None:
            raise StorageError(f"store {self.path} is closed")

    def _put(self, table: str, doc_id: int, text: str) -> None:
        self._remember(table, [str(doc_id)])
        self._fragments.setdefault(table, {})[str(doc_id)] = f'"{doc_id}":{text}'
        self._changes += 1

    def _drop(self, table: str, doc_ids: list[int]) -> None:
        self._remember(table, [str(doc_id) for doc_id in doc_ids])
        fragments = self._fragments.setdefault(table, {})
        for doc_id in doc_ids:
            del fragments[str(doc_id)]
        self._changes += bool(doc_ids)

    def _clear(self, table: str) -> None:
        self._remember(table, list(self._fragments.get(table, {})))
        self._fragments[table] = {}
        self._changes += 1

    def _remember(self, table: str, keys: list[str]) -> None:
        """Keep how these documents were before their first change since the last snapshot."""
        fragments = self._fragments.get(table, {})
        undo = self._undo.setdefault(table, {})
        for key in keys:
            undo.setdefault(key, fragments.get(key))

    def _undo_unwritten(self, in_flight: dict[str, dict[str, str | None]]) -> None:
        """After a failed round: put back every document changed since the file was last written.

        The changes made while the round was being written are undone first, then the
        round's own, so each document ends as the file holds it.
        """
        for undo in (self._undo, in_flight):
            for table, before in undo.items():
                fragments = self._fragments.setdefault(table, {})
                for key, fragment in before.items():
                    if fragment is None:
                        fragments.pop(key, None)
                    else:
                        fragments[key] = fragment
                documents = {key: _parse_fragment(key, fragment) for key, fragment in before.items()}
                self._tables[table]._inner.restore(documents)
        self._undo = {}
        self._written = self._changes
        for listener in self._undo_listeners:
            try:
                listener()
            except Exception:  # one failing listener must not keep the others (or the waiters) out
                _LOGGER.exception("%s: a listener failed after a failed write was undone", self.path)

    async def _durable(self) -> None:
        target = self._changes
        loop = asyncio.get_running_loop()
        while self._written < target:
            if self._writer is None or self._writer.done():
                self._round = loop.create_future()
                self._writer = loop.create_task(self._write_rounds(), name=f"write {self.path}")
            assert self._round is not None
            # shield: a cancelled caller must not cancel the round others wait on.
            await asyncio.shield(self._round)

    async def _write_rounds(self) -> None:
        loop = asyncio.get_running_loop()
        while self._written < self._changes:
            done, target = self._round, self._changes
            assert done is not None
            # Only the list of strings is taken on the loop; joining and writing run in a thread.
            snapshot = [(name, list(parts.values())) for name, parts in self._fragments.items()]
            in_flight, self._undo = self._undo, {}
            try:
                await loop.run_in_executor(None, _write_store, self.path, self.version, snapshot)
            except Exception as err:
                # Undone, so that no later write puts on disk a change its caller was told failed.
                self._undo_unwritten(in_flight)
                done.set_exception(
                    StorageError(
                        f"could not write {self.path}: {err}; every change not yet on disk "
                        "was undone"
                    )
                )
                done.exception()  # retrieved: waiters may all have been cancelled
                return
            self._written = target
            self._round = loop.create_future()
            done.set_result(None)

    async def _close(self) -> None:
        """Flush, then release the lock even if the flush failed (its error is raised)."""
        if self._lock_fd is None:
            return
        try:
            await self._durable()
        finally:
            os.close(self._lock_fd)
            self._lock_fd = None


class Storage:
    """Every store of one hub, one JSON file each in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._stores: dict[str, Store | None] = {}

    def __repr__(self) -> str:
        return f"<Storage {self.directory} stores={sorted(self._stores)}>"

    async def open(
        self, name: str, *, version: int = 1, migrate: Migration | None = None
    ) -> Store:
        """Load ``<directory>/<name>.json`` (off the event loop), migrating it if it is older.

        A missing file is an empty store. ``migrate(old_version, tables) -> tables`` runs in a
        worker thread when the file's version is older than ``version``; a file newer than
        ``version`` is refused, since writing it back would drop what this code does not know.
        """
        check_slug(name, "store name")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ValueError(f"store {name!r}: version must be an integer >= 1, got {version!r}")
        if name in self._stores:
            raise StoreLockedError(f"store {name!r} is already open in {self.directory}")
        self._stores[name] = None  # claimed while loading, so a concurrent open fails
        path = self.directory / f"{name}.json"
        try:
            loaded = await asyncio.get_running_loop().run_in_executor(
                None, _open_file, path, version, migrate
            )
        except BaseException:
            del self._stores[name]
            raise
        store = self._stores[name] = Store(name, path, version, loaded)
        return store

    async def close(self) -> None:
        """Flush and close every store; raises the first write error after closing them all."""
        stores = [store for store in self._stores.values() if store is not None]
        results = await asyncio.gather(
            *(store._close() for store in stores), return_exceptions=True
        )
        self._stores.clear()
        for result in results:
            if isinstance(result, BaseException):
                raise result


# Below: blocking file work, run in an executor thread.


class _Loaded(NamedTuple):
    tables: dict[str, dict[str, dict[str, Any]]]
    fragments: dict[str, dict[str, str]]
    lock_fd: int


def _open_file(path: Path, version: int, migrate: Migration | None) -> _Loaded:
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_fd = lock_file(path)
    try:
        _remove_temp_files(path)
        stored_version, tables = _read(path)
        if stored_version is not None and stored_version != version:
            tables = _migrate(path, stored_version, version, tables, migrate)
        fragments = {
            name: {key: f'"{key}":{dump_json(doc, str(path))}' for key, doc in table.items()}
            for name, table in tables.items()
        }
        if stored_version is not None and stored_version != version:
            with contextlib.suppress(FileExistsError):  # kept from an interrupted migration
                os.link(path, path.with_name(f"{path.name}.v{stored_version}.bak"))
            _write_store(path, version, [(name, list(f.values())) for name, f in fragments.items()])
    except BaseException:
        os.close(lock_fd)
        raise
    return _Loaded(tables, fragments, lock_fd)


def lock_file(path: Path) -> int:
    """Take the single-writer lock of ``path`` (an exclusive ``flock`` on ``<name>.lock``, which
    holds the holder's pid) and return its descriptor, to be closed to release it; raise
    :class:`StoreLockedError` naming the file and the holder when another open holds it."""
    lock_path = path.with_name(f"{path.name}.lock")
    fd = open_private(lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode(errors="replace").strip() or "unknown"
        os.close(fd)
        raise StoreLockedError(
            f"{path} is already open (lock {lock_path.name} held by pid {holder}); "
            "a store has exactly one writer, so stop the other hub or tool first"
        ) from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _read(path: Path) -> tuple[int | None, dict[str, Any]]:
    """Return the file's (version, tables), or (None, {}) when there is no file yet."""
    try:
        with open(open_private(path, os.O_RDONLY), "rb") as file:
            raw = file.read()
    except FileNotFoundError:
        return None, {}
    fix = "The file is left untouched: correct it or restore it from a backup."
    if not raw.strip():
        raise StoreCorruptError(f"{path} is empty. {fix}")
    try:
        text = raw.decode()
    except UnicodeDecodeError as err:
        raise StoreCorruptError(f"{path}: not UTF-8 text at byte {err.start}. {fix}") from None
    try:
        content = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as err:
        near = text[max(0, err.pos - _EXCERPT) : err.pos + _EXCERPT]
        raise StoreCorruptError(
            f"{path}:{err.lineno}:{err.colno}: not valid JSON ({err.msg}) near {near!r}. {fix}"
        ) from None
    except ValueError as err:  # NaN or Infinity, which Python's json would otherwise accept
        raise StoreCorruptError(f"{path}: {err}. {fix}") from None
    if not isinstance(content, dict) or set(content) != {"version", "tables"}:
        raise StoreCorruptError(
            f"{path} is not a xiaoqu store: expected an object with exactly 'version' and "
            f"'tables'. {fix}"
        )
    stored = content["version"]
    if isinstance(stored, bool) or not isinstance(stored, int) or stored < 1:
        raise StoreCorruptError(f"{path}: 'version' must be an integer >= 1, got {stored!r}. {fix}")
    _check_tables(content["tables"], str(path), StoreCorruptError)
    return stored, content["tables"]


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _check_tables(tables: object, where: str, error: type[StorageError]) -> None:
    if not isinstance(tables, dict):
        raise error(f"{where}: 'tables' must be an object")
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise error(f"{where}: table {name!r} must be an object of documents")
        for doc_id, document in table.items():
            if not _DOC_ID.fullmatch(doc_id) or not isinstance(document, dict):
                raise error(
                    f"{where}: table {name!r} document {doc_id!r}: ids must be decimal "
                    "integers and documents objects"
                )


def _migrate(
    path: Path, stored: int, version: int, tables: dict[str, Any], migrate: Migration | None
) -> dict[str, Any]:
    if stored > version:
        raise StorageError(
            f"{path} has schema version {stored}, newer than the {version} this code knows; "
            "it was written by a newer xiaoqu, so run that, or restore a backup"
        )
    if migrate is None:
        raise StorageError(
            f"{path} has schema version {stored}, the code expects {version}, "
            "and no migration was given"
        )
    where = f"{path}: migration from version {stored} to {version}"
    try:
        migrated = migrate(stored, tables)
    except Exception as err:
        raise StorageError(f"{where} failed: {err!r}; the file is left as it was") from err
    _check_tables(migrated, where, StorageError)
    try:
        return json.loads(dump_json(migrated, f"{where}: tables"))
    except ValueError as err:
        raise StorageError(str(err)) from None


def _write_store(path: Path, version: int, snapshot: list[tuple[str, list[str]]]) -> None:
    """Join the documents' JSON texts into the store file and write it atomically."""
    tables = ",".join(
        f"{json.dumps(name, ensure_ascii=False)}:{{{','.join(parts)}}}" for name, parts in snapshot
    )
    write_atomic(path, f'{{"version":{version},"tables":{{{tables}}}}}'.encode())


def write_atomic(path: Path, payload: bytes) -> None:
    """Replace ``path`` with ``payload`` so that a crash leaves either the old or the new file.

    The data goes to a new file of its own (``mkstemp``: O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, a
    unique name beside ``path``), never to whatever sits at a fixed temp name: a stale or planted
    file there keeps its own mode, and a link there sends the data to another file. So the file
    that replaces ``path`` is 0600 (it may hold password hashes and residents' data) and ours.
    """
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX)
    try:
        with open(fd, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    # The rename itself is only durable once the directory entry is on disk.
    directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def open_private(path: Path, flags: int) -> int:
    """Open ``path`` as a file only the hub's user may read and write; return its descriptor.

    Never through a symbolic link (O_NOFOLLOW): a link planted at a data file's name would send
    the hub's writes, or its reads, to another file. A file is created 0600, and one already
    there with a wider mode (made by hand, or by an older version) is narrowed to 0600. Pass
    ``O_CREAT`` in ``flags`` to create a missing file.
    """
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW, 0o600)
    except OSError as err:
        if err.errno != errno.ELOOP:
            raise
        raise StorageError(
            f"{path} is a symbolic link; the hub's data files are its own files, "
            "so remove the link (and move the file there, if it is the real one)"
        ) from None
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    except OSError as err:
        os.close(fd)
        raise StorageError(
            f"cannot make {path} readable by the hub's user only (0600): {err.strerror}"
        ) from None
    return fd


def _remove_temp_files(path: Path) -> None:
    """Remove the temp files a killed writer of ``path`` left (the caller holds its lock).

    mkstemp's part of the name has no dot, which keeps ``.door.json.json.x1.tmp`` (the store
    ``door.json``'s, perhaps being written now) from passing for ``door``'s.
    """
    prefix = f".{path.name}."
    for temp in path.parent.glob(f"{glob.escape(prefix)}*{_TEMP_SUFFIX}"):
        if "." not in temp.name[len(prefix) : -len(_TEMP_SUFFIX)]:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
