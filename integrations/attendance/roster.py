"""Who works which shift on which day: shifts, rotations, teams and the site calendar.

A team on a fixed shift works the calendar's working days: public holidays off, make-up
working days (调休上班) on. A team on a rotation works what its pattern says for the day,
counted from the rotation's start; on a public holiday it works too unless the team says
``holidays: off`` (guards keep the gate on National Day; an office rota may not). Each
plan carries the sentence that explains it, so a sheet can say why a day was a rest day.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from .const import HOLIDAY, HOLIDAYS_OFF, HOLIDAYS_WORK, OFF, REST_DAY

if TYPE_CHECKING:
    from xiaoqu.core.calendar import SiteCalendar
    from xiaoqu.integrations.residents import Person, Residents


@dataclass(frozen=True, slots=True)
class Shift:
    """A shift's hours; one that ends at or before its start ends on the next day (a night shift)."""

    id: str
    name: str
    start: time
    end: time
    grace_minutes: int = 0
    early_leave_grace: int = 0

    @property
    def overnight(self) -> bool:
        return self.end <= self.start

    def bounds(self, on: date, tz: tzinfo) -> tuple[datetime, datetime]:
        """When the shift of day ``on`` starts and ends (the end on the next day for a night shift)."""
        start = datetime.combine(on, self.start, tzinfo=tz)
        end = datetime.combine(on + timedelta(days=1) if self.overnight else on, self.end, tzinfo=tz)
        return start, end

    @classmethod
    def from_config(cls, shift_id: str, config: Mapping[str, Any]) -> Shift:
        return cls(shift_id, config.get("name") or shift_id, config["start"], config["end"], config["grace_minutes"],
                   config["early_leave_grace"])


@dataclass(frozen=True, slots=True)
class Rotation:
    """A repeating pattern of shifts and days off, its first entry on ``start``."""

    id: str
    pattern: tuple[str, ...]
    start: date

    def position(self, on: date) -> int:
        return (on - self.start).days % len(self.pattern)


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    name: str
    department: str | None
    persons: tuple[str, ...]
    shift: str | None
    rotation: str | None
    supervisor: str | None
    holidays: str

    def takes(self, person: Person) -> bool:
        if person.kind != "staff" or person.erased:
            return False
        return person.id in self.persons if self.persons else person.department == self.department

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Team:
        return cls(config["id"], config.get("name") or config["id"], config.get("department"),
                   tuple(config.get("persons") or ()), config.get("shift"), config.get("rotation"),
                   config.get("supervisor"), config.get("holidays", HOLIDAYS_WORK))


@dataclass(frozen=True, slots=True)
class Plan:
    """What a team member should do on ``day``: a shift, or a day off (``REST_DAY``/``HOLIDAY``), and why."""

    day: date
    shift: Shift | None
    off: str | None
    why: str


class Roster:
    """The configured shifts, rotations and teams, answering "who works what on which day"."""

    def __init__(self, config: Mapping[str, Any], calendar: SiteCalendar) -> None:
        self.calendar = calendar
        self.shifts = {sid: Shift.from_config(sid, s) for sid, s in config["shifts"].items()}
        self.rotations = {rid: Rotation(rid, tuple(r["pattern"]), r["start"]) for rid, r in config["rotations"].items()}
        self.teams = {team["id"]: Team.from_config(team) for team in config["teams"]}

    def team_of(self, person: Person) -> Team | None:
        """The first team (in config order) that takes ``person``."""
        return next((team for team in self.teams.values() if team.takes(person)), None)

    def members(self, team: Team, residents: Residents) -> list[Person]:
        """The team's members who are its own (not taken by an earlier team), by id."""
        people: Iterable[Person | None] = ((residents.person(pid) for pid in team.persons) if team.persons
                                           else residents.persons())
        return sorted((p for p in people if p is not None and self.team_of(p) == team), key=lambda p: p.id)

    def plan(self, team: Team, on: date) -> Plan:
        if team.rotation is not None:
            return self._rotation_plan(team, self.rotations[team.rotation], on)
        assert team.shift is not None
        shift, calendar = self.shifts[team.shift], self.calendar
        reason = calendar.reason(on)
        if calendar.is_workday(on):
            return Plan(on, shift, None, f"{reason}: shift {shift.name} (team {team.name} works the calendar's "
                                         "working days)")
        return Plan(on, None, HOLIDAY if calendar.is_holiday(on) else REST_DAY, reason)

    def _rotation_plan(self, team: Team, rotation: Rotation, on: date) -> Plan:
        position = rotation.position(on)
        entry = rotation.pattern[position]
        where = f"rotation {rotation.id} day {position + 1} of {len(rotation.pattern)}"
        if entry == OFF:
            return Plan(on, None, REST_DAY, f"{where}: off")
        holiday = self.calendar.holiday_name(on) if self.calendar.is_holiday(on) else None
        if holiday is not None and team.holidays == HOLIDAYS_OFF:
            return Plan(on, None, HOLIDAY, f"{holiday} (team {team.name} has holidays off)")
        shift = self.shifts[entry]
        worked = f"; {holiday} worked (team {team.name} works holidays)" if holiday is not None else ""
        return Plan(on, shift, None, f"{where}: shift {shift.name}{worked}")
