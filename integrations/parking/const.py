"""Names of parking: services, events, session kinds and states, rules, files, audit acts, hub.data key."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .parking import Parking

DOMAIN: Final = "parking"
#: The hub's one :class:`~xiaoqu.integrations.parking.parking.Parking`.
DATA_PARKING: Final[HubKey[Parking]] = HubKey(DOMAIN)

#: In the data dir: sessions and occupancy (a row store), the money paid per session (a ledger).
STORE_FILE: Final = "parking.db"
LEDGER_FILE: Final = "parking_ledger.db"
TABLE_SESSIONS: Final = "sessions"
TABLE_LOTS: Final = "lots"
TABLE_REMINDERS: Final = "reminders"
TABLES: Final = (TABLE_SESSIONS, TABLE_LOTS, TABLE_REMINDERS)

#: Ledger: ``pay:<payment_id>`` moves ``method:<method>`` (money in, negative) to ``session:<id>``.
LEDGER_KIND: Final = "parking_payment"
METHOD_ACCOUNT: Final = "method:"
SESSION_ACCOUNT: Final = "session:"
#: The purpose of parking's orders at the payments integration (its ledger's ``purpose:parking``).
PURPOSE: Final = "parking"

#: Lane directions.
IN: Final = "in"
OUT: Final = "out"
DIRECTIONS: Final = (IN, OUT)

#: Who a car is to the lot (a session's ``kind``).
RESIDENT: Final = "resident"  # a household's car on the household's fixed space: never charged
PASS: Final = "pass"  # a monthly pass: charged only for time after the pass ended
VISITOR: Final = "visitor"  # access's plate permission: charged only for time after it ended
TEMPORARY: Final = "temporary"  # everyone else: the lot's tariff from entry
KINDS: Final = (RESIDENT, PASS, VISITOR, TEMPORARY)
#: The kinds that take one of the lot's temporary spaces.
TEMPORARY_KINDS: Final = frozenset({VISITOR, TEMPORARY})

#: A session's status: inside; at an exit lane waiting for its payment; gone.
INSIDE: Final = "inside"
AT_EXIT: Final = "at_exit"
LEFT: Final = "left"
STATUSES: Final = (INSIDE, AT_EXIT, LEFT)

#: How the exit found the session.
EXACT: Final = "exact"
FUZZY: Final = "fuzzy"
UNMATCHED: Final = "unmatched"

#: Parking's own rules (access's rules keep their own ids: ``restriction:<id>``, ``group:none``...).
RULE_SPACE: Final = "space:"  # + the space
RULE_PASS: Final = "pass:"  # + the lot
RULE_RESIDENT: Final = "resident"  # a household's car where the lot lets residents' cars park free
RULE_VISITOR: Final = "visitor"
RULE_TEMPORARY: Final = "temporary"
RULE_LOT_FULL: Final = "lot_full"
RULE_NO_TEMPORARY: Final = "no_temporary"
#: + the visit's status (pending, refused, expired): a registered visitor's car the host has not let in.
RULE_VISIT: Final = "visit:"
RULE_PAID: Final = "paid"
RULE_FREE: Final = "free"
RULE_DUE: Final = "payment_due"
RULE_RELEASED: Final = "released"
RULE_OFFLINE: Final = "offline"

EVENT_ENTRY: Final = "parking_entry"
EVENT_REFUSED: Final = "parking_refused"
EVENT_PAYMENT_DUE: Final = "parking_payment_due"
EVENT_PAID: Final = "parking_paid"
EVENT_EXIT: Final = "parking_exit"
EVENT_CLONED: Final = "parking_plate_cloned"
EVENT_ATTENTION: Final = "parking_attention"
EVENT_OCCUPANCY: Final = "parking_occupancy_corrected"
EVENT_PASS_EXPIRING: Final = "parking_pass_expiring"

#: Audit acts (docs/parking.md lists them).
AUDIT_OCCUPANCY: Final = "parking_occupancy_set"
AUDIT_GATE: Final = "parking_gate_opened"
AUDIT_PAY: Final = "parking_paid"

#: The device protocol's display message (``display/<id>/show``, schema ``display_show``).
DISPLAY_TOPIC: Final = "display/{id}/show"

SERVICE_FEE: Final = "fee"
SERVICE_PAY: Final = "pay"
SERVICE_SESSIONS: Final = "sessions"
SERVICE_SET_OCCUPANCY: Final = "set_occupancy"
SERVICE_OPEN_GATE: Final = "open_gate"
SERVICE_REPORT: Final = "report"
#: ``parking.report``'s kinds (``reports.py``).
REPORT_KINDS: Final = ("inside", "sessions_by_day", "income_by_method", "long_stays")
#: Not a service: who may see the money in ``parking.report`` (``income_by_method``).
PERMISSION_INCOME: Final = f"{DOMAIN}.report_income"
#: Guards release a gate by hand, look cars up, take the fee at the booth (the dashboard records it as
#: cash) and read the car reports; finance takes payments and reads every report, income included;
#: managers do all.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "guard": [f"{DOMAIN}.{SERVICE_OPEN_GATE}", f"{DOMAIN}.{SERVICE_SESSIONS}", f"{DOMAIN}.{SERVICE_REPORT}",
              f"{DOMAIN}.{SERVICE_PAY}"],
    "finance": [f"{DOMAIN}.{SERVICE_PAY}", f"{DOMAIN}.{SERVICE_SESSIONS}", f"{DOMAIN}.{SERVICE_REPORT}",
                PERMISSION_INCOME],
}

#: Defaults of the ``parking:`` section.
DEFAULT_REPEAT_SECONDS: Final = 120
DEFAULT_GRACE_MINUTES: Final = 15
DEFAULT_UNMATCHED_HOURS: Final = 24
DEFAULT_REMINDER_DAYS: Final = 7
DEFAULT_KEEP_DAYS: Final = 90
DEFAULT_SHOW_SECONDS: Final = 10
#: A car inside longer than this is a long stay (``parking.report`` ``long_stays``).
DEFAULT_LONG_STAY_HOURS: Final = 72
