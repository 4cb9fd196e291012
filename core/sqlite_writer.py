"""What the SQLite writer threads share: the recorder, the row stores and the ledgers each own
one writer thread and one connection, commit in groups, and tell the waiters on the loop.

A writer whose commits fail (the disk full, an I/O error) keeps what it holds and retries; its
:class:`CommitHealth` tells those who :func:`watch` the directory the file is in, once when
the commits start failing and once when one succeeds again, so the hub can raise an alarm
for every store (the integrations' ledgers and row stores too) without each wiring it.
"""
from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["CommitHealth", "Watcher", "rollback", "settle", "watch"]

#: Told, in the writer's thread, a file's commit error when its commits start failing, and
#: None when they work again.
Watcher = Callable[[Path, BaseException | None], None]

_watchers: list[tuple[Path, Watcher]] = []
_watchers_lock = threading.Lock()


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


def watch(directory: Path, watcher: Watcher) -> Callable[[], None]:
    """Tell ``watcher`` about the commit health of every writer of a file under ``directory``;
    returns the call that stops it."""
    entry = (Path(directory).absolute(), watcher)
    with _watchers_lock:
        _watchers.append(entry)

    def unwatch() -> None:
        with _watchers_lock:
            with contextlib.suppress(ValueError):
                _watchers.remove(entry)

    return unwatch


class CommitHealth:
    """One writer's commits, failing or not: its directory's watchers hear only the changes."""

    __slots__ = ("failing", "path")

    def __init__(self, path: Path) -> None:
        self.path = Path(path).absolute()
        self.failing = False

    def failed(self, error: BaseException) -> None:
        if not self.failing:
            self.failing = True
            self._tell(error)

    def committed(self) -> None:
        if self.failing:
            self.failing = False
            self._tell(None)

    def _tell(self, error: BaseException | None) -> None:
        with _watchers_lock:
            watchers = [watcher for directory, watcher in _watchers if self.path.is_relative_to(directory)]
        for watcher in watchers:
            watcher(self.path, error)
