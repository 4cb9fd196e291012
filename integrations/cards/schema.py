"""The ``cards:`` section of config.yaml and the data of each ``cards.*`` service.

Money is integer fen in every ``*_fen`` field. A ``valid_to`` written as a date means through
that day: the card stops at the next midnight; with a time, at that moment.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from xiaoqu.core.validation import ensure_list, fen, name, positive_int, slug, string, vol

from .const import CARD_CLASSES, DEFAULT_KEEP_DAYS, METHODS, SUBSYSTEMS
from .pos_config import POS_SCHEMA
from .reports import KINDS

CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        #: Below this balance after a charge, ``cards_low_balance`` fires (0: never).
        vol.Optional("low_balance_fen", default=0): fen,
        vol.Optional("keep_days", default=DEFAULT_KEEP_DAYS): positive_int,
        vol.Optional("pos"): POS_SCHEMA,  # terminals, meal periods, limits, discounts (pos_config.py)
    }),
)


def card(value: Any) -> str:
    """A card number in any form a reader sends (checked by the registry, which says why)."""
    text = string(value).strip()
    if not 1 <= len(text) <= 40:
        raise vol.Invalid("expected a card number: 8 hex digits, 10 decimal digits or a Wiegand pair")
    return text


def moment(value: Any) -> datetime:
    """A date (through that day: the next midnight) or a date and time (naive: the site's time)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=1), time())
    text = string(value).strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text) + timedelta(days=1), time())
        return datetime.fromisoformat(text)
    except ValueError:
        raise vol.Invalid("expected a date like 2027-06-30 or a date and time like 2027-06-30 18:00") from None


def start(value: Any) -> datetime:
    """A date (from its midnight) or a date and time."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = string(value).strip()
    try:
        return datetime.combine(date.fromisoformat(text), time()) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise vol.Invalid("expected a date like 2027-06-30 or a date and time like 2027-06-30 18:00") from None


def positive_fen(value: Any) -> int:
    """An amount that moves money: a whole number of fen above 0."""
    if isinstance(value, int) and not isinstance(value, bool) and value <= 0:
        raise vol.Invalid(f"a recharge is more than 0 fen; {value} would move no money or take it away")
    amount = fen(value)
    if amount == 0:
        raise vol.Invalid("a recharge is more than 0 fen; 0 would move no money")
    return amount


_PERSON: Final = vol.Any(
    vol.All(string, vol.Match(r"^[A-Za-z0-9_-]{1,32}$", msg="expected a person id like P000123")),
    vol.Schema({vol.Required("household"): vol.All(string, vol.Length(min=1, max=64)), vol.Required("name"): name}),
)
_SUBSYSTEMS: Final = vol.All(ensure_list, vol.Length(min=1), [vol.In(SUBSYSTEMS)], lambda v: list(dict.fromkeys(v)))
_GROUPS: Final = vol.All(ensure_list, [slug], lambda v: list(dict.fromkeys(v)))
_METHOD: Final = vol.In(METHODS)
_ID: Final = vol.All(string, vol.Match(r"^[\w.:-]{1,120}$", msg="expected an id of letters, digits, _ . : -"))
_REASON: Final = vol.All(name, vol.Length(min=2))

ISSUE_SCHEMA: Final = vol.Schema({
    vol.Required("card"): card,
    vol.Required("person"): _PERSON,
    vol.Optional("subsystems", default=["door", "consumption"]): _SUBSYSTEMS,
    vol.Optional("access_groups", default=[]): _GROUPS,
    vol.Optional("card_class", default="resident"): vol.In(CARD_CLASSES),
    vol.Optional("valid_from"): start,
    vol.Optional("valid_to"): moment,
    vol.Optional("deposit_fen", default=0): fen,
    vol.Optional("deposit_method", default="cash"): _METHOD,
})
REWRITE_SCHEMA: Final = vol.Schema({
    vol.Required("card"): card,
    vol.Optional("subsystems"): _SUBSYSTEMS,
    vol.Optional("access_groups"): _GROUPS,
    vol.Optional("card_class"): vol.In(CARD_CLASSES),
    vol.Optional("valid_from"): vol.Any(None, start),
    vol.Optional("valid_to"): vol.Any(None, moment),
})
REPORT_LOSS_SCHEMA: Final = vol.Schema({vol.Required("card"): card, vol.Optional("reason", default="reported lost"): name})
UNBLOCK_SCHEMA: Final = vol.Schema({vol.Required("card"): card, vol.Optional("reason"): name})
REISSUE_SCHEMA: Final = vol.Schema({vol.Required("old_card"): card, vol.Required("new_card"): card})
EXTEND_SCHEMA: Final = vol.Schema({vol.Required("card"): card, vol.Required("valid_to"): moment})
RETURN_SCHEMA: Final = vol.Schema({vol.Required("card"): card, vol.Required("method"): _METHOD})
RECHARGE_SCHEMA: Final = vol.Schema({
    vol.Required("card"): card,
    vol.Required("amount_fen"): positive_fen,
    vol.Required("payment_id"): _ID,
    vol.Required("method"): _METHOD,
})
BALANCE_SCHEMA: Final = vol.Schema({vol.Required("card"): card})
REFUND_SCHEMA: Final = vol.Schema({vol.Required("transaction_id"): _ID, vol.Required("reason"): _REASON})
HISTORY_SCHEMA: Final = vol.Schema({
    vol.Required("card"): card,
    vol.Optional("limit", default=100): vol.All(vol.Coerce(int), vol.Range(min=1, max=1000)),
})


def file_name(value: Any) -> str:
    """A file name (no folder) ending in .csv or .xlsx: exports land in the data dir's exports folder."""
    text = string(value).strip()
    if not re.fullmatch(r"[\w\u4e00-\u9fff.-]{1,100}\.(csv|xlsx)", text, flags=re.IGNORECASE) or text.startswith("."):
        raise vol.Invalid("expected a file name ending in .csv or .xlsx, without a folder")
    return text


REPORT_SCHEMA: Final = vol.Schema({
    vol.Required("kind"): vol.In(KINDS),
    vol.Optional("start"): start,
    vol.Optional("end"): start,
    vol.Optional("file"): file_name,
})
