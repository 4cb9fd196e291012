"""The ``notices:`` section of config.yaml and the data of each ``notices.*`` service.

    notices:
      default_channels: [mqtt, log]      # what a notice goes through when it names none
      keep_days: 365                     # notices and their deliveries, after their last sending
      channels:                          # each channel's settings (its own schema, checked at set-up)
        log: {}
        mqtt: {displays: [{id: lobby-1, building: "1"}]}
        webhook: {url: "https://sms.example.com/send", secret: !secret sms_secret}
        email: {host: smtp.example.com, port: 587, sender: wuye@example.com, starttls: true}
      templates:                         # the site's own, or its wording of a built-in one
        water_outage: {title: "停水通知", body: "..."}

A channel's section is checked by the channel that owns it when the integration is set up (a
plugin's channel is known only then); an error names ``notices.channels.<name>.<key>``.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from xiaoqu.core.validation import ensure_list, positive_int, slug, string, time_period, vol
from xiaoqu.integrations.residents.schema import household_id

from .const import CHANNEL_LOG, CHANNEL_MQTT

#: A title and a body as a person reads them: a title on one line, a body of a page or two.
MAX_TITLE: Final = 200
MAX_BODY: Final = 4000
MAX_REF: Final = 200
#: The most sendings a repeating notice makes, and the shortest pause between two.
MAX_REPEATS: Final = 100
MIN_EVERY: Final = timedelta(minutes=1)
MAX_LIST_LIMIT: Final = 1000
#: A notice's id: ``N`` and eight hexadecimal digits, drawn at random.
NOTICE_ID: Final = vol.All(string, vol.Match(r"^N[0-9A-F]{8}$", msg="expected a notice id such as N1A2B3C4D"))


def _text(most: int) -> Any:
    return vol.All(string, vol.Length(min=1, max=most, msg=f"expected between 1 and {most} characters"))


TEMPLATE_SCHEMA: Final = vol.Schema({vol.Required("title"): _text(MAX_TITLE), vol.Required("body"): _text(MAX_BODY)})

CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("default_channels", default=[CHANNEL_MQTT, CHANNEL_LOG]): vol.All(ensure_list, [slug]),
        vol.Optional("keep_days", default=365): vol.All(positive_int, vol.Range(min=1)),
        vol.Optional("channels", default=dict): vol.Schema({slug: vol.Any(None, dict)}),
        vol.Optional("templates", default=dict): vol.Schema({slug: TEMPLATE_SCHEMA}),
    }),
)

# --- services --------------------------------------------------------------------------------


def building_id(value: Any) -> str:
    text = string(value).strip()
    if not text or "-" in text or len(text) > 10:
        raise vol.Invalid(f"expected a building such as 1, not {text!r}")
    return text.upper()


def unit_id(value: Any) -> str:
    text = string(value).strip().upper()
    parts = text.split("-")
    if len(parts) != 2 or not all(parts) or len(text) > 21:
        raise vol.Invalid(f"expected a unit <building>-<unit> such as 1-2, not {text!r}")
    return text


def _all(value: Any) -> bool:
    if value is not True:
        raise vol.Invalid("expected true (to everyone)")
    return True


def _one_target(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or len(value) != 1:
        raise vol.Invalid('expected one of {"all": true}, {"building": "1"}, {"unit": "1-2"}, '
                          '{"household": "1-2-0601"}')
    return dict(TARGET_SCHEMA(value))


TARGET_SCHEMA: Final = vol.Schema({
    vol.Exclusive("all", "to"): _all,
    vol.Exclusive("building", "to"): building_id,
    vol.Exclusive("unit", "to"): unit_id,
    vol.Exclusive("household", "to"): household_id,
})


def _future(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(string(value).strip())
    except ValueError:
        raise vol.Invalid("expected a date and time, like 2026-03-02 18:00") from None


def _every(value: Any) -> timedelta:
    period = time_period(value)
    if period < MIN_EVERY:
        raise vol.Invalid(f"expected at least {int(MIN_EVERY.total_seconds() // 60)} minute between sendings")
    return period


REPEAT_SCHEMA: Final = vol.Schema({
    vol.Required("every"): _every,
    #: How many sendings in all (the first included).
    vol.Required("count"): vol.All(positive_int, vol.Range(min=2, max=MAX_REPEATS)),
})


def _template_or_text(data: dict[str, Any]) -> dict[str, Any]:
    if "template" in data:
        if "title" in data or "body" in data:
            raise vol.Invalid("give a template, or a title and a body, not both", path=["template"])
    elif "title" not in data or "body" not in data:
        raise vol.Invalid("required: a template, or a title and a body", path=["title" if "title" not in data else "body"])
    return data


SEND_SCHEMA: Final = vol.All(vol.Schema({
    vol.Required("to"): vol.All(ensure_list, vol.Length(min=1, max=100), [_one_target]),
    vol.Optional("template"): slug,
    vol.Optional("title"): _text(MAX_TITLE),
    vol.Optional("body"): _text(MAX_BODY),
    vol.Optional("data", default=dict): dict,
    vol.Optional("channels"): vol.All(ensure_list, vol.Length(min=1), [slug]),
    vol.Optional("ref"): _text(MAX_REF),
    vol.Optional("at"): _future,
    vol.Optional("repeat"): REPEAT_SCHEMA,
}), _template_or_text)

ACKNOWLEDGE_SCHEMA: Final = vol.Schema({
    vol.Required("notice_id"): NOTICE_ID,
    vol.Required("household"): household_id,
    #: Staff signing for the household say why (signed on paper at the office, by phone).
    vol.Optional("reason"): _text(MAX_REF),
})

LIST_SCHEMA: Final = vol.Schema({
    vol.Optional("household"): household_id,
    vol.Optional("ref"): _text(MAX_REF),
    vol.Optional("limit", default=100): vol.All(positive_int, vol.Range(min=1, max=MAX_LIST_LIMIT)),
})

NOTICE_SCHEMA: Final = vol.Schema({vol.Required("notice_id"): NOTICE_ID})
