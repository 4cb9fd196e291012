"""The ``payments:`` section of config.yaml and the data of each ``payments.*`` service.

One schema checks an order whether it comes through ``payments.create_order`` or from
another integration's call to :meth:`Payments.create_order`, so both refuse the same things
with the same sentence.
"""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.validation import name, positive_int, slug, string, vol

from .const import STATUSES

#: WeChat Pay's ``out_trade_no`` (6 to 32 letters, digits, _ and -), which Alipay's also takes.
ORDER_ID: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9_-]{6,32}$",
                                            msg="expected an order id of 6 to 32 letters, digits, _ or -"))
REFERENCE: Final = vol.All(string, vol.Match(r"^[\w.:-]{1,64}$", msg="expected a reference of 1 to 64 letters, "
                                                                      "digits, _ . : -"))
PURPOSE: Final = vol.All(slug, vol.Length(max=32))


def _amount(value: Any) -> int:
    """An order's amount: a whole number of fen above 0 (a provider takes no order of 0)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise vol.Invalid("expected an amount in fen (分), a whole number above 0: write 150 for ¥1.50")
    return value


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        #: The provider an order goes to when it names none (needed only with several providers).
        vol.Optional("default_provider"): slug,
    }),
)

ORDER_SCHEMA: Final = vol.Schema({
    vol.Required("order_id"): ORDER_ID,
    vol.Required("amount_fen"): _amount,
    vol.Required("description"): name,
    vol.Required("purpose"): PURPOSE,
    vol.Required("reference"): REFERENCE,
    vol.Optional("provider"): vol.Any(None, slug),
})
#: ``payments.create_order``: as an order, the id made up when not given.
CREATE_ORDER_SCHEMA: Final = ORDER_SCHEMA.extend({vol.Optional("order_id"): ORDER_ID})
ORDERS_SCHEMA: Final = vol.Schema({
    vol.Optional("status"): vol.In(STATUSES, msg=f"expected one of {', '.join(STATUSES)}"),
    vol.Optional("purpose"): PURPOSE,
    vol.Optional("reference"): REFERENCE,
    vol.Optional("limit", default=100): vol.All(positive_int, vol.Range(min=1, max=1000)),
})
FLAGGED_SCHEMA: Final = vol.Schema({
    vol.Optional("limit", default=100): vol.All(positive_int, vol.Range(min=1, max=1000)),
})
