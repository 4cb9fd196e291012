"""The ``access:`` section of config.yaml and the data of each ``access.*`` service.

Times (``valid_from``, ``until``, ``at``, ``start``...) are a date (``2026-03-02``: its
midnight) or a date and time (``2026-03-02 18:00``), in the site's time zone unless they
carry an offset; the integration turns them into epoch seconds with the hub's clock.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, tzinfo
from typing import Any, Final

from xiaoqu.core.validation import ensure_list, name, positive_int, slug, string, vol
from xiaoqu.integrations.residents.personal import Personal, clear

from .const import (
    ALL,
    ALWAYS,
    CARD,
    CREDENTIAL_TYPES,
    DEFAULT_KEEP_DAYS,
    DOOR_KINDS,
    OWN_TYPES,
    PIN,
    PLATE,
    RESTRICTION_KINDS,
    SCOPES,
    SECRET_TYPES,
    TARGETS,
)
from .credentials import mask
from .groups import SELECTORS
from .schedules import DAY_LISTS, WEEKDAYS, parse_window

_DOOR: Final = re.compile(r"^[A-Za-z0-9_.*?-]{1,64}$")
_PIN: Final = re.compile(r"^[0-9]{4,12}$")
#: The most records one ``access.log`` call returns.
MAX_LOG_LIMIT: Final = 1000


def moment(value: Any) -> datetime:
    """A date or a date and time, as a ``datetime`` (naive: the site's local time)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise vol.Invalid("expected a date or a date and time, like 2026-03-02 or 2026-03-02 18:00")


def epoch(value: datetime | None, tz: tzinfo) -> float | None:
    """A validated :func:`moment` as epoch seconds, a naive one read in ``tz``."""
    if value is None:
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=tz)).timestamp()


def door_id(value: Any) -> str:
    text = string(value).strip()
    if not _DOOR.match(text):
        raise vol.Invalid("expected a door id: letters, digits, _ - and . (and * ? to match several)")
    return text


def window(value: Any) -> str:
    try:
        parse_window(value)
    except ValueError as err:
        raise vol.Invalid(str(err)) from None
    return str(value).strip()


def secret(kind: str, text: str) -> Personal:
    """A PIN or QR token wrapped so that the ``call_service`` event, the audit record of the call
    and any log line show only its mask (the audit redacts by key name; ``value`` names no secret)."""
    return Personal(kind, text, mask(kind, text))


def pin(value: Any) -> Personal:
    text = string(clear(value)).strip()
    if not _PIN.match(text):
        raise vol.Invalid("expected a PIN of 4 to 12 digits")
    return secret(PIN, text)


_WINDOWS: Final = vol.All(ensure_list, [window])

SCHEDULE_SCHEMA: Final = vol.Schema({
    vol.Optional("name"): name,
    **{vol.Optional(key): _WINDOWS for key in (*DAY_LISTS, *WEEKDAYS)},
})


def _members(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, Mapping) or not value:
        raise vol.Invalid(f"name who belongs: one or more of {', '.join(SELECTORS)}")
    checked = vol.Schema({vol.Optional(key): vol.All(ensure_list, [string]) for key in SELECTORS})(dict(value))
    if not any(checked.values()):
        raise vol.Invalid(f"name who belongs: one or more of {', '.join(SELECTORS)}")
    return checked


_DOORS: Final = vol.All(ensure_list, vol.Length(min=1), [door_id])
_WHEN: Final = vol.Any(None, moment)


def _valid_period(data: dict[str, Any]) -> dict[str, Any]:
    start, end = data.get("valid_from"), data.get("valid_until")
    if start is not None and end is not None and end <= start:
        raise vol.Invalid("valid_until is not after valid_from", path=["valid_until"])
    return data


GROUP_SCHEMA: Final = vol.All(vol.Schema({
    vol.Required("id"): slug,
    vol.Optional("name"): name,
    vol.Required("doors"): _DOORS,
    vol.Optional("schedule"): slug,
    vol.Required("members"): _members,
    vol.Optional("valid_from"): _WHEN,
    vol.Optional("valid_until"): _WHEN,
}), _valid_period)
#: ``access.update_group``: the id and what changes.
UPDATE_GROUP_SCHEMA: Final = vol.All(vol.Schema({
    vol.Required("id"): slug,
    vol.Optional("name"): name,
    vol.Optional("doors"): _DOORS,
    vol.Optional("schedule"): slug,
    vol.Optional("members"): _members,
    vol.Optional("valid_from"): _WHEN,
    vol.Optional("valid_until"): _WHEN,
}), _valid_period)


def _consistent(config: dict[str, Any]) -> dict[str, Any]:
    """Group ids are unique and each names a schedule the section defines (or ``always``)."""
    seen: set[str] = set()
    errors = []
    for index, group in enumerate(config["groups"]):
        if group["id"] in seen:
            errors.append(vol.Invalid(f"group {group['id']} is defined twice", path=["groups", index, "id"]))
        seen.add(group["id"])
        schedule = group.get("schedule", ALWAYS)
        if schedule != ALWAYS and schedule not in config["schedules"]:
            known = ", ".join([ALWAYS, *sorted(config["schedules"])])
            errors.append(vol.Invalid(f"no schedule {schedule!r}; the schedules are {known}",
                                      path=["groups", index, "schedule"]))
    if ALWAYS in config["schedules"]:
        errors.append(vol.Invalid(f"{ALWAYS!r} is the built-in schedule of every minute; choose another id",
                                  path=["schedules", ALWAYS]))
    if errors:
        raise vol.MultipleInvalid(errors)
    return config


