"""Where the recorder keeps its records: a SQLite file in the data dir, or a PostgreSQL schema.

The recorder's logic (group commits in one writer thread, keys derived from the data in the
inserting transaction, purges in chunks, SELECTs along the indexes) is the same on both, so it
lives once in ``core/recorder.py``. A backend holds only what differs: how a connection is
opened and the schema made, the placeholder style, "insert unless already there", and how SQL
reads a field of the JSON data (SQLite's ``json_extract``, PostgreSQL's ``jsonb #>``).

With ``xiaoqu: database: postgresql://...`` each site's tables live in the schema
``xiaoqu_<site>``, so several hubs share one server and a company report reads every
``xiaoqu_*`` schema. The data column stays the JSON text the recorder wrote (the audit chain's
hashes are over what was recorded), read as ``jsonb`` where a query looks inside it; keys are
``jsonb``, so ``1`` and ``1.0`` are one key and ``"1"`` another, as SQLite's types compare.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import sqlite3
from pathlib import Path
from typing import Any

from xiaoqu.core.ledger_backend import Database, application_name, database_for
from xiaoqu.core.storage import open_private

__all__ = ["Backend", "PostgreSQL", "RecorderError", "SQLite", "backend_for"]

SCHEMA_VERSION = 2

_SCHEMA_NAME = re.compile(r"[a-z0-9_]+")


class RecorderError(Exception):
    """The recorder could not open its database, or could not commit a record."""


class Backend:
    """What the recorder's SQL needs to know about its database; written with ``?`` marks."""

    #: Where commit health is reported (the storage alarm watches the data dir by path).
    path: Path
    #: The records' INSERT (kind, subject, time, record_id, data); a known record_id changes nothing.
    insert: str
    #: "Insert unless that key is there" for the key tables, as a prefix and a suffix.
    insert_ignore: tuple[str, str]
    #: The keys of the records whose seq is in a range (two marks), with ``{extra}`` conditions.
    insert_keys: str
    #: The condition a back-fill step adds: the record's kind, without the kind's index.
    backfill_kind: str
    #: A key's value compared with a where's value (one mark).
    key_equals: str

    def __str__(self) -> str:
        return str(self.path)

    def connect_writer(self) -> Any:
        """Open the writer's connection (autocommit: transactions are the BEGIN/COMMIT the
        recorder writes), creating or upgrading the schema."""
        raise NotImplementedError

    def connect_reader(self) -> Any:
        """Open a read-only connection for one reader thread."""
        raise NotImplementedError

    def sql(self, text: str) -> str:
        """``text`` with its ``?`` marks as this driver writes them."""
        return text

    def field(self, r: str, path_mark: str = "?") -> str:
        """The expression reading one field of ``{r}data``, its path given as ``path_mark``."""
        raise NotImplementedError

    def path_of(self, field: str) -> Any:
        """The parameter naming a (dotted) field for :meth:`field`."""
        raise NotImplementedError

    def value_of(self, value: Any) -> Any:
        """The parameter compared with a field or a key."""
        return value

    value_mark = "?"

    def is_null(self, expression: str) -> str:
        """The field is missing or JSON null."""
        return f"{expression} IS NULL"

    def remove_fields(self, count: int) -> str:
        """The data without ``count`` fields, each path given by a mark."""
        raise NotImplementedError

    def broken(self, connection: Any) -> bool:
        """The connection is lost (a server restart) and must be opened again."""
        return False

    def rollback(self, connection: Any) -> None:
        """Undo the open transaction after a failure: a failed COMMIT may already have rolled
        back, and a broken connection cannot."""
        with contextlib.suppress(Exception):
            connection.execute("ROLLBACK")


