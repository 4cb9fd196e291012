"""``<data dir>/residents.db``: the residents' RowStore, read into models once at start-up.

The RowStore holds the file's single-writer lock, so the hub and ``xiaoqu residents import``
(when no hub answers) cannot both write it: the second fails with
:class:`~xiaoqu.core.storage.StoreLockedError`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from xiaoqu.core.rowstore import Change, RowStore

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
    """The RowStore of one site's residents."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / STORE_FILE
        self._rows = RowStore(self.path, TABLES)

    async def open(self) -> Loaded:
        await self._rows.open()
        try:
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
        await self._rows.close()
