"""The ``visitors:`` section of config.yaml, the data of each ``visitors.*`` service and the
answer a household's app sends over MQTT.

    visitors:
      keep_days: 90                 # visit records (and their steps in the recorder)
      max_stay: {hours: 24}         # leave_by at most this far ahead
      lanes: [main-1]               # the vehicle lanes a confirmed visitor's car is let through
      exits: [gate-2]               # doors where a visitor's pass shown means they are leaving
      purposes:
        visit: {name: 探亲访友 Visiting, route: [gate-1, "b{building}-u{unit}"]}
        delivery: {name: 送货 Delivery, route: [gate-1], max_stay: {hours: 2}, lanes: []}

A route's door may name the host's place: ``{building}`` (``2`` for household ``2-1-0301``),
``{unit}`` (``1``: the unit within the building) and ``{household}``; ``b{building}-u{unit}`` is
the host's own unit entrance in the demo's numbering. A visitor's name and phone are wrapped as
residents wraps a phone (:class:`~xiaoqu.integrations.residents.personal.Personal`), so the
``call_service`` event, the audit record of the call and any log line hold only their masks.
"""
from __future__ import annotations

import string as strings
from datetime import timedelta
from typing import Any, Final

from xiaoqu.core.masking import mask_name
from xiaoqu.core.validation import boolean, ensure_list, name, positive_int, slug, string, time_period, vol
from xiaoqu.integrations.access.schema import door_id, moment
from xiaoqu.integrations.residents.personal import Personal, clear
from xiaoqu.integrations.residents.schema import household_id, phone

from .const import DEFAULT_KEEP_DAYS, ROUTE_FIELDS, STATUSES

#: The most visits one ``visitors.log`` call answers.
MAX_LOG_LIMIT: Final = 1000
#: The longest name a visitor is registered under (a name is not a paragraph).
MAX_NAME: Final = 40
#: A visit's id: ``V`` and eight hexadecimal digits, drawn at random (an id says nothing of others).
VISIT_ID: Final = vol.All(string, vol.Match(r"^V[0-9A-F]{8}$", msg="expected a visit id such as V1A2B3C4D"))
#: The example values a route is tried with at check-config: the door it gives must be a door id.
_EXAMPLE_PLACE: Final = {"building": "1", "unit": "1", "household": "1-1-0101"}


def route_door(value: Any) -> str:
    """A door of a route: a door id, or one naming the host's place (``b{building}-u{unit}``)."""
    text = string(value).strip()
    try:
        fields = [(field, spec, conversion) for _, field, spec, conversion in strings.Formatter().parse(text)
                  if field is not None]
    except ValueError as err:
        raise vol.Invalid(f"expected a door id, or one with {{building}}, {{unit}} or {{household}}: {err}") from None
    for field, spec, conversion in fields:
        if field not in ROUTE_FIELDS or spec or conversion:
            raise vol.Invalid(f"a route's door may name {', '.join('{' + f + '}' for f in ROUTE_FIELDS)} only, "
                              f"not {{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}")
    door_id(text.format_map(_EXAMPLE_PLACE))
    return text


def _positive_period(value: Any) -> timedelta:
    period = time_period(value)
    if period <= timedelta(0):
        raise vol.Invalid("expected a duration above zero, like {hours: 4}")
    return period


_DOORS: Final = vol.All(ensure_list, [door_id])

PURPOSE_SCHEMA: Final = vol.Schema({
    vol.Optional("name"): name,
    #: The doors a confirmed visitor's QR pass opens; none: no QR pass (a car's plate alone).
    vol.Optional("route", default=list): vol.All(ensure_list, [route_door]),
    #: The lanes the plate permission opens; left out: the section's ``lanes``.
    vol.Optional("lanes"): _DOORS,
    vol.Optional("max_stay"): _positive_period,
})

CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("keep_days", default=DEFAULT_KEEP_DAYS): vol.All(positive_int, vol.Range(min=1)),
        vol.Optional("max_stay", default={"hours": 24}): _positive_period,
        vol.Optional("lanes", default=list): _DOORS,
        vol.Optional("exits", default=list): _DOORS,
        vol.Optional("purposes", default={"visit": {"name": "访客 Visitor"}}): vol.All(
            vol.Schema({slug: PURPOSE_SCHEMA}), vol.Length(min=1, msg="name at least one purpose")),
    }),
)

# --- services --------------------------------------------------------------------------------


def visitor_name(value: Any) -> Personal:
    """A visitor's name, kept as residents keeps personal data: shown ``王*`` wherever it goes."""
    text = name(clear(value))
    if len(text) > MAX_NAME:
        raise vol.Invalid(f"expected a name of at most {MAX_NAME} characters (not {len(text)})")
    return Personal("name", text, mask_name(text))


def _plate_text(value: Any) -> str | None:
    text = None if value is None else string(value).strip()
    if text and len(text) > 20:
        raise vol.Invalid("expected a plate of at most 20 characters")
    return text or None


REGISTER_SCHEMA: Final = vol.Schema({
    vol.Required("name"): visitor_name,
    vol.Required("phone"): phone,
    vol.Required("host_household"): household_id,
    vol.Optional("plate"): _plate_text,
    vol.Required("purpose"): slug,
    vol.Required("leave_by"): moment,
})

CONFIRM_SCHEMA: Final = vol.Schema({
    vol.Required("visit_id"): VISIT_ID,
    vol.Required("accept"): boolean,
    #: Staff answering for the host say why (the host reached by phone, at the gate in person).
    vol.Optional("reason"): name,
})

CHECKOUT_SCHEMA: Final = vol.Schema({
    vol.Required("visit_id"): VISIT_ID,
    vol.Optional("reason"): name,
})

VISIT_SCHEMA: Final = vol.Schema({vol.Required("visit_id"): VISIT_ID})

REVEAL_SCHEMA: Final = vol.Schema({
    vol.Required("visit_id"): VISIT_ID,
    vol.Required("field"): vol.In(("name", "phone"), msg="expected name or phone"),
})

LOG_SCHEMA: Final = vol.Schema({
    vol.Optional("household"): household_id,
    #: The day the visits were registered on (site time); or a period with start and end.
    vol.Optional("date"): moment,
    vol.Optional("start"): moment,
    vol.Optional("end"): moment,
    vol.Optional("plate"): vol.All(string, vol.Length(min=1, max=20)),
    vol.Optional("status"): vol.In(STATUSES, msg=f"expected one of {', '.join(STATUSES)}"),
    vol.Optional("limit", default=100): vol.All(positive_int, vol.Range(min=1, max=MAX_LOG_LIMIT)),
})


def _strict_boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise vol.Invalid("expected true or false")
    return value


#: What a household's app publishes on ``.../visitors/<visit>/answer``; anything else is ignored.
ANSWER_SCHEMA: Final = vol.Schema({
    vol.Required("accept"): _strict_boolean,
    vol.Optional("reason"): name,
}, extra=vol.REMOVE_EXTRA)
