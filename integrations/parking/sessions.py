"""Every session in memory, indexed the ways a gate asks: the cars inside a lot by plate, the
car on a fixed space, the last car of a plate to leave; and the store that keeps them.

Decisions read only these dictionaries. A change is made here first (the next read at any
lane sees it) and written to ``parking.db`` after; closed sessions older than ``keep_days``
are dropped from both.
"""
from __future__ import annotations

import secrets
from collections import deque
from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from .matching import NearPlates
from .models import Session
from .store import ParkingStore


class Sessions:
    def __init__(self, store: ParkingStore, tz: tzinfo) -> None:
        self.store = store
        self.tz = tz
        self.by_id: dict[str, Session] = {}
        self._inside: dict[str, dict[str, list[Session]]] = {}
        self._near: dict[str, NearPlates] = {}
        self._spaces: dict[tuple[str, str], Session] = {}
        self._last_left: dict[tuple[str, str], Session] = {}
        self._recent: deque[Session] = deque()

    def load(self, rows: list[tuple[str, dict[str, Any]]]) -> None:
        for _key, doc in sorted(rows, key=lambda row: row[1].get("entered_at") or row[1].get("exited_at") or 0):
            self._index(Session.from_doc(doc))

    def new_id(self, now: float) -> str:
        """``PK`` + the day + 6 hex digits: sortable by day, unguessable, unique here."""
        day = datetime.fromtimestamp(now, self.tz).strftime("%y%m%d")
        while True:
            candidate = f"PK{day}{secrets.token_hex(3).upper()}"
            if candidate not in self.by_id:
                return candidate

    # Reading.

    def inside(self, lot: str, plate: str) -> list[Session]:
        """The open sessions of ``plate`` in ``lot``, newest first."""
        return self._inside.get(lot, {}).get(plate, [])

    def plates_inside(self, lot: str) -> list[str]:
        return list(self._inside.get(lot, {}))

    def plates_near(self, lot: str, read: str) -> set[str]:
        """The plates inside ``lot`` that ``read`` could be: itself, or one character away."""
        near = self._near.get(lot)
        return near.near(read) if near is not None else set()

    def on_space(self, lot: str, space: str) -> Session | None:
        return self._spaces.get((lot, space))

    def last_left(self, lot: str, plate: str) -> Session | None:
        return self._last_left.get((lot, plate))

    def recent_exits(self, lot: str, since: float) -> list[str]:
        """The plates that left ``lot`` at or after ``since`` (older ones are forgotten here)."""
        while self._recent and (self._recent[0].exited_at or 0) < since:
            self._recent.popleft()
        return [s.plate for s in self._recent if s.lot == lot and s.plate not in self._inside.get(lot, {})]

    def find(self, *, lot: str | None = None, plate: str | None = None, status: str | None = None,
             kind: str | None = None, attention: bool | None = None) -> Iterator[Session]:
        """Sessions newest first (by entry, else exit), filtered as asked."""
        found = (s for s in self.by_id.values()
                 if (lot is None or s.lot == lot) and (plate is None or s.plate == plate)
                 and (status is None or s.status == status) and (kind is None or s.kind == kind)
                 and (attention is None or bool(s.attention) == attention))
        return iter(sorted(found, key=lambda s: s.entered_at or s.exited_at or 0, reverse=True))

    # Changing.

    def add(self, session: Session) -> None:
        """A new session, in memory (the next read at any lane sees it); :meth:`save` writes it."""
        self._index(session)

    def _index(self, session: Session) -> None:
        self.by_id[session.id] = session
        if session.open:
            self._inside.setdefault(session.lot, {}).setdefault(session.plate, []).insert(0, session)
            self._near.setdefault(session.lot, NearPlates()).add(session.plate)
            if session.space is not None:
                self._spaces[(session.lot, session.space)] = session
        else:
            self._last_left[(session.lot, session.plate)] = session

    def closed(self, session: Session) -> None:
        """``session`` has just left: out of the lot's cars inside and off its space."""
        plates = self._inside.get(session.lot, {})
        left = [s for s in plates.get(session.plate, []) if s.id != session.id]
        if left:
            plates[session.plate] = left
        else:
            plates.pop(session.plate, None)
            if (near := self._near.get(session.lot)) is not None:
                near.discard(session.plate)
        if session.space is not None and self._spaces.get((session.lot, session.space)) is session:
            del self._spaces[(session.lot, session.space)]
        self._last_left[(session.lot, session.plate)] = session
        self._recent.append(session)

    async def save(self, session: Session) -> None:
        await self.store.save(session)

    async def purge(self, before: float) -> int:
        """Drop sessions that left before ``before``; how many."""
        old = [s for s in self.by_id.values() if not s.open and (s.exited_at or 0) < before]
        for session in old:
            del self.by_id[session.id]
            key = (session.lot, session.plate)
            if self._last_left.get(key) is session:
                del self._last_left[key]
        if old:
            await self.store.forget(s.id for s in old)
        return len(old)
