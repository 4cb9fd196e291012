"""The ``parking:`` section of config.yaml and the data of each ``parking.*`` service.

    parking:
      lots:
        - id: main                          # sensor.main_free_spaces
          name: 地面停车场
          capacity: 120
          temporary_spaces: 30              # how many cars without a space of their own may be inside
          fixed_spaces:
            - {space: A-001, household: 1-1-0101, plates: [粤B12345, 粤BD12345]}
          tariff: {free_minutes: 15, price_fen: 300, daily_cap_fen: 3000}
      lanes:
        - {id: main-1, lot: main, direction: in, camera: cam-1, barrier: barrier.main_gate_lane_1, display: led-1}
      passes:
        - {plate: 粤B66666, lot: main, until: 2026-12-31}

Plates are normalised as the cameras' reads are (``lpr.normalize_plate``), so a plate typed
``粤b·12345`` here is the ``粤B12345`` a camera reports; one that is no plate is refused with
the reason. docs/parking.md explains every key.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Final

from xiaoqu.core.validation import boolean, entity_id, fen, name, positive_int, slug, string, vol
from xiaoqu.integrations.lpr.normalize import normalize_plate

from .const import (
    DEFAULT_GRACE_MINUTES,
    DEFAULT_KEEP_DAYS,
    DEFAULT_LONG_STAY_HOURS,
    DEFAULT_REMINDER_DAYS,
    DEFAULT_REPEAT_SECONDS,
    DEFAULT_SHOW_SECONDS,
    DEFAULT_UNMATCHED_HOURS,
    DIRECTIONS,
    KINDS,
    REPORT_KINDS,
    STATUSES,
)
from .tariff import TARIFF_SCHEMA

#: A lane's, camera's or display's id, as the device protocol's topics carry it.
DEVICE_ID: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9_-]{1,64}$",
                                             msg="expected an id of 1 to 64 letters, digits, - or _"))
#: A household as residents writes it (``<building>-<unit>-<floor><room>``).
HOUSEHOLD: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9-]{1,32}$", msg="expected a household id such as 1-2-0601"))
SPACE: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9_-]{1,32}$", msg="expected a space number such as A-001"))
SESSION_ID: Final = vol.All(string, vol.Match(r"^PK[0-9A-F]{12}$", msg="expected a session id such as PK260302A1B2C3"))
PAYMENT_ID: Final = vol.All(string, vol.Match(r"^[\w.:-]{1,64}$",
                                              msg="expected a payment id of 1 to 64 letters, digits, _ . : -"))
REASON: Final = vol.All(string, vol.Length(min=1, max=200, msg="expected a reason of 1 to 200 characters"))


def plate(value: Any) -> str:
    """A plate in the one spelling the cameras' reads have; no plate is refused with why."""
    read = normalize_plate(string(value))
    if not read.valid:
        raise vol.Invalid(f"not a plate: {read.reason}")
    return read.text


def _minutes(high: int) -> Any:
    return vol.All(vol.Coerce(int), vol.Range(min=0, max=high, msg=f"expected whole minutes from 0 to {high}"))


def _whole(low: int, high: int, what: str) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise vol.Invalid(f"expected {what}: a whole number from {low} to {high}")
        return value

    return check


def day_or_moment(value: Any) -> datetime:
    """A date (a pass runs to the end of that day) or a date and time; naive: the site's time."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time()).replace(hour=23, minute=59, second=59)
    if isinstance(value, str):
        text = value.strip()
        try:
            return day_or_moment(date.fromisoformat(text)) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            pass
    raise vol.Invalid("expected a date or a date and time, like 2026-12-31 or 2026-12-31 18:00")


def moment(value: Any) -> datetime:
    """A date and time, ISO 8601 (``2026-03-02T08:00:00+08:00``); naive: the site's time."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise vol.Invalid("expected a date and time, like 2026-03-02T08:00:00+08:00 or 2026-03-02 08:00")


FIXED_SPACE_SCHEMA: Final = vol.Schema({
    vol.Required("space"): SPACE,
    vol.Required("household"): HOUSEHOLD,
    vol.Required("plates"): vol.All([plate], vol.Length(min=1, max=10, msg="expected 1 to 10 plates")),
})

