"""The PostgreSQL server the development and CI machines run (127.0.0.1:5432, trust auth), for
the stores that have a PostgreSQL backend: each test gets a schema of its own, dropped after.

``XIAOQU_TEST_DATABASE`` names another server. Where none answers, the tests that need one are
skipped with the reason (the SQLite runs of the same tests still run).
"""
from __future__ import annotations

import contextlib
import functools
import os
import secrets
from collections.abc import Iterator

import pytest

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
