"""``attendance_absent``: at a team member's shift start plus grace, no punch yet.

One timer on the hub clock at a time, set for the next moment any member's check falls due
(looking a week ahead, since a rotation may give a whole team days off), planned again when
the residents registry changes (a new member of staff, a department changed). When it fires, each
member due then who has no punch in their shift's window up to that moment gets one event,
for an automation (the blueprint tells their supervisor). A hub that starts late does not
fire for checks it missed while it was down: those days are the monthly sheet's to show.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from .const import EVENT_ABSENT

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.residents import Person

    from .attendance import Attendance
    from .roster import Plan, Team

#: How far ahead the next check is looked for; with none found, the search runs again then.
LOOK_AHEAD: Final = timedelta(days=7)

Due = tuple[float, "Person", "Team", "Plan"]


class AbsenceWatch:
    def __init__(self, hub: Hub, attendance: Attendance) -> None:
        self._hub = hub
        self._attendance = attendance
        self._timer: TimerHandle | None = None
        self._last = hub.clock.time()
        self._stopped = False

    def start(self) -> None:
        self._schedule()

    def replan(self, _change: object = None) -> None:
        """Plan the next check again: a residents change may have added or moved a team member."""
        self._schedule()

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _due_after(self, after: float) -> list[Due]:
        """Every member's check in the week after ``after``."""
        attendance = self._attendance
        tz = attendance.tz
        first = datetime.fromtimestamp(after, tz).date() - timedelta(days=1)  # a shift started late yesterday
        due: list[Due] = []
        for team in attendance.roster.teams.values():
            members = attendance.roster.members(team, attendance.residents)
            for offset in range(LOOK_AHEAD.days + 1):
                plan = attendance.roster.plan(team, first + timedelta(days=offset))
                if plan.shift is None:
                    continue
                start, _end = plan.shift.bounds(plan.day, tz)
                moment = (start + timedelta(minutes=plan.shift.grace_minutes)).timestamp()
                if moment > after:
                    due += [(moment, member, team, plan) for member in members]
        return due

    def _schedule(self) -> None:
        """Set the one timer for the next check after the last one (replacing any set before)."""
        if self._timer is not None:
            self._timer.cancel()
        if self._stopped:
            return
        due = self._due_after(self._last)
        if not due:
            self._timer = self._hub.clock.call_at(self._last + LOOK_AHEAD.total_seconds(), self._rescan)
            return
        moment = min(entry[0] for entry in due)
        self._timer = self._hub.clock.call_at(moment, lambda: self._fire(moment, due))

    def _rescan(self) -> None:
        self._last = self._hub.clock.time()
        self._schedule()

    def _fire(self, moment: float, due: list[Due]) -> None:
        self._hub.create_task(self._check(moment, [entry for entry in due if entry[0] == moment]),
                              name="attendance absence check")

    async def _check(self, moment: float, due: list[Due]) -> None:
        attendance = self._attendance
        try:
            for _moment, member, team, plan in due:
                assert plan.shift is not None
                start, _end = plan.shift.bounds(plan.day, attendance.tz)
                opens = (start - attendance.rules.before).timestamp()
                punches = await attendance.punches.between(opens, moment + 1, [member.id])
                if not punches.get(member.id):
                    self._hub.bus.fire(EVENT_ABSENT, absence(attendance, member, team, plan))
        finally:
            self._last = moment
            self._schedule()


def absence(attendance: Attendance, member: Person, team: Team, plan: Plan) -> dict[str, Any]:
    """The event's data: who, which team and shift, who supervises them, and the sentence."""
    assert plan.shift is not None
    start, _end = plan.shift.bounds(plan.day, attendance.tz)
    supervisor = attendance.residents.person(team.supervisor) if team.supervisor else None
    return {
        "person": member.id,
        "name": member.name,
        "team": team.id,
        "team_name": team.name,
        "supervisor": team.supervisor,
        "supervisor_name": supervisor.name if supervisor is not None else None,
        "supervisor_user": supervisor.user if supervisor is not None else None,
        "date": plan.day.isoformat(),
        "shift": plan.shift.id,
        "start": start.isoformat(),
        "grace_minutes": plan.shift.grace_minutes,
        "reason": f"no punch by {start:%H:%M} + {plan.shift.grace_minutes} min grace ({plan.shift.name} shift, "
                  f"{plan.why})",
    }