LOT_SCHEMA: Final = vol.Schema({
    vol.Required("id"): vol.All(slug, vol.Length(max=32)),
    vol.Optional("name"): name,
    vol.Required("capacity"): _whole(1, 100_000, "spaces"),
    vol.Optional("temporary_spaces", default=0): _whole(0, 100_000, "spaces"),
    #: Cars with no space, pass or permission are let in (while temporary spaces remain).
    vol.Optional("admit_temporary", default=True): boolean,
    #: A car residents registers to a household parks free though it has no space of its own here.
    vol.Optional("residents_free", default=False): boolean,
    vol.Optional("fixed_spaces", default=list): [FIXED_SPACE_SCHEMA],
    vol.Optional("tariff"): TARIFF_SCHEMA,
    #: Minutes after a payment in advance within which the car leaves at the fee it paid.
    vol.Optional("grace_minutes", default=DEFAULT_GRACE_MINUTES): _minutes(240),
    #: A car leaving with no entry on record pays this, or else the tariff for ``unmatched_hours``.
    vol.Optional("unmatched_fee_fen"): fen,
    vol.Optional("unmatched_hours", default=DEFAULT_UNMATCHED_HOURS): _whole(1, 720, "hours"),
})

LANE_SCHEMA: Final = vol.Schema({
    vol.Required("id"): DEVICE_ID,
    vol.Optional("name"): name,
    vol.Required("lot"): slug,
    vol.Required("direction"): vol.In(DIRECTIONS, msg=f"expected one of {', '.join(DIRECTIONS)}"),
    vol.Required("camera"): DEVICE_ID,
    vol.Required("barrier"): entity_id,
    vol.Optional("display"): DEVICE_ID,
})

PASS_SCHEMA: Final = vol.Schema({
    vol.Required("plate"): plate,
    vol.Required("lot"): slug,
    vol.Required("until"): day_or_moment,
    vol.Optional("name"): name,
})


def _unique(items: list[dict[str, Any]], key: str, where: str) -> list[vol.Invalid]:
    seen: dict[Any, int] = {}
    errors = []
    for index, item in enumerate(items):
        if item[key] in seen:
            errors.append(vol.Invalid(f"{key} {item[key]!r} is already used by entry {seen[item[key]] + 1}",
                                      path=[where, index, key]))
        seen.setdefault(item[key], index)
    return errors


def _lot_fits(lot: dict[str, Any], index: int) -> list[vol.Invalid]:
    errors = _unique(lot["fixed_spaces"], "space", "fixed_spaces")
    spare = lot["capacity"] - len(lot["fixed_spaces"])
    if spare < 0:
        errors.append(vol.Invalid(f"{len(lot['fixed_spaces'])} fixed spaces do not fit a capacity of "
                                  f"{lot['capacity']}", path=["fixed_spaces"]))
    elif lot["temporary_spaces"] > spare:
        errors.append(vol.Invalid(f"only {spare} spaces are not fixed (capacity {lot['capacity']} less "
                                  f"{len(lot['fixed_spaces'])} fixed)", path=["temporary_spaces"]))
    holders: dict[str, str] = {}
    for number, space in enumerate(lot["fixed_spaces"]):
        for car in space["plates"]:
            other = holders.setdefault(car, space["household"])
            if other != space["household"]:
                errors.append(vol.Invalid(f"plate {car} is on a space of household {other} already; a car belongs "
                                          "to one household", path=["fixed_spaces", number, "plates"]))
    for error in errors:
        error.path[:0] = ["lots", index]
    return errors


