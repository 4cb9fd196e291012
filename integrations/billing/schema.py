"""The ``billing:`` section of config.yaml and the data of each ``billing.*`` service.

    billing:
      rounding: half_up                 # fee lines: half_up | half_even | down | up
      allocation: late_fee_first        # or principal_first: the order a payment settles a bill in
      late_fee: {percent_per_day: "0.3", grace_days: 0, rounding: half_up, cap_percent: "100"}
      items:
        - {id: property_fee, name: 物业费, kind: area, rate_fen: 250, period: monthly, due_day: 15}
        - id: parking_fee
          name: 车位管理费
          kind: per_unit
          unit: space
          rates: [{from: 2025-01-01, rate_fen: 10000}, {from: 2026-03-16, rate_fen: 12000}]
          households: {1-1-0101: 1, 1-2-0601: 2}
        - {id: water, name: 水费, kind: usage, unit: m³, rate_fen: 345}

docs/billing.md explains every key.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from xiaoqu.core.validation import fen, name, slug, string, vol

from .const import ALLOCATIONS, DEFAULT_DUE_DAY, HALF_UP, KINDS, LATE_FEE_FIRST, PARTS, PERIOD_MONTHS, ROUNDINGS
from .escalation import ESCALATION_SCHEMA
from .fees import parse_period
from .latefee import LATE_FEE_SCHEMA, percent
from .reports import KINDS as REPORT_KINDS

HOUSEHOLD: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9-]{1,32}$", msg="expected a household id such as 1-2-0601"))
PAYMENT_ID: Final = vol.All(string, vol.Match(r"^[\w.:-]{1,64}$",
                                              msg="expected a payment id of 1 to 64 letters, digits, _ . : -"))
BILL: Final = vol.All(string, vol.Match(r"^\d{4}-\d{2}:[A-Za-z0-9-]{1,32}$",
                                        msg="expected a bill id <period>:<household>, such as 2026-03:1-2-0601"))
RECEIPT: Final = vol.All(string, vol.Match(r"^R\d{4}-\d{6,}$", msg="expected a receipt number such as R2026-000001"))
REASON: Final = vol.All(string, vol.Length(min=1, max=200, msg="expected a reason of 1 to 200 characters"))


def day(value: Any) -> date:
    """A date, ISO (``2026-03-15``)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise vol.Invalid("expected a date like 2026-03-15")


def period(value: Any) -> str:
    """A billing period, ``2026-03``."""
    try:
        first = parse_period(string(value))
    except ValueError as err:
        raise vol.Invalid(str(err)) from None
    return f"{first.year:04d}-{first.month:02d}"


def _whole(low: int, high: int, what: str) -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise vol.Invalid(f"expected {what}: a whole number from {low} to {high}")
        return value

    return check


def positive_fen(value: Any) -> int:
    """An amount of money to move: whole fen, more than 0."""
    amount = fen(value)
    if amount == 0:
        raise vol.Invalid("expected an amount in fen (分) of more than 0")
    return amount


def signed_fen(value: Any) -> int:
    """A correction: whole fen, more (charge more) or less (charge less) than 0, never 0."""
    if isinstance(value, bool) or not isinstance(value, int) or value == 0:
        raise vol.Invalid("expected a whole number of fen (分), not 0: positive charges more, negative less")
    return value


def _exact(decimals: int, unit: str, example: str) -> Any:
    """A rate in ``unit``: a whole number, or decimal text with at most ``decimals`` decimals (a
    float is not exact, so it is refused), 0 or more; kept as the text's exact Decimal."""
    def check(value: Any) -> Decimal:
        if isinstance(value, bool) or isinstance(value, float):
            raise vol.Invalid(f"expected a rate in {unit} as text, like {example!r} (a float is not exact)")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise vol.Invalid(f"expected a rate in {unit}, like {example!r}") from None
        if not number.is_finite() or number < 0:
            raise vol.Invalid(f"expected a rate in {unit}, 0 or more")
        if -number.as_tuple().exponent > decimals:  # type: ignore[operator]
            raise vol.Invalid(f"expected a rate in {unit} with at most {decimals} decimals")
        return number

    return check


#: A rate: ``rate_fen`` (whole fen, or up to 4 decimals of a fen: "58.8") or ``rate_yuan`` (up to
#: 6 decimals: "0.588"); exact either way, the line rounded once (docs/billing.md "Fee items").
RATE_KEYS: Final = ("rate_fen", "rate_yuan")
_RATE_VALUES: Final[dict[Any, Any]] = {vol.Optional("rate_fen"): _exact(4, "fen", "58.8"),
                       vol.Optional("rate_yuan"): _exact(6, "yuan", "0.588")}


def _one_rate(entry: dict[str, Any]) -> dict[str, Any]:
    if sum(key in entry for key in RATE_KEYS) != 1:
        raise vol.Invalid("give one of rate_fen or rate_yuan", path=["rate_fen"])
    return entry


_RATE: Final = vol.All(vol.Schema({vol.Required("from"): day, **_RATE_VALUES}), _one_rate)


def _item_checked(item: dict[str, Any]) -> dict[str, Any]:
    if sum(key in item for key in (*RATE_KEYS, "rates")) != 1:
        raise vol.Invalid("give one of rate_fen, rate_yuan or rates (a list of {from, rate_fen or rate_yuan})",
                          path=["rate_fen"])
    starts = [rate["from"] for rate in item.get("rates", [])]
    if len(set(starts)) != len(starts):
        raise vol.Invalid("two rates start on the same day", path=["rates"])
    if item.get("from") and item.get("until") and item["until"] < item["from"]:
        raise vol.Invalid("until is before from", path=["until"])
    return item


