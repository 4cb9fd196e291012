"""The ``attendance:`` section of config.yaml and the data of each ``attendance.*`` service.

Times of day are ``"HH:MM"`` (quoted: YAML reads an unquoted 20:00 as a number); a shift whose
end is not after its start ends on the next day. A team takes its members by department or
by a list of person ids, and works one shift or one rotation; a rotation's pattern names a
shift or ``off`` for each day, counted from its start date.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Final

from xiaoqu.core.validation import boolean, ensure_list, name, positive_int, slug, string, time_of_day, vol

from .const import DEFAULT_KEEP_DAYS, HOLIDAYS_OFF, HOLIDAYS_WORK, OFF

_PERSON: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9_-]{1,32}$", msg="expected a person id like P000123"))
_TERMINAL: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9_.-]{1,64}$", msg="expected a reader or door id"))
_MINUTES: Final = vol.All(vol.Coerce(int), vol.Range(min=0, max=720))
_MONTH: Final = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def day(value: Any) -> date:
    """A date, ``2026-10-01`` (YAML may already have read it as one)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(string(value).strip())
    except ValueError:
        raise vol.Invalid("expected a date like 2026-10-01") from None


def month(value: Any) -> date:
    """``2026-10``: the month's first day."""
    found = _MONTH.match(string(value).strip())
    if found is None or int(found.group(1)) == 0 or not 1 <= int(found.group(2)) <= 12:  # no year 0
        raise vol.Invalid("expected a month like 2026-10")
    return date(int(found.group(1)), int(found.group(2)), 1)


def moment(value: Any) -> datetime:
    """A date and time, ``2026-10-08 08:41`` (naive: the site's local time)."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(string(value).strip())
    except ValueError:
        raise vol.Invalid("expected a date and time like 2026-10-08 08:41") from None


def _shift_id(value: Any) -> str:
    shift = slug(value)
    if shift == OFF:
        raise vol.Invalid(f"'{OFF}' is a rotation's day off, not a shift's name")
    return shift


SHIFT_SCHEMA: Final = vol.Schema({
    vol.Optional("name"): name,
    vol.Required("start"): time_of_day,
    vol.Required("end"): time_of_day,
    vol.Optional("grace_minutes", default=0): _MINUTES,
    vol.Optional("early_leave_grace", default=0): _MINUTES,
})

ROTATION_SCHEMA: Final = vol.Schema({
    vol.Required("pattern"): vol.All(ensure_list, vol.Length(min=1, max=366), [slug]),
    vol.Required("start"): day,
})

TEAM_SCHEMA: Final = vol.Schema({
    vol.Required("id"): slug,
    vol.Optional("name"): name,
    vol.Exclusive("department", "members"): name,
    vol.Exclusive("persons", "members"): vol.All(ensure_list, vol.Length(min=1), [_PERSON]),
    vol.Exclusive("shift", "work"): slug,
    vol.Exclusive("rotation", "work"): slug,
    vol.Optional("supervisor"): _PERSON,
    vol.Optional("holidays"): vol.In((HOLIDAYS_OFF, HOLIDAYS_WORK)),
})


def _team_problems(index: int, team: dict[str, Any], shifts: dict[str, Any], rotations: dict[str, Any]) -> None:
    path: list[Any] = ["teams", index]
    if "department" not in team and "persons" not in team:
        raise vol.Invalid("a team needs its members: department or persons", path=path)
    if "shift" not in team and "rotation" not in team:
        raise vol.Invalid("a team needs a shift or a rotation", path=path)
    if "shift" in team and team["shift"] not in shifts:
        raise vol.Invalid(f"no shift {team['shift']} (shifts: {', '.join(shifts) or 'none'})", path=[*path, "shift"])
    if "rotation" in team and team["rotation"] not in rotations:
        raise vol.Invalid(f"no rotation {team['rotation']} (rotations: {', '.join(rotations) or 'none'})",
                          path=[*path, "rotation"])
    if "shift" in team and "holidays" in team:
        raise vol.Invalid("only a team on a rotation has a holidays setting; a fixed shift follows the calendar",
                          path=[*path, "holidays"])


def _cross_check(section: dict[str, Any]) -> dict[str, Any]:
    """Rotations name real shifts; teams real shifts or rotations, and each team id once."""
    shifts, rotations = section["shifts"], section["rotations"]
    for rotation_id, rotation in rotations.items():
        for position, entry in enumerate(rotation["pattern"]):
            if entry != OFF and entry not in shifts:
                raise vol.Invalid(f"no shift {entry} (a pattern names shifts or {OFF})",
                                  path=["rotations", rotation_id, "pattern", position])
    seen: set[str] = set()
    for index, team in enumerate(section["teams"]):
        _team_problems(index, team, shifts, rotations)
        if team["id"] in seen:
            raise vol.Invalid("names a team already defined above", path=["teams", index, "id"])
        seen.add(team["id"])
    return section


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("terminals", default=[]): vol.All(ensure_list, [_TERMINAL]),
        vol.Optional("shifts", default={}): {_shift_id: SHIFT_SCHEMA},
        vol.Optional("rotations", default={}): {slug: ROTATION_SCHEMA},
        vol.Optional("teams", default=[]): [TEAM_SCHEMA],
        #: Overtime is counted in whole units of this many minutes (30: half hours), rounded down.
        vol.Optional("overtime_unit_minutes", default=30): vol.All(vol.Coerce(int), vol.Range(min=1, max=240)),
        #: How long before a shift's start and after its end a punch still belongs to it.
        vol.Optional("punch_before_minutes", default=240): _MINUTES,
        vol.Optional("punch_after_minutes", default=480): _MINUTES,
        vol.Optional("keep_days", default=DEFAULT_KEEP_DAYS): positive_int,
    }),
    _cross_check,
)


def _one_of_team_or_person(data: dict[str, Any]) -> dict[str, Any]:
    if ("team" in data) == ("person" in data):
        raise vol.Invalid("name a team or a person (one of them)")
    return data


_WHO: Final[dict[Any, Any]] = {vol.Optional("team"): slug, vol.Optional("person"): _PERSON}

DAY_SCHEMA: Final = vol.All(vol.Schema({vol.Required("date"): day, **_WHO}), _one_of_team_or_person)
MONTH_SCHEMA: Final = vol.All(vol.Schema({vol.Required("month"): month, **_WHO}), _one_of_team_or_person)


def file_name(value: Any) -> str:
    """A file name (no folder) ending in .csv or .xlsx: exports land in the data dir's exports folder."""
    text = string(value).strip()
    if not re.fullmatch(r"[\w\u4e00-\u9fff.-]{1,100}\.(csv|xlsx)", text, flags=re.IGNORECASE) or text.startswith("."):
        raise vol.Invalid("expected a file name ending in .csv or .xlsx, without a folder")
    return text


EXPORT_SCHEMA: Final = vol.All(vol.Schema({
    vol.Required("month"): month,
    **_WHO,
    vol.Required("file"): file_name,
    vol.Optional("chinese", default=False): boolean,
}), _one_of_team_or_person)

PUNCH_SCHEMA: Final = vol.Schema({
    vol.Required("person"): _PERSON,
    vol.Required("time"): moment,
    vol.Required("reason"): vol.All(name, vol.Length(min=2)),
    vol.Optional("terminal"): _TERMINAL,
})