def _consistent(section: dict[str, Any]) -> dict[str, Any]:
    """What the keys cannot say alone: lots named by lanes and passes exist, ids are unique."""
    errors = _unique(section["lots"], "id", "lots") + _unique(section["lanes"], "id", "lanes")
    errors += _unique(section["lanes"], "camera", "lanes")
    for index, lot in enumerate(section["lots"]):
        errors += _lot_fits(lot, index)
    lots = {lot["id"] for lot in section["lots"]}
    for where in ("lanes", "passes"):
        for index, item in enumerate(section[where]):
            if item["lot"] not in lots:
                known = ", ".join(sorted(lots)) or "none"
                errors.append(vol.Invalid(f"no lot {item['lot']!r} (the lots: {known})", path=[where, index, "lot"]))
    seen: set[tuple[str, str]] = set()
    for index, card in enumerate(section["passes"]):
        if (card["plate"], card["lot"]) in seen:
            errors.append(vol.Invalid(f"plate {card['plate']} has a pass for lot {card['lot']} already",
                                      path=["passes", index, "plate"]))
        seen.add((card["plate"], card["lot"]))
    if errors:
        raise vol.MultipleInvalid(errors)
    return section


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("lots", default=list): [LOT_SCHEMA],
        vol.Optional("lanes", default=list): [LANE_SCHEMA],
        vol.Optional("passes", default=list): [PASS_SCHEMA],
        #: A second read of a plate at a lot within this many seconds of its decision changes nothing.
        vol.Optional("repeat_seconds", default=DEFAULT_REPEAT_SECONDS): _whole(5, 3600, "seconds"),
        vol.Optional("pass_reminder_days", default=DEFAULT_REMINDER_DAYS): _whole(0, 90, "days"),
        vol.Optional("keep_days", default=DEFAULT_KEEP_DAYS): _whole(1, 3650, "days"),
        #: How long a display shows a decision before it goes back to the free spaces.
        vol.Optional("show_seconds", default=DEFAULT_SHOW_SECONDS): _whole(1, 600, "seconds"),
        #: A car inside longer than this is listed by the long_stays report.
        vol.Optional("long_stay_hours", default=DEFAULT_LONG_STAY_HOURS): _whole(1, 8760, "hours"),
    }),
    _consistent,
)


FEE_SCHEMA: Final = vol.Schema({
    vol.Required("lot"): slug,
    vol.Required("entered_at"): moment,
    vol.Required("exited_at"): moment,
})


def _amount(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise vol.Invalid("expected an amount in fen (分), a whole number above 0: write 150 for ¥1.50")
    return value


def _plate_or_session(data: dict[str, Any]) -> dict[str, Any]:
    if "plate" not in data and "session_id" not in data:
        raise vol.Invalid("name the car: plate or session_id")
    return data


PAY_SCHEMA: Final = vol.All(vol.Schema({
    vol.Optional("plate"): plate,
    vol.Optional("session_id"): SESSION_ID,
    vol.Required("amount_fen"): _amount,
    vol.Required("payment_id"): PAYMENT_ID,
    vol.Required("method"): vol.All(slug, vol.Length(max=32)),
}), _plate_or_session)

SESSIONS_SCHEMA: Final = vol.Schema({
    vol.Optional("lot"): slug,
    vol.Optional("plate"): plate,
    vol.Optional("session_id"): SESSION_ID,
    vol.Optional("status"): vol.In(STATUSES, msg=f"expected one of {', '.join(STATUSES)}"),
    vol.Optional("kind"): vol.In(KINDS, msg=f"expected one of {', '.join(KINDS)}"),
    vol.Optional("attention"): boolean,
    vol.Optional("limit", default=100): vol.All(positive_int, vol.Range(min=1, max=1000)),
})

SET_OCCUPANCY_SCHEMA: Final = vol.Schema({
    vol.Required("lot"): slug,
    vol.Required("occupied"): _whole(0, 100_000, "cars"),
    vol.Optional("temporary"): _whole(0, 100_000, "cars"),
    vol.Required("reason"): REASON,
})

OPEN_GATE_SCHEMA: Final = vol.Schema({
    vol.Required("lane"): DEVICE_ID,
    vol.Required("reason"): REASON,
    vol.Optional("plate"): plate,
})


def day(value: Any) -> date:
    """A day, ``2026-03-02``."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise vol.Invalid("expected a day, like 2026-03-02")


REPORT_SCHEMA: Final = vol.Schema({
    vol.Required("kind"): vol.In(REPORT_KINDS, msg=f"expected one of {', '.join(REPORT_KINDS)}"),
    vol.Optional("lot"): slug,
    vol.Optional("start"): day,
    vol.Optional("end"): day,
    vol.Optional("long_stay_hours"): _whole(1, 8760, "hours"),
})
