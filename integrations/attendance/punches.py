"""Punches: a member of staff presenting their credential at an attendance terminal, kept in the recorder.

A punch is the access decision of a reader listed in ``terminals`` (by the reader's id or its
door's), as ``access_granted`` and ``access_denied`` report it. Denials count too when they
are about the door's groups or hours (``group:*``, ``schedule:*``): the card was good and its
holder was there, and a night guard clocking in at 20:00 must not be marked absent because the
office door's schedule closed at 17:30. A denial for a restriction (a card reported lost),
an expired or erased credential proves nothing about who held it, so it is no punch. Only a
reader's decisions count: ``access.check`` asked through the API for a moment or a remote
opening is nobody presenting a card.

Each punch is recorded once, whatever repeats it: its record id is the decision's time, door
(or terminal) and person. A manager adds a forgotten punch with ``attendance.punch``, which
carries who added it and why, and is audited.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Final

from .const import PUNCH_KIND, SOURCE_MANUAL, SOURCE_TERMINAL

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.recorder import Recorder
    from xiaoqu.integrations.residents import Residents

#: The access rules whose denial still proves the holder was at the terminal.
PRESENCE_DENIALS: Final = ("group:", "schedule:")
_READER: Final = "reader:"


@dataclass(frozen=True, slots=True, order=True)
class Punch:
    at: float
    terminal: str
    source: str = SOURCE_TERMINAL
    granted: bool = True
    by: str | None = None
    reason: str | None = None

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        data: dict[str, Any] = {"time": datetime.fromtimestamp(self.at, tz).isoformat(), "terminal": self.terminal,
                                "source": self.source}
        if not self.granted:
            data["granted"] = False
        if self.by is not None:
            data.update(by=self.by, reason=self.reason)
        return data

    @classmethod
    def from_record(cls, at: float, data: dict[str, Any]) -> Punch:
        return cls(at, data["terminal"], data.get("source", SOURCE_TERMINAL), data.get("granted", True),
                   data.get("by"), data.get("reason"))


def record_id(person: str, terminal: str, at: float) -> str:
    return f"{at:.3f}:{terminal}:{person}"


class PunchLog:
    """Turns terminal decisions into punch records, and reads them back by person and time."""

    def __init__(self, recorder: Recorder, residents: Residents, terminals: Collection[str]) -> None:
        self._recorder = recorder
        self._residents = residents
        self._terminals = frozenset(terminals)

    def terminal_of(self, data: Mapping[str, Any]) -> str | None:
        """The terminal a decision was made at, or None when it is no attendance terminal's."""
        source = data.get("source") or ""
        if not source.startswith(_READER):
            return None
        reader = source.removeprefix(_READER)
        if reader in self._terminals:
            return reader
        door = data.get("door")
        return door if door in self._terminals else None

    def on_decision(self, event: Event) -> None:
        """``access_granted`` / ``access_denied``: record a staff member's punch at a terminal."""
        data = event.data
        person_id = data.get("person")
        terminal = self.terminal_of(data)
        if person_id is None or terminal is None:
            return
        granted = event.event_type.endswith("granted")
        if not granted and not str(data.get("rule") or "").startswith(PRESENCE_DENIALS):
            return
        person = self._residents.person(person_id)
        if person is None or person.kind != "staff":
            return
        self._recorder.record(PUNCH_KIND, {"terminal": terminal, "granted": granted, "rule": data.get("rule")},
                              subject=person_id, time=event.time_fired,
                              record_id=record_id(person_id, terminal, event.time_fired))

    async def add_manual(self, person: str, at: float, terminal: str, by: str, reason: str) -> bool:
        """A punch a manager adds by hand; True if it is new (the same person, terminal and minute again is not)."""
        return await self._recorder.append(
            PUNCH_KIND, {"terminal": terminal, "source": SOURCE_MANUAL, "by": by, "reason": reason},
            subject=person, time=at, record_id=record_id(person, terminal, at))

    async def between(self, since: float, until: float, persons: Iterable[str]) -> dict[str, list[Punch]]:
        """Each person's punches with ``since <= time < until``, oldest first."""
        await self._recorder.flush()  # a punch just made is in the answer
        found: dict[str, list[Punch]] = defaultdict(list)
        wanted = set(persons)
        records = await self._recorder.query(PUNCH_KIND, since=since, until=until, limit=None, newest_first=False)
        for record in records:
            if record.subject in wanted:
                found[record.subject].append(Punch.from_record(record.time, record.data))
        return found
