"""The ``patrol:`` section of config.yaml and the data of each ``patrol.*`` service.

Ids of checkpoints, tags and wands are the devices' own (letters, digits, ``-``, ``_``), as
the device protocol has them; routes are slugs. Minutes are whole numbers. A route's stops
name checkpoints defined above, a schedule a route, a patroller routes: each cross reference
is checked and an error names its path (``patrol.routes[0].checkpoints[2].checkpoint: no
checkpoint cp-roof (checkpoints: cp-gate, cp-b1)``).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any, Final

from xiaoqu.core.validation import (
    boolean,
    ensure_list,
    name,
    number,
    positive_int,
    slug,
    string,
    time_of_day,
    vol,
)

from .const import DEFAULT_KEEP_DAYS

#: A device's own id: a tag, a wand, a checkpoint.
_ID_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Which days of the site calendar a schedule runs on.
DAYS_ALL: Final = "all"
DAYS_WORKDAYS: Final = "workdays"
DAYS_REST_DAYS: Final = "rest_days"
#: The longest period a report covers.
MAX_REPORT_DAYS: Final = 366


def device_id(value: Any) -> str:
    text = string(value).strip()
    if not _ID_RE.fullmatch(text):
        raise vol.Invalid("expected an id of 1 to 64 letters, digits, '-' or '_'")
    return text


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


def _minutes(most: int) -> Any:
    return vol.All(vol.Coerce(int), vol.Range(min=0, max=most, msg=f"expected whole minutes from 0 to {most}"))


def _weekday(value: Any) -> str:
    text = string(value).strip().lower()[:3]
    if text not in WEEKDAYS:
        raise vol.Invalid(f"expected a weekday: {', '.join(WEEKDAYS)}")
    return text


CHECKPOINT_SCHEMA: Final = vol.Schema({
    vol.Required("id"): device_id,
    vol.Optional("tag"): device_id,
    vol.Optional("name"): name,
    vol.Optional("location"): name,
    #: Where it is on the site map, in the map's units (0..100 by default, as the SVG's viewBox).
    vol.Optional("x", default=0): vol.All(number, vol.Range(min=0, max=10_000)),
    vol.Optional("y", default=0): vol.All(number, vol.Range(min=0, max=10_000)),
})

STOP_SCHEMA: Final = vol.Schema({
    vol.Required("checkpoint"): device_id,
    #: Minutes after the round's start this checkpoint is expected.
    vol.Required("offset_minutes"): _minutes(24 * 60),
    #: On time within this many minutes either side of the expected time.
    vol.Optional("tolerance_minutes"): _minutes(240),
})

ROUTE_SCHEMA: Final = vol.Schema({
    vol.Required("id"): slug,
    vol.Optional("name"): name,
    vol.Optional("ordered", default=True): boolean,
    vol.Optional("tolerance_minutes", default=5): _minutes(240),
    #: A scan this many minutes before (after) its expected time is early (late); beyond it, no scan of this round.
    vol.Optional("early_limit_minutes", default=15): _minutes(720),
    vol.Optional("late_limit_minutes", default=30): _minutes(720),
    vol.Required("checkpoints"): vol.All(ensure_list, vol.Length(min=1, max=200), [STOP_SCHEMA]),
})

SCHEDULE_SCHEMA: Final = vol.Schema({
    vol.Required("route"): slug,
    vol.Exclusive("times", "when"): vol.All(ensure_list, vol.Length(min=1, max=96), [time_of_day]),
    vol.Exclusive("every_hours", "when"): vol.All(vol.Coerce(int), vol.Range(min=1, max=24)),
    #: With every_hours: the first round of the day, and no round starting at or after ``until``.
    vol.Optional("from"): time_of_day,
    vol.Optional("until"): time_of_day,
    vol.Optional("weekdays", default=list(WEEKDAYS)): vol.All(ensure_list, vol.Length(min=1), [_weekday]),
    vol.Optional("days", default=DAYS_ALL): vol.In((DAYS_ALL, DAYS_WORKDAYS, DAYS_REST_DAYS)),
})

PATROLLER_SCHEMA: Final = vol.Schema({
    vol.Required("person"): device_id,
    vol.Required("wand"): device_id,
    vol.Optional("name"): name,
    vol.Optional("routes", default=[]): vol.All(ensure_list, [slug]),
})


def _known(what: str, value: str, known: Any, path: list[Any]) -> None:
    if value not in known:
        raise vol.Invalid(f"no {what} {value} ({what}s: {', '.join(known) or 'none'})", path=path)


def _once(values: list[str], what: str, section: str, key: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise vol.Invalid(f"names a {what} already defined above", path=[section, index, key])
        seen.add(value)


def _check_route(index: int, route: dict[str, Any], checkpoints: list[str]) -> None:
    path: list[Any] = ["routes", index]
    offsets = []
    for position, stop in enumerate(route["checkpoints"]):
        _known("checkpoint", stop["checkpoint"], checkpoints, [*path, "checkpoints", position, "checkpoint"])
        tolerance = stop.get("tolerance_minutes", route["tolerance_minutes"])
        if tolerance > min(route["early_limit_minutes"], route["late_limit_minutes"]):
            raise vol.Invalid("the tolerance is wider than the route's early or late limit",
                              path=[*path, "checkpoints", position, "tolerance_minutes"])
        offsets.append(stop["offset_minutes"])
    if route["ordered"] and offsets != sorted(offsets):
        raise vol.Invalid("an ordered route's offsets must not go down", path=[*path, "checkpoints"])


def _check_schedule(index: int, schedule: dict[str, Any], routes: list[str]) -> None:
    path: list[Any] = ["schedules", index]
    _known("route", schedule["route"], routes, [*path, "route"])
    if "times" not in schedule and "every_hours" not in schedule:
        raise vol.Invalid("a schedule needs times or every_hours", path=path)
    if "times" in schedule and ("from" in schedule or "until" in schedule):
        raise vol.Invalid("from and until go with every_hours; times name each round", path=path)


def _cross_check(section: dict[str, Any]) -> dict[str, Any]:
    checkpoints = [point["id"] for point in section["checkpoints"]]
    _once(checkpoints, "checkpoint", "checkpoints", "id")
    _once([point.get("tag", point["id"]) for point in section["checkpoints"]], "tag", "checkpoints", "tag")
    routes = [route["id"] for route in section["routes"]]
    _once(routes, "route", "routes", "id")
    for index, route in enumerate(section["routes"]):
        _check_route(index, route, checkpoints)
    for index, schedule in enumerate(section["schedules"]):
        _check_schedule(index, schedule, routes)
    _once([patroller["wand"] for patroller in section["patrollers"]], "wand", "patrollers", "wand")
    for index, patroller in enumerate(section["patrollers"]):
        for position, route in enumerate(patroller["routes"]):
            _known("route", route, routes, ["patrollers", index, "routes", position])
    return section


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("checkpoints", default=[]): vol.All(ensure_list, [CHECKPOINT_SCHEMA]),
        vol.Optional("routes", default=[]): vol.All(ensure_list, [ROUTE_SCHEMA]),
        vol.Optional("schedules", default=[]): vol.All(ensure_list, [SCHEDULE_SCHEMA]),
        vol.Optional("patrollers", default=[]): vol.All(ensure_list, [PATROLLER_SCHEMA]),
        #: Wands not in ``patrollers`` whose scans are accepted all the same (spares).
        vol.Optional("wands", default=[]): vol.All(ensure_list, [device_id]),
        #: A wand clock off by more than this is reported and, where the offset is known, corrected.
        vol.Optional("clock_skew_minutes", default=5): vol.All(vol.Coerce(int), vol.Range(min=1, max=24 * 60)),
        #: How long after a round's window closes its events wait for offline wands to upload.
        vol.Optional("settle_minutes", default=10): _minutes(24 * 60),
        #: The site map's size (its SVG viewBox); checkpoints' x and y are in these units.
        vol.Optional("map", default={}): vol.Schema({
            vol.Optional("width", default=100): vol.All(number, vol.Range(min=1, max=10_000)),
            vol.Optional("height", default=100): vol.All(number, vol.Range(min=1, max=10_000)),
        }),
        vol.Optional("keep_days", default=DEFAULT_KEEP_DAYS): positive_int,
    }),
    _cross_check,
)

def device_time_value(value: Any) -> float | str:
    """A device's ``ts`` as sent (epoch seconds or ISO text); what moment it names is read later."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise vol.Invalid("expected epoch seconds or an ISO 8601 date-time with offset")
    return value


