"""Names of the card centre: services, events, record kinds, card classes, ledger accounts, hub.data key."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .cards import Cards

DOMAIN: Final = "cards"
#: The one :class:`~xiaoqu.integrations.cards.cards.Cards` of a hub.
DATA_CARDS: Final[HubKey[Cards]] = HubKey(DOMAIN)

#: Files in the hub's data dir: the card records, and the stored-value ledger.
STORE_FILE: Final = "cards.db"
LEDGER_FILE: Final = "cards_ledger.db"
TABLE_CARDS: Final = "cards"
#: Where ``cards.report`` writes, under the hub's data dir.
EXPORT_DIR: Final = "exports"

#: The recorder kind of a card's acts (subject: the card's UID). The one-card rules keep a
#: card's history as long as the money: five years by default.
HISTORY_KIND: Final = "cards"
DEFAULT_KEEP_DAYS: Final = 1827

#: What a card serves.
DOOR: Final = "door"
CONSUMPTION: Final = "consumption"
ATTENDANCE: Final = "attendance"
PARKING: Final = "parking"
PATROL: Final = "patrol"
SUBSYSTEMS: Final = (DOOR, CONSUMPTION, ATTENDANCE, PARKING, PATROL)

#: Card classes (POS discounts and limits are set per class).
RESIDENT: Final = "resident"
STAFF: Final = "staff"
TEMPORARY: Final = "temporary"
VISITOR: Final = "visitor"
CARD_CLASSES: Final = (RESIDENT, STAFF, TEMPORARY, VISITOR)

#: A card's status.
ACTIVE: Final = "active"
LOST: Final = "lost"
RETIRED: Final = "retired"
STATUSES: Final = (ACTIVE, LOST, RETIRED)

#: Where a card record came from: issued by the centre, or a card on a person from the office's
#: sheet (residents), recorded here the first time the centre acts on it.
ISSUED: Final = "issued"
SHEET: Final = "sheet"

#: Payment methods of a recharge, a deposit and a refund.
METHODS: Final = ("cash", "transfer", "online", "wechat", "alipay", "card")

#: Ledger accounts. A card's account holds what the centre owes its holder (floor 0); the
#: others are the world outside the cards and have no floor.
CARD_ACCOUNT: Final = "card:"
CASH_ACCOUNT: Final = "cash:"  # + method: money taken in
REFUND_ACCOUNT: Final = "refund:"  # + method: money paid back
SALES_ACCOUNT: Final = "sales:"  # + terminal: what the POS sold
DEPOSIT_ACCOUNT: Final = "deposit:held"  # deposits taken and not yet returned (floor 0)

#: Ledger transaction kinds (and the prefix of each id).
RECHARGE: Final = "recharge"
REFUND: Final = "refund"
TRANSFER: Final = "transfer"
RETURN: Final = "return"
DEPOSIT: Final = "deposit"
#: A POS charge's kind (the POS names its ids ``pos:<terminal>:<request_id>``).
CHARGE: Final = "charge"
#: What ``cards.refund`` may reverse: a charge, or a recharge taken in by mistake.
REFUNDABLE: Final = (CHARGE, RECHARGE)

#: Fired when a card's balance falls below ``low_balance_fen`` (the ``card_low_balance`` blueprint).
EVENT_LOW_BALANCE: Final = "cards_low_balance"
#: Fired when a card is reported lost (the ``card_lost`` blueprint).
EVENT_LOST: Final = "cards_lost"

SERVICE_ISSUE: Final = "issue"
SERVICE_REWRITE: Final = "rewrite"
SERVICE_REPORT_LOSS: Final = "report_loss"
SERVICE_UNBLOCK: Final = "unblock"
SERVICE_REISSUE: Final = "reissue"
SERVICE_EXTEND: Final = "extend"
SERVICE_RETURN: Final = "return"
SERVICE_RECHARGE: Final = "recharge"
SERVICE_BALANCE: Final = "balance"
SERVICE_REFUND: Final = "refund"
SERVICE_HISTORY: Final = "history"
SERVICE_REPORT: Final = "report"
#: Managers do everything; the card-centre clerk (finance) does money and cards; guards take a
#: loss report at the gate and read a card.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "finance": [f"{DOMAIN}.*"],
    "guard": [f"{DOMAIN}.{SERVICE_REPORT_LOSS}", f"{DOMAIN}.{SERVICE_BALANCE}", f"{DOMAIN}.{SERVICE_HISTORY}"],
}

#: The control-socket command of ``xiaoqu cards report``.
COMMAND_REPORT: Final = "cards_report"
