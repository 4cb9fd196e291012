"""A batch of changes: applied to memory as they are made, written in one go, undone on failure.

Every write goes through one: a single ``add_person`` is a batch of one change, an import a
batch of thousands. Changes are applied to the registry's dicts at once, so each one is
checked against everything before it (two rows of one sheet giving the same card clash);
:meth:`Batch.savepoint` and :meth:`Batch.rollback` undo one bad row of a sheet without
undoing the good ones; :meth:`Batch.flush` makes what is staged durable (one RowStore
transaction) and only then tells the listeners.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from xiaoqu.core.rowstore import Change

from .const import TABLE_HOUSEHOLDS, TABLE_PERSONS, TABLE_VEHICLES
from .models import ResidentsChange

if TYPE_CHECKING:
    from .store import ResidentsStore

TABLE_OF = {"household": TABLE_HOUSEHOLDS, "person": TABLE_PERSONS, "vehicle": TABLE_VEHICLES}


def row(change: ResidentsChange) -> Change:
    """The RowStore row a change writes (or deletes)."""
    return Change(TABLE_OF[change.kind], change.id, None if change.new is None else change.new.as_doc())


class Batch:
    """Changes staged in memory, not yet durable. Use through :meth:`Residents.batch`."""

    def __init__(self, store: ResidentsStore, apply: Callable[[ResidentsChange], None],
                 notify: Callable[[list[ResidentsChange]], None]) -> None:
        self._store = store
        self._apply = apply
        self._notify = notify
        self._staged: list[ResidentsChange] = []
        self.written = 0

    def __len__(self) -> int:
        return len(self._staged)

    def stage(self, change: ResidentsChange) -> None:
        self._apply(change)
        self._staged.append(change)

    def savepoint(self) -> int:
        return len(self._staged)

    def rollback(self, savepoint: int = 0) -> None:
        """Undo, newest first, what was staged after ``savepoint``."""
        while len(self._staged) > savepoint:
            self._apply(self._staged.pop().inverse())

    async def flush(self) -> None:
        """Write what is staged (one transaction); undo it all if the write fails."""
        if not self._staged:
            return
        staged = self._staged
        try:
            await self._store.write([row(change) for change in _last_of_each(staged)])
        except BaseException:
            self.rollback()
            raise
        self._staged = []
        self.written += len(staged)
        self._notify(staged)


def _last_of_each(changes: list[ResidentsChange]) -> list[ResidentsChange]:
    """One row per record: a record changed twice in a batch is written as it ended."""
    last = {(change.kind, change.id): change for change in changes}
    return list(last.values())
