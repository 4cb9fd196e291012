"""``<data dir>/residents.db``: the residents' RowStore, with one writer at a time.

A RowStore takes no lock of its own, and the hub and ``xiaoqu residents import`` (when no
hub answers) could both open the file: a lock file beside it, held while it is open, makes
the second one fail with :class:`~xiaoqu.core.storage.StoreLockedError` instead.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xiaoqu.core.rowstore import Change, RowStore
from xiaoqu.core.storage import StoreLockedError, open_private

from .const import STORE_FILE, TABLE_CONSENTS, TABLE_HOUSEHOLDS, TABLE_PERSONS, TABLE_VEHICLES, TABLES
from .models import Consent, Household, Person, Vehicle


@dataclass(slots=True)
class Loaded:
    """Every record on disk, read once at start-up."""

    households: list[Household] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)


class ResidentsStore:
    """The RowStore of one site's residents, locked while open."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / STORE_FILE
        self._rows = RowStore(self.path, TABLES)
        self._lock_fd: int | None = None

    async def open(self) -> Loaded:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_fd = _lock(self.path)
        try:
            await self._rows.open()
            return Loaded(
                [Household.from_doc(k, d) for k, d in await self._rows.load(TABLE_HOUSEHOLDS)],
                [Person.from_doc(k, d) for k, d in await self._rows.load(TABLE_PERSONS)],
                [Vehicle.from_doc(k, d) for k, d in await self._rows.load(TABLE_VEHICLES)],
                [Consent.from_doc(k, d) for k, d in await self._rows.load(TABLE_CONSENTS)],
            )
        except BaseException:
            await self.close()
            raise

    async def write(self, changes: Iterable[Change]) -> None:
        await self._rows.write(changes)

    async def close(self) -> None:
        try:
            await self._rows.close()
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None


def _lock(path: Path) -> int:
    lock_path = path.with_name(f"{path.name}.lock")
    fd = open_private(lock_path, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        with contextlib.suppress(OSError):
            os.close(fd)
        raise StoreLockedError(
            f"{path} is open in another process (a running hub, or an import); "
            "a store has exactly one writer"
        ) from None
    return fd
