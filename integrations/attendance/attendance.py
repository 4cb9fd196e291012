"""``Attendance``: the roster, the punch log and the clock, answering for a day or a month.

It reads the residents registry (names, departments), the site calendar (through the
roster) and the recorder (punches), and nothing of the hub besides, so ``xiaoqu attendance
export`` on a stopped hub builds one from the stores themselves.
"""
from __future__ import annotations

import calendar as months
from collections.abc import Callable
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import ServiceValidationError

from .evaluate import DayResult, Rules, evaluate
from .punches import PunchLog
from .roster import Roster, Team

if TYPE_CHECKING:
    from collections.abc import Mapping

    from xiaoqu.core.calendar import SiteCalendar
    from xiaoqu.core.recorder import Recorder
    from xiaoqu.integrations.residents import Person, Residents


class AttendanceError(ServiceValidationError):
    """Input that names no team or person attendance knows; the message names the field."""


class Attendance:
    def __init__(self, roster: Roster, residents: Residents, punches: PunchLog, rules: Rules,
                 time: Callable[[], float]) -> None:
        self.roster = roster
        self.residents = residents
        self.punches = punches
        self.rules = rules
        self.time = time

    @classmethod
    def from_config(cls, config: Mapping[str, Any], residents: Residents, calendar: SiteCalendar, recorder: Recorder,
                    time: Callable[[], float]) -> Attendance:
        """From the validated ``attendance:`` section and the stores it reads."""
        rules = Rules(config["overtime_unit_minutes"], timedelta(minutes=config["punch_before_minutes"]),
                      timedelta(minutes=config["punch_after_minutes"]))
        return cls(Roster(config, calendar), residents, PunchLog(recorder, residents, config["terminals"]), rules, time)

    @property
    def tz(self) -> tzinfo:
        return self.roster.calendar.tz

    def who(self, team: str | None = None, person: str | None = None) -> list[tuple[Person, Team]]:
        """The persons a question is about, with their teams: one team's members, or one person."""
        if team is not None:
            found = self.roster.teams.get(team)
            if found is None:
                raise AttendanceError(f"team: no team {team} (teams: {', '.join(self.roster.teams) or 'none'})")
            return [(member, found) for member in self.roster.members(found, self.residents)]
        assert person is not None
        member = self.residents.person(person)
        if member is None:
            raise AttendanceError(f"person: no person {person}")
        own = self.roster.team_of(member)
        if own is None:
            raise AttendanceError(f"person: {person} is in no attendance team (only staff are, by department or id)")
        return [(member, own)]

    async def days(self, first: date, last: date, team: str | None = None,
                   person: str | None = None) -> list[DayResult]:
        """Each person's results for every day from ``first`` to ``last``, person by person."""
        people = self.who(team, person)
        rules, tz, now = self.rules, self.tz, self.time()
        since = datetime.combine(first, datetime.min.time(), tzinfo=tz) - rules.before - timedelta(days=1)
        until = datetime.combine(last + timedelta(days=2), datetime.min.time(), tzinfo=tz) + rules.after
        punches = await self.punches.between(since.timestamp(), until.timestamp(), (p.id for p, _ in people))
        span = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return [evaluate(DayResult(member.id, member.name, own.id, self.roster.plan(own, on)),
                         punches.get(member.id, []), now, rules, tz)
                for member, own in people for on in span]

    async def month(self, first: date, team: str | None = None, person: str | None = None) -> list[DayResult]:
        last = first.replace(day=months.monthrange(first.year, first.month)[1])
        return await self.days(first, last, team, person)

    async def add_punch(self, person: str, moment: datetime, terminal: str, by: str, reason: str) -> dict[str, Any]:
        """A punch a manager adds by hand (a forgotten card, a broken terminal)."""
        self.who(person=person)
        at = (moment if moment.tzinfo is not None else moment.replace(tzinfo=self.tz)).timestamp()
        if at > self.time():
            raise AttendanceError("time: a punch cannot be added for a moment still to come")
        new = await self.punches.add_manual(person, at, terminal, by, reason)
        return {"person": person, "time": datetime.fromtimestamp(at, self.tz).isoformat(), "terminal": terminal,
                "by": by, "reason": reason, "new": new}
