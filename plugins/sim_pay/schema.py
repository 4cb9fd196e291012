"""The ``sim_pay:`` section of config.yaml and ``sim_pay.pay``'s data."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.validation import ensure_list, number, string, url, vol
from xiaoqu.integrations.payments.schema import ORDER_ID

from .const import DEFAULT_APPID, DEFAULT_MCHID, DEFAULT_PAY_AFTER, DEFAULT_RETRIES


def _seconds(value: Any) -> float:
    seconds = number(value)
    if not 0 <= seconds <= 3600:
        raise vol.Invalid("expected seconds from 0 to 3600")
    return seconds


def _amount(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise vol.Invalid("expected an amount in fen (分), a whole number, 0 or more")
    return value


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        #: Seconds after an order is made that the simulated payer pays it; null: only when
        #: sim_pay.pay is called.
        vol.Optional("pay_after", default=DEFAULT_PAY_AFTER): vol.Any(None, _seconds),
        vol.Optional("mchid", default=DEFAULT_MCHID): vol.All(string, vol.Match(r"^\d{6,32}$",
                                                                               msg="expected a merchant number")),
        vol.Optional("appid", default=DEFAULT_APPID): vol.All(string, vol.Match(r"^\w{1,32}$",
                                                                               msg="expected an app id")),
        #: Where notifies go; the hub's own callback when left out.
        vol.Optional("notify_url"): url,
        vol.Optional("retry_seconds", default=list(DEFAULT_RETRIES)): vol.All(ensure_list, [_seconds]),
    }),
)

PAY_SCHEMA: Final = vol.Schema({
    vol.Required("order_id"): ORDER_ID,
    #: What the payer pays; the order's amount when left out (another amount shows a flag).
    vol.Optional("amount_fen"): _amount,
})
