"""Names of the attendance integration: its record kind, events, services, audit acts and hub.data key."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .attendance import Attendance

DOMAIN: Final = "attendance"
#: The one :class:`~xiaoqu.integrations.attendance.attendance.Attendance` of a hub.
DATA_ATTENDANCE: Final[HubKey[Attendance]] = HubKey(DOMAIN)

#: The recorder kind punches are kept as (subject: the person's id), and how long by default:
#: labour law asks for two years of attendance records.
PUNCH_KIND: Final = "attendance"
DEFAULT_KEEP_DAYS: Final = 731
#: Where ``attendance.export`` writes, under the hub's data dir.
EXPORT_DIR: Final = "exports"

#: Fired at shift start + grace for each team member on shift with no punch yet.
EVENT_ABSENT: Final = "attendance_absent"

SERVICE_DAY: Final = "day"
SERVICE_MONTH: Final = "month"
SERVICE_EXPORT: Final = "export"
SERVICE_PUNCH: Final = "punch"
#: Managers may do everything; guards (team leaders on the gate) read the sheets.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "guard": [f"{DOMAIN}.{SERVICE_DAY}", f"{DOMAIN}.{SERVICE_MONTH}"],
}

#: The audit act of a punch a manager added by hand, and of an export.
AUDIT_PUNCH: Final = "attendance_punch_added"
AUDIT_EXPORTED: Final = "attendance_exported"
#: The control-socket command of ``xiaoqu attendance export``.
COMMAND_EXPORT: Final = "attendance_export"

#: A rotation's pattern entry for a day off.
OFF: Final = "off"
#: What a team on a rotation does on a public holiday: stay home, or work as the pattern says.
HOLIDAYS_OFF: Final = "off"
HOLIDAYS_WORK: Final = "work"

#: Where a punch came from.
SOURCE_TERMINAL: Final = "terminal"
SOURCE_MANUAL: Final = "manual"

# A day's statuses, as the sheets name them.
ON_TIME: Final = "on_time"
LATE: Final = "late"
LEFT_EARLY: Final = "left_early"
ABSENT: Final = "absent"
OVERTIME: Final = "overtime"
MISSING_IN: Final = "missing_in"
MISSING_OUT: Final = "missing_out"
REST_DAY: Final = "rest_day"
HOLIDAY: Final = "holiday"
#: A shift that has not ended yet: what is known so far, not a verdict.
OPEN: Final = "open"
