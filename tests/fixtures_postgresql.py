"""The PostgreSQL server the development and CI machines run (127.0.0.1:5432, trust auth), for
the stores that have a PostgreSQL backend: each test gets a schema of its own, dropped after.
:func:`schema_name` gives a bare schema (the recorder's tests); :func:`place_on` a site's
:class:`~xiaoqu.core.ledger_backend.Database` or a file, so one test runs on either backend
(the ledger's tests, and a hub or an offline command configured with ``xiaoqu: database:``).

``XIAOQU_TEST_DATABASE`` names another server. Where none answers, the tests that need one are
skipped with the reason (the SQLite runs of the same tests still run).
"""
from __future__ import annotations

import contextlib
import functools
import os
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from xiaoqu.core.ledger import Ledger
from xiaoqu.core.ledger_backend import SCHEMA_PREFIX, Database, Session, backend_for

URL = os.environ.get("XIAOQU_TEST_DATABASE", "postgresql://root@127.0.0.1:5432/test")


@functools.cache
def unreachable() -> str | None:
    """Why no PostgreSQL can be used here, or None when one answers (asked once per session)."""
    try:
        import psycopg
    except ImportError as err:
        return f"psycopg is not installed ({err}); pip install 'psycopg[binary]'"
    try:
        with psycopg.connect(URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as err:
        return f"no PostgreSQL server answers at {URL}: {str(err).strip()}"
    return None


@contextlib.contextmanager
def schema_name(prefix: str = "xiaoqu_test") -> Iterator[str]:
    """A fresh schema name on the test server (not created: the store creates it), dropped with
    everything in it afterwards; skips the test when no server is reachable."""
    reason = unreachable()
    if reason:
        pytest.skip(reason)
    import psycopg

    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        yield name
    finally:
        with psycopg.connect(URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


@dataclass(frozen=True)
class Place:
    """Where a test's store keeps its tables: the file ``path``, or its own schema on the test
    server (``database``: the site ``xiaoqu: database:`` would give)."""

    path: Path
    database: Database | None = None

    @property
    def core(self) -> dict[str, str]:
        """The ``xiaoqu:`` settings that put a site's stores here (none: SQLite files)."""
        return {} if self.database is None else {"site": self.database.site, "database": self.database.url}

    def ledger(self) -> Ledger:
        return Ledger(self.path, database=self.database)

    def tamper(self, text: str) -> None:
        """Change a ledger's tables behind its back (``{entries}``: its table's name)."""
        if self.database is None:
            connection: Any = sqlite3.connect(self.path)
        else:
            import psycopg
            connection = psycopg.connect(self.database.url, autocommit=True)
        with contextlib.closing(connection):
            Session(backend_for(self.path, self.database), connection).execute(text)
            connection.commit()


@contextlib.contextmanager
def place_on(backend: str, directory: Path, file: str = "ledger.db") -> Iterator[Place]:
    """A place on ``backend`` ("sqlite": ``directory/file``; "postgresql": a schema of its own,
    dropped after, the test skipped with the reason where no server answers)."""
    if backend == "sqlite":
        yield Place(directory / file)
        return
    with schema_name(f"{SCHEMA_PREFIX}test") as schema:
        yield Place(directory / file, Database(URL, schema.removeprefix(SCHEMA_PREFIX)))
