"""The attendance services, one table: the day's and the month's sheets, the export, a manual punch.

Guards (team leaders) read the sheets; managers also export and add a punch by hand, which
must give a reason and is audited with it (the core audits the call itself too).
"""
from __future__ import annotations

from typing import Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import HubError
from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse
from xiaoqu.integrations.access.services import author

from . import schema
from .const import AUDIT_EXPORTED, AUDIT_PUNCH, EXPORT_DIR, SERVICE_DAY, SERVICE_EXPORT, SERVICE_MONTH, SERVICE_PUNCH
from .export import export_month
from .runtime import get_attendance
from .sheets import month_response


def _audit(call: ServiceCall, act: str, **details: Any) -> None:
    try:
        get_auth(call.hub).record(act, call.context, **details)
    except HubError:
        pass  # no auth on this hub: nobody to audit for


async def day(call: ServiceCall) -> dict[str, Any]:
    attendance = get_attendance(call.hub)
    on = call.data["date"]
    days = await attendance.days(on, on, call.data.get("team"), call.data.get("person"))
    return {"date": on.isoformat(), "days": [result.as_dict(attendance.tz) for result in days]}


async def month(call: ServiceCall) -> dict[str, Any]:
    attendance = get_attendance(call.hub)
    first = call.data["month"]
    days = await attendance.month(first, call.data.get("team"), call.data.get("person"))
    return month_response(f"{first:%Y-%m}", days, attendance.tz)


async def export(call: ServiceCall) -> dict[str, Any]:
    assert call.hub.config.data_dir is not None
    folder = call.hub.config.data_dir / EXPORT_DIR
    await call.hub.run_in_executor(lambda: folder.mkdir(parents=True, exist_ok=True))
    data = call.data
    result = await export_month(get_attendance(call.hub), folder / data["file"], data["month"], data.get("team"),
                                data.get("person"), data["chinese"])
    _audit(call, AUDIT_EXPORTED, file=result["path"], month=result["month"], team=data.get("team"),
           person=data.get("person"), rows=result["rows"])
    return result


async def punch(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    by = author(call)
    result = await get_attendance(call.hub).add_punch(data["person"], data["time"], data.get("terminal", "manual"),
                                                      by, data["reason"])
    if result["new"]:
        _audit(call, AUDIT_PUNCH, person=data["person"], time=result["time"], terminal=result["terminal"],
               reason=data["reason"])
    return result


_ONLY = SupportsResponse.ONLY
_OPTIONAL = SupportsResponse.OPTIONAL

SERVICES = [
    ServiceSpec(SERVICE_DAY, day, schema.DAY_SCHEMA, "A team's or a person's attendance on one day, with the rules",
                _ONLY),
    ServiceSpec(SERVICE_MONTH, month, schema.MONTH_SCHEMA,
                "A team's or a person's attendance month: each day and the totals", _ONLY),
    ServiceSpec(SERVICE_EXPORT, export, schema.EXPORT_SCHEMA,
                "Write a month's attendance sheet (.csv or .xlsx) to the data dir's exports folder", _OPTIONAL),
    ServiceSpec(SERVICE_PUNCH, punch, schema.PUNCH_SCHEMA,
                "Add a punch a member of staff missed (audited, with the reason)", _OPTIONAL),
]