class SQLite(Backend):
    """One file in the data dir, WAL, 0600 (the audit log is in there)."""

    insert = "INSERT OR IGNORE INTO records (kind, subject, time, record_id, data) VALUES (?, ?, ?, ?, ?)"
    insert_ignore = ("INSERT OR IGNORE", "")
    insert_keys = """INSERT OR IGNORE INTO record_keys (kind, name, value, time, seq)
SELECT r.kind, f.name, json_extract(r.data, '$.' || f.name), r.time, r.seq
FROM records AS r CROSS JOIN record_key_fields AS f ON f.kind = r.kind  -- records outermost
WHERE r.seq > ? AND r.seq <= ? AND json_extract(r.data, '$.' || f.name) IS NOT NULL{extra}"""
    backfill_kind = "+r.kind = ?"  # +: walk the seq range, not the kind's whole (kind, time) index
    key_equals = "k.value = ?"

    #: Version 1: the records and their indexes.
    SCHEMA_1 = (
        """CREATE TABLE records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so an export cursor stays valid
    kind TEXT NOT NULL,
    subject TEXT,
    time REAL NOT NULL,
    record_id TEXT,
    data TEXT NOT NULL
)""",
        "CREATE INDEX records_kind_subject_time ON records (kind, subject, time)",
        "CREATE INDEX records_kind_time ON records (kind, time)",
        """CREATE UNIQUE INDEX records_kind_record_id ON records (kind, record_id)
    WHERE record_id IS NOT NULL""",
    )
    #: Version 2: indexed keys. ``value`` has no type, so it keeps what ``json_extract`` gave
    #: (text, integer or real) and compares as it does.
    SCHEMA_2 = (
        """CREATE TABLE record_keys (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    value NOT NULL,
    time REAL NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (kind, name, value, time, seq)
) WITHOUT ROWID""",
        "CREATE INDEX record_keys_seq ON record_keys (seq)",
        """CREATE TABLE record_key_fields (
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    backfill_through INTEGER NOT NULL,  -- records up to this seq still lack keys; 0: none do
    PRIMARY KEY (kind, name)
) WITHOUT ROWID""",
        """CREATE TRIGGER records_delete_keys AFTER DELETE ON records BEGIN
    DELETE FROM record_keys WHERE seq = old.seq;
END""",
    )

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def connect_writer(self) -> sqlite3.Connection:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        # 0600 (the audit log is in here), never through a link; SQLite gives its -wal and -shm
        # files the database's mode.
        os.close(open_private(path, os.O_WRONLY | os.O_CREAT))
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            # NORMAL in WAL: a commit survives a crash of the process; a power cut may lose the
            # last commits but never corrupts the file.
            connection.execute("PRAGMA synchronous = NORMAL")
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            _check_version(version)
            if version < SCHEMA_VERSION:
                # Version 1 to 2 only creates tables: its records are keyed later, by the back-fill.
                connection.execute("BEGIN")
                for statement in (*(self.SCHEMA_1 if version == 0 else ()), *self.SCHEMA_2):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                connection.execute("COMMIT")
        except BaseException:
            connection.close()
            raise
        return connection

    def connect_reader(self) -> sqlite3.Connection:
        # check_same_thread=False only so stop() can close it from the loop's thread.
        connection = sqlite3.connect(self.path, check_same_thread=False)
        connection.execute("PRAGMA query_only = ON")
        return connection

    def field(self, r: str, path_mark: str = "?") -> str:
        return f"json_extract({r}data, {path_mark})"

    def path_of(self, field: str) -> str:
        return f"$.{field}"

    def remove_fields(self, count: int) -> str:
        return f"json_remove(data, {', '.join('?' * count)})"


