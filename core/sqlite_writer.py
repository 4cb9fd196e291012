"""What the SQLite writer threads share: the recorder, the row stores and the ledgers each own
one writer thread and one connection, commit in groups, and tell the waiters on the loop."""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterable
from typing import Any

__all__ = ["rollback", "settle"]


def settle(outcomes: Iterable[tuple[asyncio.Future[Any] | None, Any]]) -> None:
    """On the loop: hand each waiter its result (or its exception, when the outcome is one);
    waiters that were cancelled, or that nobody kept, are skipped."""
    for future, outcome in outcomes:
        if future is None or future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


def rollback(connection: sqlite3.Connection) -> None:
    """Undo the open transaction after a failure: a failed COMMIT may already have rolled
    back, and a broken connection cannot."""
    with contextlib.suppress(sqlite3.Error):
        if connection.in_transaction:
            connection.execute("ROLLBACK")
