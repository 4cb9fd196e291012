"""Names of the tickets integration: states and their transitions, events, services, topics, files."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .tickets import Tickets

DOMAIN: Final = "tickets"
#: The one :class:`~xiaoqu.integrations.tickets.tickets.Tickets` of a hub.
DATA_TICKETS: Final[HubKey[Tickets]] = HubKey(DOMAIN)

#: ``<data dir>/tickets.db``: one row per ticket (a RowStore), its history inside it.
STORE_FILE: Final = "tickets.db"
TABLE_TICKETS: Final = "tickets"

# States.
NEW: Final = "new"
ASSIGNED: Final = "assigned"
IN_PROGRESS: Final = "in_progress"
WAITING: Final = "waiting_for_resident"
RESOLVED: Final = "resolved"
CLOSED: Final = "closed"
REOPENED: Final = "reopened"
STATES: Final = (NEW, ASSIGNED, IN_PROGRESS, WAITING, RESOLVED, CLOSED, REOPENED)
#: Where a ticket may go from each state. Staying in a state is a step too (a note, another
#: assignee) except in ``closed``, which only ``reopened`` leaves.
TRANSITIONS: Final = {
    NEW: frozenset({ASSIGNED, IN_PROGRESS, CLOSED}),
    ASSIGNED: frozenset({ASSIGNED, IN_PROGRESS, WAITING, CLOSED}),
    IN_PROGRESS: frozenset({IN_PROGRESS, ASSIGNED, WAITING, RESOLVED}),
    WAITING: frozenset({WAITING, IN_PROGRESS, RESOLVED, CLOSED}),
    RESOLVED: frozenset({RESOLVED, CLOSED, REOPENED}),
    CLOSED: frozenset({REOPENED}),
    REOPENED: frozenset({REOPENED, ASSIGNED, IN_PROGRESS, RESOLVED, CLOSED}),
}
#: The deadline is met the first time a ticket reaches one of these: staff arrived or replied
#: (in progress, or asking the resident), or it was resolved or closed.
MET_STATES: Final = frozenset({IN_PROGRESS, WAITING, RESOLVED, CLOSED})
#: A ticket of a device counts as that device's open ticket until it is closed.
OPEN_STATES: Final = frozenset(STATES) - {CLOSED}
#: A rating is given once a ticket is resolved or closed.
RATABLE: Final = frozenset({RESOLVED, CLOSED})

#: The two kinds of deadline: arrive within clock hours (repairs), reply within working days.
ARRIVE: Final = "arrive"
REPLY: Final = "reply"

#: A step the hub itself made (the deadline passing, a device recovering).
HUB: Final = "the hub"

# Events.
EVENT_OPENED: Final = "tickets.opened"
EVENT_UPDATED: Final = "tickets.updated"
EVENT_OVERDUE: Final = "tickets.overdue"
EVENT_CLOSED: Final = "tickets.closed"
EVENT_RATED: Final = "tickets.rated"

SERVICE_OPEN: Final = "open"
SERVICE_UPDATE: Final = "update"
SERVICE_GET: Final = "get"
SERVICE_LIST: Final = "list"
SERVICE_RATE: Final = "rate"
SERVICE_REPORT: Final = "report"
SERVICE_RECOVERED: Final = "device_recovered"
#: Managers all of it; maintenance works tickets; guards take them at the desk; residents open
#: and read their own household's and rate them.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "maintenance": [f"{DOMAIN}.{s}" for s in (SERVICE_OPEN, SERVICE_UPDATE, SERVICE_GET, SERVICE_LIST,
                                              SERVICE_RECOVERED)],
    "guard": [f"{DOMAIN}.{s}" for s in (SERVICE_OPEN, SERVICE_GET, SERVICE_LIST)],
    "resident": [f"{DOMAIN}.{s}" for s in (SERVICE_OPEN, SERVICE_GET, SERVICE_LIST, SERVICE_RATE)],
}

# Audit acts, besides the core's record of every call.
AUDIT_OPENED: Final = "ticket_opened"
AUDIT_UPDATED: Final = "ticket_updated"
#: A resident or an app named another household's ticket or household.
AUDIT_REFUSED: Final = "ticket_refused"

#: Under the household's prefix (``xiaoqu/<site>/household/<id>/``, its MQTT account's alone).
TOPIC_OPEN: Final = "tickets/open"
TOPIC_ANSWER: Final = "tickets/answer"
TOPIC_RATE: Final = "tickets/{ticket}/rate"
TOPIC_STATUS: Final = "tickets/{ticket}/status"
#: The most a message from the app may hold: a description and a few fields.
MAX_MESSAGE_BYTES: Final = 4096
#: What a ticket's notice is referred to by in notices (``tickets:<ticket id>``).
NOTICE_REF: Final = "tickets:"
