"""Names of payments: services, events, files, ledger accounts and kinds, audit acts, the hub.data key."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .payments import Payments

DOMAIN: Final = "payments"
#: The hub's one :class:`~xiaoqu.integrations.payments.payments.Payments`.
DATA_PAYMENTS: Final[HubKey[Payments]] = HubKey(DOMAIN)

#: In the hub's data dir: the orders and flags (a row store), and the money (a ledger).
STORE_FILE: Final = "payments.db"
LEDGER_FILE: Final = "payments_ledger.db"
TABLE_ORDERS: Final = "orders"
TABLE_FLAGS: Final = "flags"

#: An order's status.
PENDING: Final = "pending"
PAID: Final = "paid"
STATUSES: Final = (PENDING, PAID)

#: Ledger accounts (no floor: they are the world outside). What a provider collected for us
#: is ``provider:<name>`` (negative: money in); it goes to ``purpose:<purpose>`` when it pays
#: an order, and to ``suspense:<name>`` when it pays none (flagged for staff).
PROVIDER_ACCOUNT: Final = "provider:"
PURPOSE_ACCOUNT: Final = "purpose:"
SUSPENSE_ACCOUNT: Final = "suspense:"
#: Ledger kinds, and the ids they post under: ``order:<order_id>`` (an order is paid once,
#: whatever the provider sends) and ``unmatched:<provider>:<payment_id>``.
PAYMENT: Final = "payment"
UNMATCHED: Final = "unmatched"

#: Fired once per order when the provider's signed notify of its exact amount arrives.
EVENT_PAYMENT_RECEIVED: Final = "payment_received"
#: Fired once per provider transaction that pays no order (amount mismatch, unknown or
#: already-paid order): the money came and staff must act.
EVENT_PAYMENT_FLAGGED: Final = "payment_flagged"

#: Audit acts (docs/security.md lists them).
AUDIT_NOTIFY_REFUSED: Final = "payment_notify_refused"
AUDIT_FLAGGED: Final = "payment_flagged"

#: The notify callback, public: the provider's signature is its only credential.
NOTIFY_PATH: Final = "/api/payments/{provider}/notify"
#: What a notify may send: WeChat Pay's are about 1 KB, Alipay's about 2 KB.
NOTIFY_MAX_BODY: Final = 16 * 1024

SERVICE_CREATE_ORDER: Final = "create_order"
SERVICE_ORDERS: Final = "orders"
SERVICE_FLAGGED: Final = "flagged"
#: Cashiers (finance) and managers make orders, read them and the flagged payments.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "finance": [f"{DOMAIN}.*"],
}
