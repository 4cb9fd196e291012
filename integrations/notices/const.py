"""Names of the notices integration: events, services, statuses, topics, audit acts, files."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .notices import Notices

DOMAIN: Final = "notices"
#: The one :class:`~xiaoqu.integrations.notices.notices.Notices` of a hub.
DATA_NOTICES: Final[HubKey[Notices]] = HubKey(DOMAIN)

#: ``<data dir>/notices.db``: one row per notice, one per recipient and channel (a RowStore).
STORE_FILE: Final = "notices.db"
TABLE_NOTICES: Final = "notices"
TABLE_DELIVERIES: Final = "deliveries"

# A notice: scheduled (waiting for ``at`` or its next repeat), sending, sent (each time done,
# no repeat left), cancelled (staff stopped a scheduled or repeating notice).
SCHEDULED: Final = "scheduled"
SENDING: Final = "sending"
SENT: Final = "sent"
CANCELLED: Final = "cancelled"

# A delivery (one household on one channel), and a recipient's own status.
PENDING: Final = "pending"
DELIVERED: Final = "sent"
FAILED: Final = "failed"
ACKNOWLEDGED: Final = "acknowledged"
DELIVERY_STATUSES: Final = (PENDING, DELIVERED, FAILED, ACKNOWLEDGED)

#: The contract's events.
EVENT_SENT: Final = "notice_sent"
EVENT_ACKNOWLEDGED: Final = "notice_acknowledged"

SERVICE_SEND: Final = "send"
SERVICE_ACKNOWLEDGE: Final = "acknowledge"
SERVICE_LIST: Final = "list"
SERVICE_STATUS: Final = "status"
SERVICE_CANCEL: Final = "cancel"
#: Managers do everything; finance sends (fee notices, reminders) and reads what went out; a
#: resident signs for their own household's notices and reads them.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "finance": [f"{DOMAIN}.{s}" for s in (SERVICE_SEND, SERVICE_LIST, SERVICE_STATUS, SERVICE_ACKNOWLEDGE)],
    "resident": [f"{DOMAIN}.{SERVICE_ACKNOWLEDGE}", f"{DOMAIN}.{SERVICE_LIST}"],
}

# Audit acts, besides the core's record of every call.
AUDIT_SENT: Final = "notice_sent"
#: A batch of notices accepted together (``send_many``: how many, to how many households).
AUDIT_SENT_MANY: Final = "notices_sent"
AUDIT_ACKNOWLEDGED: Final = "notice_acknowledged"
#: Staff signed for a household (with their reason).
AUDIT_ACKNOWLEDGED_FOR: Final = "notice_acknowledged_for_household"
#: A household tried to sign a notice that is not theirs (or that does not exist).
AUDIT_REFUSED: Final = "notice_acknowledge_refused"
AUDIT_CANCELLED: Final = "notice_cancelled"

#: Under the household's prefix (``xiaoqu/<site>/household/<id>/``, its MQTT account's alone):
#: each notice, retained so an app that was offline finds it.
TOPIC_HOUSEHOLD: Final = "notices/{notice}"
#: The household's app signs a notice here (``{"signed": true}``): the prefix is the proof of
#: whose signature it is, as for a visitor's answer (docs/notices.md).
TOPIC_ACK: Final = "notices/{notice}/ack"
#: What became of an app's signature: taken (with when it was signed) or not, and why.
TOPIC_ACK_STATUS: Final = "notices/{notice}/status"
#: The largest signature message read (``{"signed": true}`` is 16 bytes).
MAX_ACK_BYTES: Final = 1024
#: A lobby display's notice board (for notices to everyone, a building or a unit only).
TOPIC_DISPLAY: Final = "display/{display}/notice"

#: The channel names the built-in channels take (plugins add others).
CHANNEL_LOG: Final = "log"
CHANNEL_MQTT: Final = "mqtt"
CHANNEL_WEBHOOK: Final = "webhook"
CHANNEL_EMAIL: Final = "email"
#: The built-in templates (the contract's names); a site's ``templates:`` override or add.
TEMPLATE_FEE_NOTICE: Final = "fee_notice"
TEMPLATE_REMINDER: Final = "reminder"
TEMPLATE_SECOND_NOTICE: Final = "second_notice"
TEMPLATE_OUTAGE: Final = "outage"
#: How many deliveries run at once (a 10,000-household notice through a gateway).
PARALLEL_DELIVERIES: Final = 8
