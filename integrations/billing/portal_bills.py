"""The residents' portal tab "Bills" (物业费): the household's bills with their lines and why,
what it owes now with the late fee and the rule that makes it, its receipts, and a button that
pays what is owed online through the payments integration.

The household is the resident's own, fixed by their session (``page.household``), never taken
from the request: the bills and arrears are read through ``billing.bills``/``billing.arrears``
as the resident (which refuse any other household), and a bill named in the address
(``?bill=``) that is not the household's is refused 403 and audited as ``dashboard_denied``.

Paying makes an order at the payments integration (purpose ``billing``, reference the
household) for what is owed when the button is pressed, computed here, never typed. Its order
id is made when the page is drawn, so the button pressed twice asks for one order; the
provider's ``payment_received`` is applied by billing as any payment (oldest bill first).
"""
from __future__ import annotations

import re
import secrets
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.errors import HubError
from xiaoqu.core.money import yuan
from xiaoqu.core.validation import vol
from xiaoqu.integrations.dashboard import N_, Form
from xiaoqu.integrations.dashboard.const import AUDIT_PAGE_DENIED
from xiaoqu.integrations.payments import get_payments
from xiaoqu.integrations.portal import PortalPage

from .const import DOMAIN, PURPOSE, SERVICE_ARREARS, SERVICE_BILLS
from .dashboard_view import METHOD_LABELS
from .runtime import get_billing

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.integrations.portal import PortalRequest

#: An order id as this page makes it: ``BL`` and 20 hex digits (payments takes 6 to 32 of these).
ORDER_ID: Final = re.compile(r"BL[0-9a-f]{20}")
#: The receipts the tab lists, newest first.
RECEIPTS_SHOWN: Final = 24


def new_order_id() -> str:
    return f"BL{secrets.token_hex(10)}"


async def _read(page: PortalRequest, service: str) -> dict[str, Any]:
    answer = await page.call(DOMAIN, service, {"household": page.household}, return_response=True)
    assert isinstance(answer, dict)
    return answer


async def bills(page: PortalRequest) -> web.Response:
    """The household's bills, what it owes now and why, its receipts, and the pay button."""
    found = await _read(page, SERVICE_BILLS)
    chosen = page.query.get("bill")
    if chosen is not None and chosen not in {bill["bill"] for bill in found["bills"]}:
        page.dashboard.access.record(AUDIT_PAGE_DENIED, page.context, page=page.request.path, bill=chosen[:64],
                                     household=page.household)
        return page.message(HTTPStatus.FORBIDDEN, page.gettext("This bill is not your household's."))
    owed = await _read(page, SERVICE_ARREARS)
    billing = get_billing(page.hub)
    receipts = sorted((r for r in billing.receipts.values() if r.household == page.household),
                      key=lambda r: r.time, reverse=True)[:RECEIPTS_SHOWN]
    shown = [bill for bill in found["bills"] if chosen is None or bill["bill"] == chosen]
    return page.render("billing/portal_bills.html", bills=shown, owed=owed, rule=billing.rule.rule,
                       receipts=receipts, methods=METHOD_LABELS, order_id=new_order_id(), chosen=chosen, yuan=yuan)


async def pay(page: PortalRequest) -> web.Response:
    """An order for what the household owes now; the page shows where to pay it."""
    form = await Form.of(page)
    order_id = form.required("order_id", N_("Order"))
    if not ORDER_ID.fullmatch(order_id):
        raise form.refuse(N_("Order"), N_("%(value)s is not one of the choices"), value=order_id[:40])
    payments = get_payments(page.hub)
    known = payments.order(order_id)
    if known is None:
        owed = get_billing(page.hub).arrears(page.household).total_fen
        if owed <= 0:
            return page.message(HTTPStatus.OK, page.gettext("Your household owes nothing now."))
        amount = owed
    else:
        amount = known.amount_fen  # the button pressed again: the same order
    try:
        order = await payments.create_order(order_id, amount, f"物业费 {page.household}", purpose=PURPOSE,
                                            reference=page.household)
    except (HubError, vol.Invalid) as err:
        return page.message(HTTPStatus.CONFLICT, str(err))
    return page.render("billing/portal_pay.html", order=order, yuan=yuan)


PORTAL_PAGES: Final = (
    PortalPage("bills", bills, title=N_("Bills"), order=30, icon="bills"),
    PortalPage("bills/pay", pay, method="POST"),
)
