"""The ``tickets:`` section of config.yaml, the data of each ``tickets.*`` service and the
messages a household's app sends over MQTT.

    tickets:
      categories:
        repair:       {name: 报修 Repair, arrive_within: {hours: 4}}
        device_fault: {name: 设备故障 Device fault, arrive_within: {hours: 2}, residents: false,
                       close_on_recovery: true, recovery_hold: {minutes: 10}}
        complaint:    {name: 投诉 Complaint, reply_within_workdays: 3}
        feedback:     {name: 意见建议 Feedback, reply_within_workdays: 5}

Each category has exactly one deadline: ``arrive_within`` (clock hours, for someone to be there)
or ``reply_within_workdays`` (working days of the site calendar, for an answer).
"""
from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any, Final

from xiaoqu.core.validation import boolean, name, positive_int, slug, string, time_period, vol
from xiaoqu.integrations.residents.schema import household_id

from .const import STATES

#: A ticket's id: ``T`` and eight hexadecimal digits, drawn at random (an id says nothing of others).
TICKET_ID: Final = re.compile(r"T[0-9A-F]{8}")
#: The longest description or note (a few paragraphs; not a document).
MAX_TEXT: Final = 2000
#: The most tickets one ``tickets.list`` call answers.
MAX_LIST: Final = 1000
#: The longest a device id may be (an entity id, a camera's id).
MAX_DEVICE: Final = 120


def ticket_id(value: Any) -> str:
    text = string(value).strip().upper()
    if not TICKET_ID.fullmatch(text):
        raise vol.Invalid("expected a ticket id such as T1A2B3C4D")
    return text


def text(value: Any) -> str:
    """A description or a note: text with line breaks, stripped, 1 to ``MAX_TEXT`` characters,
    no other control or invisible characters (they forge log lines)."""
    if not isinstance(value, str):
        raise vol.Invalid("expected text")
    stripped = value.strip()
    if not stripped:
        raise vol.Invalid("expected some words, not blank text")
    if len(stripped) > MAX_TEXT:
        raise vol.Invalid(f"expected at most {MAX_TEXT} characters (not {len(stripped)})")
    for position, char in enumerate(stripped):
        if char not in "\n\t" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Zl", "Zp"):
            raise vol.Invalid(f"expected text without control or invisible characters (U+{ord(char):04X} at "
                              f"{position})")
    return stripped


def device(value: Any) -> str:
    found = string(value).strip()
    if not found or len(found) > MAX_DEVICE or any(unicodedata.category(c)[0] in "CZ" for c in found):
        raise vol.Invalid(f"expected a device id (an entity id or a camera's id, at most {MAX_DEVICE} characters, "
                          "no spaces)")
    return found


def month(value: Any) -> str:
    found = string(value).strip()
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", found):
        raise vol.Invalid("expected a month such as 2026-03")
    return found


def _positive_period(value: Any) -> timedelta:
    period = time_period(value)
    if period <= timedelta(0):
        raise vol.Invalid("expected a duration above zero, like {hours: 4}")
    return period


def _one_deadline(category: dict[str, Any]) -> dict[str, Any]:
    if ("arrive_within" in category) == ("reply_within_workdays" in category):
        raise vol.Invalid("a category has one deadline: arrive_within (e.g. {hours: 4}) or reply_within_workdays "
                          "(e.g. 3)")
    return category


CATEGORY_SCHEMA: Final = vol.All(vol.Schema({
    vol.Optional("name"): name,
    vol.Optional("arrive_within"): _positive_period,
    vol.Optional("reply_within_workdays"): vol.All(positive_int, vol.Range(min=1, max=60)),
    #: Residents may open tickets of this category (no: staff and automations only).
    vol.Optional("residents", default=True): boolean,
    #: A ticket of a device is closed when the device recovers and stays sound for recovery_hold.
    vol.Optional("close_on_recovery", default=True): boolean,
    vol.Optional("recovery_hold", default={"minutes": 10}): time_period,
}), _one_deadline)

CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("categories", default=lambda: {
            "repair": CATEGORY_SCHEMA({"name": "报修 Repair", "arrive_within": {"hours": 4}}),
            "complaint": CATEGORY_SCHEMA({"name": "投诉 Complaint", "reply_within_workdays": 3}),
        }): vol.All({slug: CATEGORY_SCHEMA}, vol.Length(min=1, msg="expected at least one category")),
    }),
)

OPEN_SCHEMA: Final = vol.Schema({
    vol.Required("category"): slug,
    vol.Optional("household"): household_id,
    vol.Optional("device"): device,
    vol.Required("description"): text,
})
UPDATE_SCHEMA: Final = vol.Schema({
    vol.Required("ticket_id"): ticket_id,
    vol.Required("state"): vol.In(STATES, msg=f"expected one of {', '.join(STATES)}"),
    vol.Optional("note"): text,
    vol.Optional("assignee"): name,
})
GET_SCHEMA: Final = vol.Schema({vol.Required("ticket_id"): ticket_id})
RATE_SCHEMA: Final = vol.Schema({
    vol.Required("ticket_id"): ticket_id,
    vol.Required("rating"): vol.All(vol.Coerce(int), vol.Range(min=1, max=5, msg="expected a rating from 1 to 5")),
    vol.Optional("comment"): text,
})
LIST_SCHEMA: Final = vol.Schema({
    vol.Optional("household"): household_id,
    vol.Optional("category"): slug,
    vol.Optional("state"): vol.In(STATES, msg=f"expected one of {', '.join(STATES)}"),
    vol.Optional("month"): month,
    vol.Optional("overdue"): boolean,
    vol.Optional("limit", default=200): vol.All(positive_int, vol.Range(min=1, max=MAX_LIST)),
})
REPORT_SCHEMA: Final = vol.Schema({vol.Optional("month"): month})
RECOVERED_SCHEMA: Final = vol.Schema({vol.Required("device"): device, vol.Optional("note"): text})

#: What the household's app sends on ``tickets/open`` (the household is the topic's).
APP_OPEN_SCHEMA: Final = vol.Schema({
    vol.Optional("request_id"): vol.All(string, vol.Length(max=64)),
    vol.Required("category"): slug,
    vol.Required("description"): text,
})
#: What it sends on ``tickets/<ticket>/rate``.
APP_RATE_SCHEMA: Final = vol.Schema({
    vol.Required("rating"): vol.All(int, vol.Range(min=1, max=5, msg="expected a rating from 1 to 5")),
    vol.Optional("comment"): text,
})
