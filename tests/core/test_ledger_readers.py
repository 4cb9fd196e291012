"""A store's PostgreSQL readers end their sessions when unused (``READER_IDLE``), so a hub
between reports holds only its writers' sessions; the next read opens a connection again.

Runs on the server at 127.0.0.1:5432 (trust auth, database ``test``), skipped with the reason
when none answers.
"""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from tests.fixtures_postgresql import URL, place_on
from xiaoqu.core import ledger_backend
from xiaoqu.core.ledger import Ledger
from xiaoqu.core.recorder import Recorder
from xiaoqu.core.recorder_backends import backend_for

Read = Callable[[], Awaitable[object]]
Store = Callable[[ledger_backend.Database, Path], AbstractAsyncContextManager[tuple[str, Read]]]


@asynccontextmanager
async def ledger_on(place_database: ledger_backend.Database, directory: Path) -> AsyncIterator[tuple[str, Read]]:
    ledger = Ledger(directory / "ledger.db", database=place_database)
    await ledger.open()
    try:
        await ledger.open_account("cash:desk", floor=None)
        yield "ledger", lambda: ledger.transaction("t1")
    finally:
        await ledger.close()


@asynccontextmanager
async def recorder_on(place_database: ledger_backend.Database, directory: Path) -> AsyncIterator[tuple[str, Read]]:
    recorder = Recorder(backend_for(directory / "recorder.db", place_database))
    await recorder.start()
    try:
        await recorder.append("access", {"door": "b1"})
        yield "recorder", lambda: recorder.last("access")
    finally:
        await recorder.stop()


def sessions() -> list[str]:
    """The application names of this process's sessions on the test server."""
    import psycopg

    with psycopg.connect(URL, autocommit=True) as admin:
        return [row[0] for row in admin.execute(
            "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
            (f"xiaoqu % pid {os.getpid()} on %",))]


async def until(check: Callable[[], bool]) -> None:
    for _ in range(200):  # up to 20 s: the server ends a closed session a moment later
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not within 20 s")


@pytest.mark.parametrize("store", [ledger_on, recorder_on], ids=["ledger", "recorder"])
async def test_postgresql_readers_end_their_sessions_when_idle_and_reopen_on_the_next_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    monkeypatch.setattr(ledger_backend, "READER_IDLE", 0.3)
    with place_on("postgresql", tmp_path) as place:
        assert place.database is not None
        async with store(place.database, tmp_path) as (role, read):
            writer, reader = f"xiaoqu {role} ", f"xiaoqu {role} reader "

            def count(prefix: str) -> int:
                return sum(name.startswith(prefix) for name in sessions())

            await asyncio.gather(*(read() for _ in range(8)))
            assert count(reader) >= 1
            await until(lambda: count(reader) == 0)
            assert count(writer) - count(reader) == 1  # the writer's session (with its lock) stays
            await read()
            assert count(reader) >= 1
        await until(lambda: count(writer) == 0)  # closed with the store
