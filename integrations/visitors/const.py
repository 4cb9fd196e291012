"""Names of the visitors integration: events, services, statuses, topics, audit acts, files."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .visits import Visitors

DOMAIN: Final = "visitors"
#: The one :class:`~xiaoqu.integrations.visitors.visits.Visitors` of a hub.
DATA_VISITORS: Final[HubKey[Visitors]] = HubKey(DOMAIN)

#: ``<data dir>/visitors.db``: one row per visit (a RowStore), names and phones sealed.
STORE_FILE: Final = "visitors.db"
TABLE_VISITS: Final = "visits"
#: The recorder kind of each step of a visit (registered, answered, entered, left...), masked.
RECORD_KIND: Final = "visitors"
DEFAULT_KEEP_DAYS: Final = 90
#: How long after a pass ended (its leave_by, or the visitor leaving) access keeps it: until then a
#: late use is denied as expired, with the time; after, it is removed and a use is "not known".
PASS_KEPT_SECONDS: Final = 86_400.0
#: How often ended visits past ``keep_days`` and ended passes are cleared.
SWEEP_SECONDS: Final = 3_600.0

# Statuses: a visit is open while pending, confirmed or overstay; the others are final.
PENDING: Final = "pending"
CONFIRMED: Final = "confirmed"
REFUSED: Final = "refused"
EXPIRED: Final = "expired"
OVERSTAY: Final = "overstay"
CLOSED: Final = "closed"
STATUSES: Final = (PENDING, CONFIRMED, REFUSED, EXPIRED, OVERSTAY, CLOSED)
OPEN: Final = frozenset({PENDING, CONFIRMED, OVERSTAY})
#: The statuses in which the visitor holds passes (valid until leave_by).
ADMITTED: Final = frozenset({CONFIRMED, OVERSTAY})

# Events (data masked: names 王*, phones 138****5678, plates 粤B1***5).
EVENT_REQUESTED: Final = "visitor_requested"
EVENT_ANSWERED: Final = "visitor_answered"
EVENT_EXPIRED: Final = "visitor_expired"
EVENT_ENTERED: Final = "visitor_entered"
EVENT_OVERSTAY: Final = "visitor_overstay"
EVENT_CLOSED: Final = "visitor_closed"

SERVICE_REGISTER: Final = "register"
SERVICE_CONFIRM: Final = "confirm"
SERVICE_CHECKOUT: Final = "checkout"
SERVICE_LOG: Final = "log"
SERVICE_PASS: Final = "pass"
SERVICE_REVEAL: Final = "reveal"
#: Guards register, answer for an unreachable host (with a reason), show a pass again, close
#: visits and read the log; managers all of it and the visitor's name or phone in clear
#: (audited); residents answer their own household's visits and read their own log.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "guard": [f"{DOMAIN}.{s}" for s in (SERVICE_REGISTER, SERVICE_CONFIRM, SERVICE_CHECKOUT, SERVICE_LOG,
                                        SERVICE_PASS)],
    "resident": [f"{DOMAIN}.{SERVICE_CONFIRM}", f"{DOMAIN}.{SERVICE_LOG}"],
}

# Audit acts, besides the core's record of every call.
AUDIT_REGISTERED: Final = "visitor_registered"
AUDIT_ANSWERED: Final = "visitor_answered"
#: Staff answered for the host (confirmed, refused or revoked), with their reason.
AUDIT_OVERRIDE: Final = "visitor_override"
#: An answer refused: another household's visit, a forged topic, a visit no longer pending.
AUDIT_ANSWER_REFUSED: Final = "visitor_answer_refused"
AUDIT_CLOSED: Final = "visitor_closed"
AUDIT_PASS_SHOWN: Final = "visitor_pass_shown"
AUDIT_REVEALED: Final = "visitor_personal_data_read"

#: Under the household's prefix (``xiaoqu/<site>/household/<id>/``, the household's MQTT account's
#: alone): the request, each visit's status and pass, and the app's answer.
TOPIC_REQUEST: Final = "visitors/request"
TOPIC_STATUS: Final = "visitors/{visit}/status"
TOPIC_PASS: Final = "visitors/{visit}/pass"
TOPIC_ANSWER: Final = "visitors/{visit}/answer"
#: The most an answer over MQTT may hold: ``{"accept": true}`` and a few words.
MAX_ANSWER_BYTES: Final = 1024

#: The members selector of the access groups visitors makes: a kind nobody on the sheet has, so the
#: group opens its doors to the passes that name it and to no resident or member of staff.
VISITOR_KIND: Final = "visitor"
#: The access groups of the passes: ``visitors_<digest of the doors>``, one per distinct route.
GROUP_PREFIX: Final = "visitors_"
#: The fields a route's door may name: ``b{building}-u{unit}`` is the host's own unit entrance.
ROUTE_FIELDS: Final = ("building", "unit", "household")