class PostgreSQL(Backend):
    """The schema ``xiaoqu_<site>`` on a PostgreSQL server, through psycopg 3's sync API."""

    insert = """INSERT INTO records (kind, subject, time, record_id, data)
SELECT v.kind, v.subject, v.time, v.record_id, v.data
FROM (VALUES (?::text, ?::text, ?::double precision, ?::text, ?::text))
    AS v (kind, subject, time, record_id, data)
WHERE v.record_id IS NULL
    OR NOT EXISTS (SELECT 1 FROM records AS o WHERE o.kind = v.kind AND o.record_id = v.record_id)
ON CONFLICT DO NOTHING"""  # NOT EXISTS first: a conflict would spend a seq for nothing
    insert_ignore = ("INSERT", " ON CONFLICT DO NOTHING")
    #: The data as ``jsonb``; NULL for a text holding ``\u0000``, which ``jsonb`` (and every
    #: JSON function) refuses: such a record has no keys and no field a ``where`` matches,
    #: rather than a failing INSERT holding up the writer.
    DOCUMENT = "(CASE WHEN strpos({r}data, '\\u0000') = 0 THEN {r}data::jsonb END)"
    insert_keys = """INSERT INTO record_keys (kind, name, value, time, seq)
SELECT r.kind, f.name, k.value, r.time, r.seq
FROM records AS r JOIN record_key_fields AS f ON f.kind = r.kind
CROSS JOIN LATERAL (SELECT """ + DOCUMENT.format(r="r.") + """ #> string_to_array(f.name, '.') AS value) AS k
WHERE r.seq > ? AND r.seq <= ? AND jsonb_typeof(k.value) <> 'null'{extra}
ON CONFLICT DO NOTHING"""
    backfill_kind = "r.kind = ?"
    key_equals = "k.value = ?::jsonb"
    value_mark = "?::jsonb"

    SCHEMA = (
        "CREATE TABLE recorder_version (version integer NOT NULL)",
        """CREATE TABLE records (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- never reused
    kind text NOT NULL,
    subject text,
    time double precision NOT NULL,
    record_id text,
    data text NOT NULL  -- the JSON as recorded: the audit chain hashes what was said
)""",
        "CREATE INDEX records_kind_subject_time ON records (kind, subject, time, seq)",
        "CREATE INDEX records_kind_time ON records (kind, time, seq)",
        """CREATE UNIQUE INDEX records_kind_record_id ON records (kind, record_id)
    WHERE record_id IS NOT NULL""",
        """CREATE TABLE record_keys (
    kind text NOT NULL,
    name text NOT NULL,
    value jsonb NOT NULL,
    time double precision NOT NULL,
    seq bigint NOT NULL REFERENCES records (seq) ON DELETE CASCADE,  -- gone with its record
    PRIMARY KEY (kind, name, value, time, seq)
)""",
        "CREATE INDEX record_keys_seq ON record_keys (seq)",
        """CREATE TABLE record_key_fields (
    kind text NOT NULL,
    name text NOT NULL,
    backfill_through bigint NOT NULL,  -- records up to this seq still lack keys; 0: none do
    PRIMARY KEY (kind, name)
)""",
        f"INSERT INTO recorder_version VALUES ({SCHEMA_VERSION})",
    )

    def __init__(self, url: str, schema: str, path: Path) -> None:
        """``path``: the name the storage alarm gives this store when its commits fail."""
        if not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError(f"schema must be lowercase letters, digits and underscores, got {schema!r}")
        self.url = url
        self.schema = schema
        self.path = Path(path)

    def __str__(self) -> str:
        import psycopg.conninfo

        try:
            info = psycopg.conninfo.conninfo_to_dict(self.url)
        except psycopg.Error:
            return f"postgresql schema {self.schema}"
        where = f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
        return f"postgresql://{where} schema {self.schema}"  # never the password

    def _connect(self, role: str) -> Any:
        import psycopg

        connection = psycopg.connect(self.url, autocommit=True, application_name=application_name(role))
        try:
            connection.execute(f'SET search_path TO "{self.schema}"')
        except BaseException:
            connection.close()
            raise
        return connection

    def connect_writer(self) -> Any:
        connection = self._connect("recorder")
        try:
            connection.execute("BEGIN")
            # One hub creating the schema at a time: two starting together would both try.
            connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
            connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            if connection.execute("SELECT to_regclass('recorder_version')").fetchone()[0] is None:
                for statement in self.SCHEMA:
                    connection.execute(statement)
            else:
                _check_version(connection.execute("SELECT max(version) FROM recorder_version").fetchone()[0])
            connection.execute("COMMIT")
            # One writer per site's records, as a file has one: a second hub started for the
            # same site would interleave its group commits and back-fills with this one's.
            # The lock lives as long as this connection (a reconnect takes it again).
            if not connection.execute("SELECT pg_try_advisory_lock(hashtext(%s))",
                                      (f"{self.schema}.records",)).fetchone()[0]:
                raise RecorderError(f"another hub is writing the records of schema {self.schema}")
        except BaseException:
            self.rollback(connection)
            connection.close()
            raise
        return connection

    def connect_reader(self) -> Any:
        connection = self._connect("recorder reader")
        connection.execute("SET default_transaction_read_only = on")
        return connection

    def sql(self, text: str) -> str:
        return text.replace("?", "%s")

    def field(self, r: str, path_mark: str = "?") -> str:
        return f"({self.DOCUMENT.format(r=r)} #> {path_mark}::text[])"

    def path_of(self, field: str) -> list[str]:
        return field.split(".")

    def value_of(self, value: Any) -> str:
        return json.dumps(value)

    def is_null(self, expression: str) -> str:
        return f"coalesce(jsonb_typeof({expression}), 'null') = 'null'"

    def remove_fields(self, count: int) -> str:
        return "(data::jsonb" + " #- ?::text[]" * count + ")::text"

    def broken(self, connection: Any) -> bool:
        return bool(connection.broken or connection.closed)


def backend_for(path: Path, database: Database | None = None) -> Backend:
    """The backend of the recorder named by its file ``path``: that file, or ``database``
    (``xiaoqu: database:``, the site's schema), given or placed by the hub for the file's
    directory as the ledgers' are (``ledger_backend.place``)."""
    database = database or database_for(Path(path).parent)
    return SQLite(path) if database is None else PostgreSQL(database.url, database.schema, path)


def _check_version(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise RecorderError(f"schema version {version} is newer than the {SCHEMA_VERSION} this code knows")
