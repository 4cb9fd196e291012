"""The ``emergency:`` section of config.yaml and the data of the ``emergency.*`` services.

An action is a mapping with one key, the key naming what it does (``unlock_doors: all``,
``announce: {...}``); it is checked against that key's schema alone, so a mistake in an
announcement is reported as one (voluptuous' ``Any`` would blame another branch).
"""
from __future__ import annotations

import re
from datetime import date
from typing import Any, Final

from xiaoqu.core.validation import (
    ENTITY_MATCH_ALL,
    boolean,
    did_you_mean,
    ensure_list,
    entity_id,
    name,
    number,
    positive_int,
    slug,
    string,
    vol,
)

from .const import DEFAULT_FIRE_PLAN, DEFAULT_HOLD_EVERY, DEFAULT_REMIND_DAYS, PlanKind

MAX_TEXT: Final = 200
_DISPLAY_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_HOURS: Final = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_ROLES: Final = ("manager", "guard", "maintenance", "finance")


def text(value: Any) -> str:
    words = string(value).strip()
    if not words or len(words) > MAX_TEXT:
        raise vol.Invalid(f"expected text of 1 to {MAX_TEXT} characters")
    return words


def display_id(value: Any) -> str:
    found = string(value)
    if not _DISPLAY_ID.match(found):
        raise vol.Invalid("expected a display id: 1 to 64 letters, digits, '-' or '_' (it is part of MQTT topics)")
    return found


def gates(value: Any) -> str | list[str]:
    """``all`` (every barrier on the site) or barrier entity ids."""
    if value == ENTITY_MATCH_ALL or value is True:
        return ENTITY_MATCH_ALL
    found = [entity_id(item) for item in ensure_list(value)]
    wrong = [item for item in found if not item.startswith("barrier.")]
    if wrong:
        raise vol.Invalid(f"expected 'all' or barrier entity ids, got {wrong[0]}")
    return found


def every_door(value: Any) -> str:
    """Fire linkage holds every door (the door integration's ``door.unlock_all``)."""
    if value == ENTITY_MATCH_ALL or value is True:
        return ENTITY_MATCH_ALL
    raise vol.Invalid("expected 'all': escape doors are held open together by door.unlock_all "
                      "(a door that must stay shut is left out of the door integration's list)")


def yes(value: Any) -> bool:
    if not boolean(value):
        raise vol.Invalid("expected true (leave the action out instead)")
    return True


def service_name(value: Any) -> str:
    found = string(value)
    if not re.fullmatch(r"[a-z0-9_]+\.[a-z0-9_]+", found):
        raise vol.Invalid("expected a service as domain.name (notify.guard_room)")
    return found


ANNOUNCE_SCHEMA: Final = vol.All(vol.Schema({
    vol.Optional("to", default={"all": True}): vol.Any(dict, list),
    vol.Optional("template"): slug,
    vol.Optional("title"): text,
    vol.Optional("body"): vol.All(string, vol.Length(min=1, max=2000)),
    vol.Optional("data", default=dict): dict,
    vol.Optional("channels"): vol.All(ensure_list, [slug]),
}), lambda value: _one_text(value))


def _one_text(value: dict[str, Any]) -> dict[str, Any]:
    if "template" not in value and not ("title" in value and "body" in value):
        raise vol.Invalid("expected a template, or a title and a body")
    return value


_LINES: Final = vol.All(ensure_list, vol.Length(min=1, max=4), [vol.All(string, vol.Length(min=1, max=32))])
DISPLAY_SCHEMA: Final = vol.Schema({
    vol.Required("displays"): vol.All(ensure_list, vol.Length(min=1), [display_id]),
    vol.Required("lines"): _LINES,
    vol.Optional("colour", default="red"): vol.In(("red", "yellow", "green", "white"),
                                                  msg="expected red, yellow, green or white"),
    vol.Optional("voice"): vol.All(string, vol.Length(max=64)),
})
CLEAR_DISPLAYS_SCHEMA: Final = vol.Schema({
    vol.Required("displays"): vol.All(ensure_list, vol.Length(min=1), [display_id]),
    vol.Optional("lines", default=["恢复正常", "All clear"]): _LINES,
})
SERVICE_ACTION_SCHEMA: Final = vol.Schema({
    vol.Required("action"): service_name,
    vol.Optional("data", default=dict): dict,
})

#: Each action by the key that names it.
ACTIONS: Final[dict[str, Any]] = {
    "unlock_doors": every_door,
    "restore_doors": yes,
    "open_barriers": gates,
    "close_barriers": gates,
    "announce": ANNOUNCE_SCHEMA,
    "display": DISPLAY_SCHEMA,
    "clear_displays": CLEAR_DISPLAYS_SCHEMA,
    "service": SERVICE_ACTION_SCHEMA,
}


def action(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) != 1:
        raise vol.Invalid(f"expected one action as a mapping with one key: {', '.join(ACTIONS)}")
    ((key, data),) = value.items()
    if key not in ACTIONS:
        raise vol.Invalid(f"unknown action {key!r}{did_you_mean(key, ACTIONS)}; the actions are {', '.join(ACTIONS)}")
    try:
        return {key: ACTIONS[key](data)}
    except vol.Invalid as err:
        err.prepend([key])
        raise