ITEM_SCHEMA: Final = vol.All(vol.Schema({
    vol.Required("id"): vol.All(slug, vol.Length(max=32)),
    vol.Optional("name"): name,
    vol.Required("kind"): vol.In(KINDS, msg=f"expected one of {', '.join(KINDS)}"),
    **_RATE_VALUES,
    vol.Optional("rates"): vol.All([_RATE], vol.Length(min=1, msg="expected at least one rate")),
    vol.Optional("period", default="monthly"): vol.In(tuple(PERIOD_MONTHS),
                                                      msg=f"expected one of {', '.join(PERIOD_MONTHS)}"),
    vol.Optional("due_day", default=DEFAULT_DUE_DAY): _whole(1, 31, "a day of the month"),
    vol.Optional("from"): day,
    vol.Optional("until"): day,
    vol.Optional("households"): vol.Any({HOUSEHOLD: _whole(1, 1000, "units")}, [HOUSEHOLD],
                                        msg="expected a list of households, or households with their counts"),
    vol.Optional("unit"): name,
}), _item_checked)


def _unique_items(section: dict[str, Any]) -> dict[str, Any]:
    seen: set[str] = set()
    for index, item in enumerate(section["items"]):
        if item["id"] in seen:
            raise vol.Invalid(f"item id {item['id']!r} is used twice", path=["items", index, "id"])
        seen.add(item["id"])
    return section


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("rounding", default=HALF_UP): vol.In(ROUNDINGS, msg=f"expected one of {', '.join(ROUNDINGS)}"),
        vol.Optional("allocation", default=LATE_FEE_FIRST): vol.In(ALLOCATIONS,
                                                                   msg=f"expected one of {', '.join(ALLOCATIONS)}"),
        vol.Optional("late_fee", default=dict): LATE_FEE_SCHEMA,
        vol.Optional("items", default=list): [ITEM_SCHEMA],
        vol.Optional("escalation"): ESCALATION_SCHEMA,
    }),
    _unique_items,
)

LATE_FEE_CALL: Final = vol.Schema({vol.Required("principal_fen"): fen,
                                   vol.Required("days"): _whole(0, 36500, "days overdue")})
RUN_SCHEMA: Final = vol.Schema({vol.Required("period"): period})
PAY_SCHEMA: Final = vol.Schema({
    vol.Required("household"): HOUSEHOLD,
    vol.Required("amount_fen"): positive_fen,
    vol.Required("payment_id"): PAYMENT_ID,
    vol.Optional("method", default="cash"): vol.All(slug, vol.Length(max=32)),
})
HOUSEHOLD_SCHEMA: Final = vol.Schema({vol.Required("household"): HOUSEHOLD})
#: An approved change's id from the form that asked for it: a repeat with it is answered once.
REQUEST_ID: Final = vol.All(string, vol.Match(r"^[\w.:-]{1,64}$",
                                              msg="expected a request id of 1 to 64 letters, digits, _ . : -"))
_APPROVED: Final = {vol.Required("reason"): REASON, vol.Optional("approver"): name,
                    vol.Optional("request_id"): REQUEST_ID}
WAIVE_SCHEMA: Final = vol.Schema({vol.Required("bill"): BILL, vol.Optional("part", default="late_fee"): vol.In(PARTS),
                                  vol.Optional("amount_fen"): positive_fen, **_APPROVED})
EXTEND_SCHEMA: Final = vol.Schema({vol.Required("bill"): BILL, vol.Required("until"): day, **_APPROVED})
VACANCY_SCHEMA: Final = vol.Schema({vol.Required("household"): HOUSEHOLD, vol.Required("from"): period,
                                    vol.Required("to"): period, vol.Required("percent"): percent,
                                    vol.Optional("items"): [slug], **_APPROVED})
CORRECT_SCHEMA: Final = vol.Schema({vol.Required("bill"): BILL, vol.Required("item"): slug,
                                    vol.Required("amount_fen"): signed_fen, **_APPROVED})
REFUND_SCHEMA: Final = vol.Schema({vol.Required("payment_id"): PAYMENT_ID, **_APPROVED})
REISSUE_SCHEMA: Final = vol.Schema({vol.Required("receipt_no"): RECEIPT, **_APPROVED})
READING_SCHEMA: Final = vol.Schema({vol.Required("household"): HOUSEHOLD, vol.Required("item"): slug,
                                    vol.Required("period"): period,
                                    vol.Required("quantity"): vol.All(string, vol.Match(
                                        r"^\d{1,9}(\.\d{1,4})?$", msg='expected a quantity as text, like "12.5"'))})

BANK_ACCOUNT: Final = vol.All(string, vol.Match(r"^\d{8,32}$", msg="expected a bank account number of 8 to 32 digits"))
BANK_MANDATE_SCHEMA: Final = vol.Schema({
    vol.Required("household"): HOUSEHOLD, vol.Required("bank"): name, vol.Required("account"): BANK_ACCOUNT,
    vol.Required("holder"): name, vol.Required("since"): day, vol.Optional("until"): day})
BANK_EXPORT_SCHEMA: Final = vol.Schema({vol.Required("period"): period})
#: The bank's result file as text (a dashboard upload, or read by ``xiaoqu billing bank import``).
BANK_IMPORT_SCHEMA: Final = vol.Schema({
    vol.Required("text"): vol.All(str, vol.Length(min=1, max=20_000_000, msg="expected the file's text, up to 20 MB")),
    vol.Optional("source", default="result file"): vol.All(string, vol.Length(max=200))})
EMPTY_SCHEMA: Final = vol.Schema({})
REPORT_SCHEMA: Final = vol.Schema({vol.Required("kind"): vol.In(REPORT_KINDS, msg=f"expected one of {', '.join(REPORT_KINDS)}"),
                                   vol.Optional("start"): day, vol.Optional("end"): day})
