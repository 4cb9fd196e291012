"""Names the access integration and its callers share: events, services, kinds, keys."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .access import Access

DOMAIN: Final = "access"
#: The one :class:`~xiaoqu.integrations.access.Access` of a hub.
DATA_ACCESS: Final[HubKey[Access]] = HubKey(DOMAIN)

EVENT_ACCESS_GRANTED: Final = "access_granted"
EVENT_ACCESS_DENIED: Final = "access_denied"

#: The recorder kind of the access log, and how long it is kept by default (the one-card
#: rules clear door records older than three months).
LOG_KIND: Final = "access"
#: The log's fields the recorder indexes (``Recorder.index_fields``), so ``access.log`` by door,
#: card (its keyed digest) or household reads an index however few records match.
LOG_INDEXED: Final = ("door", "card", "household")
DEFAULT_KEEP_DAYS: Final = 90
#: The file of access's own credentials, groups and restrictions, in the hub's data dir.
STORE_FILE: Final = "access.db"
#: The site's secret for keyed digests of PINs, QR tokens and logged cards (0600, beside it).
KEY_FILE: Final = "access.key"
TABLE_CREDENTIALS: Final = "credentials"
TABLE_GROUPS: Final = "groups"
TABLE_RESTRICTIONS: Final = "restrictions"

SERVICE_CHECK: Final = "check"
SERVICE_RESTRICT: Final = "restrict"
SERVICE_LIFT_RESTRICTION: Final = "lift_restriction"
SERVICE_LOG: Final = "log"
SERVICE_ADD_CREDENTIAL: Final = "add_credential"
SERVICE_REMOVE_CREDENTIAL: Final = "remove_credential"
SERVICE_ADD_GROUP: Final = "add_group"
SERVICE_UPDATE_GROUP: Final = "update_group"
SERVICE_REMOVE_GROUP: Final = "remove_group"

#: Credential types, as readers and the contract name them.
CARD: Final = "card"
FACE: Final = "face"
QR: Final = "qr"
PIN: Final = "pin"
PLATE: Final = "plate"
CREDENTIAL_TYPES: Final = (CARD, FACE, QR, PIN, PLATE)
#: The credentials that are secrets (whoever knows one gets in): a service's data carries them
#: wrapped, so only their mask reaches an event, the audit log or a log line.
SECRET_TYPES: Final = (PIN, QR)
#: The credentials access issues itself (the office's sheet brings cards, faces and residents'
#: plates): a visitor's plate is a temporary permission of access's own, for the gates its groups name.
OWN_TYPES: Final = (QR, PIN, CARD, PLATE)

#: Door kinds, and the restriction scopes that cover them.
PEDESTRIAN: Final = "pedestrian"
VEHICLE: Final = "vehicle"
ALL: Final = "all"
DOOR_KINDS: Final = (PEDESTRIAN, VEHICLE)
SCOPES: Final = (PEDESTRIAN, VEHICLE, ALL)

#: What a restriction is for; the reason a person writes says the rest.
RESTRICTION_KINDS: Final = ("lost", "arrears", "blacklist", "expired", "staff")
#: Whom a restriction names.
TARGETS: Final = ("household", "person", "card", "plate")

#: Where a decision was asked from: a reader, the API, a controller deciding alone.
SOURCE_API: Final = "api"
SOURCE_OFFLINE: Final = "offline"
#: A member of staff's remote open (``Access.record_remote``): its type, rule and source.
REMOTE: Final = "remote"

#: The built-in schedule of a group that names none: every minute of every day.
ALWAYS: Final = "always"

#: Wrong PINs at one door's reader within ``PIN_WINDOW`` seconds after which its PINs are
#: refused for ``PIN_LOCKOUT`` seconds: six digits are a million guesses, not many more.
PIN_FAILURES: Final = 5
PIN_WINDOW: Final = 60.0
PIN_LOCKOUT: Final = 60.0
#: The rule of a PIN refused while its reader is locked.
RULE_PIN_LOCKED: Final = "pin:locked"

#: The event of a decision a controller uploaded that it should not have made alone: a grant
#: for a credential not on the list it was sent, or restricted.
EVENT_OFFLINE_MISMATCH: Final = "access_offline_mismatch"

#: How far ahead a controller's whitelist lists holidays and make-up working days.
WHITELIST_DAYS: Final = 60