#: One scan of an upload; checked scan by scan, so one bad scan is refused and the rest kept.
SCAN_SCHEMA: Final = vol.Schema({
    vol.Required("checkpoint"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Required("ts"): device_time_value,
    vol.Required("scan_id"): vol.All(string, vol.Length(min=1, max=64)),
})

UPLOAD_SCHEMA: Final = vol.Schema({
    vol.Required("wand"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Required("scans"): vol.All(ensure_list, vol.Length(max=2000), [dict]),
    #: The wand's own clock when it sent the upload: the hub measures the wand's clock from it.
    vol.Optional("sent"): device_time_value,
})

EVALUATE_SCHEMA: Final = vol.Schema({vol.Required("route"): slug, vol.Required("date"): day})

REPORT_KINDS: Final = ("missed", "rounds")


def _period(data: dict[str, Any]) -> dict[str, Any]:
    if data["end"] < data["start"]:
        raise vol.Invalid("the end is before the start", path=["end"])
    if (data["end"] - data["start"]).days >= MAX_REPORT_DAYS:
        raise vol.Invalid(f"a report covers at most {MAX_REPORT_DAYS} days", path=["end"])
    return data


_REPORT: Final[dict[Any, Any]] = {
    vol.Optional("kind", default="missed"): vol.In(REPORT_KINDS),
    vol.Required("start"): day,
    vol.Required("end"): day,
    vol.Optional("route"): slug,
    vol.Optional("patroller"): device_id,
}
REPORT_SCHEMA: Final = vol.All(vol.Schema(_REPORT), _period)


def file_name(value: Any) -> str:
    """A file name (no folder) ending in .csv or .xlsx: exports land in the data dir's exports folder."""
    text = string(value).strip()
    if not re.fullmatch(r"[\w\u4e00-\u9fff.-]{1,100}\.(csv|xlsx)", text, flags=re.IGNORECASE) or text.startswith("."):
        raise vol.Invalid("expected a file name ending in .csv or .xlsx, without a folder")
    return text


EXPORT_SCHEMA: Final = vol.All(vol.Schema({**_REPORT, vol.Required("file"): file_name}), _period)
