"""The storage alarm: a store in the data directory that cannot write is said out loud.

The recorder, the row stores and the ledgers keep what they cannot commit (the disk full, an
I/O error) and retry; the doors go on deciding meanwhile, from memory. What must not happen is
that nobody notices until the disk is cleared by chance. So the hub watches its data directory
(:func:`xiaoqu.core.sqlite_writer.watch`) and, once per outage of each file, logs an error
naming the file and fires ``storage_fault`` {file, error}; when that file commits again it
logs it and fires ``storage_recovered`` {file, down_for}. An automation can page the
operator on either.
"""
from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING

from xiaoqu.core import sqlite_writer
from xiaoqu.core.const import EVENT_STORAGE_FAULT, EVENT_STORAGE_RECOVERED

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable

    from xiaoqu.core.bus import EventBus

__all__ = ["StorageAlarm"]

_LOGGER = logging.getLogger(__name__)


class StorageAlarm:
    """Turns the writers' failing and recovered commits under one directory into events."""

    def __init__(self, directory: Path, bus: EventBus) -> None:
        self.directory = directory
        self._bus = bus
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unwatch: Callable[[], None] | None = None
        #: file → (the error, time.monotonic() it started): the files that cannot write now.
        self.failing: dict[str, tuple[str, float]] = {}

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._unwatch = sqlite_writer.watch(self.directory, self._from_writer)

    def stop(self) -> None:
        if self._unwatch is not None:
            self._unwatch()
            self._unwatch = None

    def _from_writer(self, path: Path, error: BaseException | None) -> None:
        """In a writer's thread: hand the change to the loop (gone at exit: nobody to tell)."""
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._changed, str(path), None if error is None else str(error))

    def _changed(self, file: str, error: str | None) -> None:
        if error is not None:
            self.failing[file] = (error, time.monotonic())
            _LOGGER.error("Storage alarm: cannot write %s (%s). Doors keep deciding; what is not written yet "
                          "is kept in memory and written when the disk has room again", file, error)
            self._bus.fire(EVENT_STORAGE_FAULT, {"file": file, "error": error})
            return
        _error, since = self.failing.pop(file, ("", time.monotonic()))
        down_for = round(time.monotonic() - since, 1)
        _LOGGER.warning("Storage recovered: %s is written again after %.1f s", file, down_for)
        self._bus.fire(EVENT_STORAGE_RECOVERED, {"file": file, "down_for": down_for})