STEP_SCHEMA: Final = vol.Schema({
    vol.Required("text"): text,
    vol.Required("responsible"): text,
    vol.Optional("target_seconds"): vol.All(number, vol.Range(min=1, max=86_400)),
})


def _kind(value: Any) -> str:
    found = string(value)
    if found not in PlanKind.__members__.values():
        raise vol.Invalid(f"expected one of {', '.join(PlanKind)}{did_you_mean(found, list(PlanKind))}")
    return found


PLAN_SCHEMA: Final = vol.Schema({
    vol.Optional("name"): name,
    vol.Optional("kind"): _kind,
    vol.Optional("roles"): vol.All(ensure_list, [vol.In(_ROLES, msg=f"expected one of {', '.join(_ROLES)}")]),
    vol.Optional("steps", default=list): [STEP_SCHEMA],
    vol.Optional("actions", default=list): [action],
    vol.Optional("return", default=list): [action],
})


def _plans(value: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict):
        raise vol.Invalid("expected plans by id (fire: {...})")
    plans = {}
    for plan_id, plan in value.items():
        try:
            checked = PLAN_SCHEMA(plan or {})
            found = slug(plan_id)
        except vol.Invalid as err:
            err.prepend([plan_id])
            raise
        if "kind" not in checked:
            if found not in PlanKind.__members__.values():
                raise vol.Invalid(f"say the plan's kind ({', '.join(PlanKind)})", path=[plan_id, "kind"])
            checked["kind"] = found
        plans[found] = checked
    return plans


def _date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    try:
        return date.fromisoformat(string(value)).isoformat()
    except ValueError:
        raise vol.Invalid("expected a date as YYYY-MM-DD") from None


SUPPLY_SCHEMA: Final = vol.Schema({
    vol.Required("id"): slug,
    vol.Required("name"): name,
    vol.Optional("location"): text,
    vol.Optional("quantity", default=1): positive_int,
    vol.Optional("expires"): _date,
    vol.Optional("remind_days"): vol.All(positive_int, vol.Range(max=3650)),
})


def _hours(value: Any) -> str:
    found = string(value)
    if not _HOURS.match(found):
        raise vol.Invalid("expected hours as HH:MM-HH:MM (19:00-07:00 runs past midnight)")
    return found


CONTACT_SCHEMA: Final = vol.Schema({
    vol.Required("id"): slug,
    vol.Required("name"): name,
    vol.Required("role"): text,
    vol.Optional("phone"): vol.All(string, vol.Match(r"^\+?[0-9 -]{5,20}$", msg="expected a phone number")),
    vol.Optional("on_duty", default=list): vol.All(ensure_list, [_hours]),
    vol.Optional("calls", default=list): vol.All(ensure_list, [slug]),
})


def _contact_tree(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    known = {contact["id"] for contact in contacts}
    for index, contact in enumerate(contacts):
        for position, callee in enumerate(contact["calls"]):
            if callee not in known:
                raise vol.Invalid(f"no contact {callee!r}{did_you_mean(callee, known)}",
                                  path=[index, "calls", position])
    return contacts


def _fire_alarm(value: Any) -> dict[str, Any]:
    return vol.Schema({
        vol.Required("input"): entity_id,
        vol.Optional("plan", default=DEFAULT_FIRE_PLAN): slug,
        vol.Optional("on_state", default="on"): string,
    })({"input": value} if isinstance(value, str) else value)


def _linked_plan(config: dict[str, Any]) -> dict[str, Any]:
    alarm = config.get("fire_alarm")
    if alarm is not None and alarm["plan"] not in config["plans"]:
        raise vol.Invalid(f"no plan {alarm['plan']!r}{did_you_mean(alarm['plan'], config['plans'])}",
                          path=["fire_alarm", "plan"])
    return config


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("plans", default=dict): _plans,
        vol.Optional("fire_alarm"): _fire_alarm,
        vol.Optional("hold_every", default=DEFAULT_HOLD_EVERY): vol.All(number, vol.Range(min=0.1, max=600)),
        vol.Optional("remind_days", default=DEFAULT_REMIND_DAYS): vol.All(positive_int, vol.Range(max=3650)),
        vol.Optional("supplies", default=list): [SUPPLY_SCHEMA],
        vol.Optional("contacts", default=list): vol.All([CONTACT_SCHEMA], _contact_tree),
    }),
    _linked_plan,
)

_REASON: Final = vol.All(string, vol.Length(min=1, max=MAX_TEXT))
PLAN_CALL_SCHEMA: Final = vol.Schema({vol.Required("plan"): slug, vol.Optional("reason"): _REASON})
EMPTY_SCHEMA: Final = vol.Schema({})
DRILL_SCHEMA: Final = vol.Schema({
    vol.Required("plan"): slug,
    vol.Required("date"): _date,
    vol.Required("participants"): vol.All(ensure_list, vol.Length(min=1), [text]),
    vol.Required("steps"): [vol.Schema({vol.Required("step"): vol.All(int, vol.Range(min=1)),
                                        vol.Required("seconds"): vol.All(number, vol.Range(min=0, max=86_400))})],
    vol.Optional("findings", default=""): vol.All(string, vol.Length(max=2000)),
})
DRILLS_SCHEMA: Final = vol.Schema({vol.Optional("plan"): slug})