#: An entry access decides for with no door integration behind it: a vehicle lane whose barrier
#: an automation raises on a granted plate (the demo's main gate), a turnstile another system drives.
ENTRY_SCHEMA: Final = vol.Schema({
    vol.Required("id"): vol.All(door_id, vol.Match(r"^[^*?]+$", msg="an entry's id names one entry: no * or ?")),
    vol.Optional("name"): name,
    vol.Optional("kind", default=DOOR_KINDS[0]): vol.In(DOOR_KINDS, msg=f"expected {' or '.join(DOOR_KINDS)}"),
    vol.Optional("area"): slug,
})

CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("keep_days", default=DEFAULT_KEEP_DAYS): vol.All(positive_int, vol.Range(min=1)),
        vol.Optional("entries", default=list): [ENTRY_SCHEMA],
        vol.Optional("schedules", default=dict): vol.Schema({slug: SCHEDULE_SCHEMA}),
        vol.Optional("groups", default=list): [GROUP_SCHEMA],
    }),
    _consistent,
)

# --- services --------------------------------------------------------------------------------

def _value_kept_secret(data: dict[str, Any]) -> dict[str, Any]:
    if data["type"] in SECRET_TYPES:
        data["value"] = secret(data["type"], data["value"])
    return data


CHECK_SCHEMA: Final = vol.All(vol.Schema({
    vol.Required("type"): vol.In(CREDENTIAL_TYPES),
    vol.Required("value"): vol.All(clear, string, vol.Length(min=1, max=256)),
    vol.Required("door"): door_id,
    vol.Optional("at"): moment,
    vol.Optional("direction"): vol.In(("in", "out")),
}), _value_kept_secret)

_TARGET_FIELDS: Final[dict[Any, Any]] = {vol.Optional(target): vol.All(string, vol.Length(min=1, max=64)) for target in TARGETS}


def _one_target(data: dict[str, Any]) -> dict[str, Any]:
    given = [target for target in TARGETS if target in data]
    if len(given) != 1:
        raise vol.Invalid(f"name exactly one of {', '.join(TARGETS)}")
    return data


RESTRICT_SCHEMA: Final = vol.All(vol.Schema({
    **_TARGET_FIELDS,
    vol.Optional("scope", default=ALL): vol.In(SCOPES),
    vol.Required("reason"): name,
    vol.Optional("kind", default="staff"): vol.In(RESTRICTION_KINDS),
    vol.Optional("until"): moment,
}), _one_target)


def _id_or_target(data: dict[str, Any]) -> dict[str, Any]:
    given = [key for key in ("restriction_id", *TARGETS) if key in data]
    if len(given) != 1:
        raise vol.Invalid(f"name the restriction_id, or exactly one of {', '.join(TARGETS)}")
    return data


LIFT_SCHEMA: Final = vol.All(vol.Schema({
    vol.Optional("restriction_id"): vol.All(string, vol.Length(min=1, max=64)),
    **_TARGET_FIELDS,
    vol.Optional("kind"): vol.In(RESTRICTION_KINDS),
}), _id_or_target)


def _at_most_one_filter(data: dict[str, Any]) -> dict[str, Any]:
    if sum(1 for key in ("card", "person", "household", "door") if key in data) > 1:
        raise vol.Invalid("filter by at most one of card, person, household, door")
    return data


LOG_SCHEMA: Final = vol.All(vol.Schema({
    vol.Optional("card"): vol.All(string, vol.Length(min=1, max=40)),
    vol.Optional("person"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("household"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("door"): door_id,
    vol.Optional("start"): moment,
    vol.Optional("end"): moment,
    vol.Optional("limit", default=100): vol.All(positive_int, vol.Range(min=1, max=MAX_LOG_LIMIT)),
}), _at_most_one_filter)


def _credential_fits(data: dict[str, Any]) -> dict[str, Any]:
    kind = data["type"]
    if kind == PIN and "pin" not in data:
        raise vol.Invalid("a PIN credential needs the pin", path=["pin"])
    if kind == CARD and "card" not in data:
        raise vol.Invalid("a card credential needs the card number", path=["card"])
    if kind == PLATE and "plate" not in data:
        raise vol.Invalid("a plate permission needs the plate", path=["plate"])
    if "person" not in data and not data.get("groups"):
        raise vol.Invalid("name the person it is for, or the groups it opens (a visitor's pass)")
    return _valid_period(data)


ADD_CREDENTIAL_SCHEMA: Final = vol.All(vol.Schema({
    vol.Required("type"): vol.In(OWN_TYPES),
    vol.Optional("pin"): pin,
    vol.Optional("card"): vol.All(string, vol.Length(min=1, max=40)),
    vol.Optional("plate"): vol.All(string, vol.Length(min=1, max=20)),
    vol.Optional("person"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("household"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("groups"): vol.All(ensure_list, [slug]),
    vol.Optional("label"): name,
    vol.Optional("valid_from"): moment,
    vol.Optional("valid_until"): moment,
}), _credential_fits)


def _one_credential(data: dict[str, Any]) -> dict[str, Any]:
    if sum(1 for key in ("credential_id", "pin", "card") if key in data) != 1:
        raise vol.Invalid("name the credential_id, or the pin or card number")
    return data


REMOVE_CREDENTIAL_SCHEMA: Final = vol.All(vol.Schema({
    vol.Optional("credential_id"): vol.All(string, vol.Length(min=1, max=80)),
    vol.Optional("pin"): pin,
    vol.Optional("card"): vol.All(string, vol.Length(min=1, max=40)),
}), _one_credential)

REMOVE_GROUP_SCHEMA: Final = vol.Schema({vol.Required("id"): slug})
