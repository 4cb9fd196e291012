"""The recorder's backends for its tests: every test that takes ``backend`` runs on SQLite and on
PostgreSQL (a schema of its own, dropped after; skipped with the reason where no server answers).
A test that reads SQLite's own files or plans takes ``SQLITE_ONLY``."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_postgresql import URL, schema_name
from xiaoqu.core.recorder_backends import Backend, PostgreSQL, SQLite

SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"])


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend(database: str, tmp_path: Path) -> Iterator[Backend]:
    if database == "sqlite":
        yield SQLite(tmp_path / "recorder.db")
        return
    with schema_name() as schema:
        yield PostgreSQL(URL, schema, tmp_path / "recorder.db")


def rows(backend: Backend, sql: str, params: tuple[object, ...] | list[object] = ()) -> list[tuple[object, ...]]:
    """What ``sql`` (with ``?`` marks) reads, on a connection of its own."""
    connection = backend.connect_reader()
    try:
        return [tuple(row) for row in connection.execute(backend.sql(sql), params).fetchall()]
    finally:
        connection.close()
