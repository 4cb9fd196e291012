"""Names of the door integration: door states, events, services, attributes and defaults."""
from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .doors import Doors

DOMAIN: Final = "door"
#: The configured doors and their readers (``get_doors`` reads it).
DATA_DOORS: Final[HubKey[Doors]] = HubKey(DOMAIN)


class DoorState(StrEnum):
    """What a door is doing, worst first: the state shows the most urgent of what is true."""

    #: its controller is offline, or silent longer than ``offline_after``
    UNAVAILABLE = "unavailable"
    #: its controller reports a fault (a lock that does not answer, a cut contact)
    FAULT = "fault"
    #: the contact opened while the door was locked
    FORCED = "forced"
    #: open longer than ``held_open_seconds`` after an unlock
    HELD_OPEN = "held_open"
    OPEN = "open"
    UNLOCKED = "unlocked"
    LOCKED = "locked"


class DoorKind(StrEnum):
    """Which restrictions apply at the door (access's scopes)."""

    PEDESTRIAN = "pedestrian"
    VEHICLE = "vehicle"


class UnlockSource(StrEnum):
    """Why a door is unlocked: it decides what the door does when the time is up."""

    #: a granted credential: unlocked for ``unlock_seconds``
    READER = "reader"
    #: staff's ``door.unlock``
    REMOTE = "remote"
    #: the first card of a ``first_card_groups`` group: unlocked until the schedule ends
    FIRST_CARD = "first_card"
    #: ``door.unlock_all``: held open until ``door.restore``
    EMERGENCY = "emergency"


EVENT_DOOR_FORCED: Final = "door_forced"
"""The contact opened while the door was locked: ``{door, entity_id, name, area}``."""
EVENT_DOOR_HELD_OPEN: Final = "door_held_open"
"""An unlocked door stayed open longer than its ``held_open_seconds``: ``{door, entity_id, name, area, seconds}``."""
EVENT_DOOR_FAULT: Final = "door_fault"
"""A door's controller reported a fault or fell silent: ``{door, entity_id, name, area, reason}``."""
EVENT_DOOR_UNAVAILABLE: Final = "door_unavailable"
"""A door's controller went offline or silent: ``{door, entity_id, name, area, reason}``."""
EVENT_DOOR_AVAILABLE: Final = "door_available"
"""A door that was unavailable is heard from again: ``{door, entity_id, name, area}``."""
EVENT_DOOR_UNLOCKED: Final = "door_unlocked"
"""A door unlocked otherwise than by a reader: ``{door, entity_id, source, by, reason, seconds}``."""
EVENT_DOOR_EMERGENCY: Final = "door_emergency"
"""``door.unlock_all`` held every door open: ``{doors, by, reason}``."""
EVENT_DOOR_RESTORED: Final = "door_restored"
"""``door.restore`` returned every door to normal: ``{doors, by}``."""

SERVICE_UNLOCK: Final = "unlock"
SERVICE_LOCK: Final = "lock"
SERVICE_UNLOCK_ALL: Final = "unlock_all"
SERVICE_RESTORE: Final = "restore"
SERVICE_SYNC_STATUS: Final = "sync_status"

#: The audit log's acts for the doors staff opened or closed by hand.
AUDIT_UNLOCK: Final = "door_unlock"
AUDIT_LOCK: Final = "door_lock"
AUDIT_UNLOCK_ALL: Final = "door_unlock_all"
AUDIT_RESTORE: Final = "door_restore"

ATTR_DOOR: Final = "door"
ATTR_KIND: Final = "kind"
ATTR_AREA: Final = "area"
ATTR_READERS: Final = "readers"
ATTR_CONTROLLER: Final = "controller"
ATTR_CONTACT: Final = "contact"
ATTR_UNLOCKED_BY: Final = "unlocked_by"
ATTR_UNLOCKED_UNTIL: Final = "unlocked_until"
ATTR_FAULT: Final = "fault"
ATTR_INTERLOCK: Final = "interlock"
ATTR_EMERGENCY: Final = "emergency"
ATTR_DIRECTION: Final = "direction"
ATTR_REASON: Final = "reason"
ATTR_RULE: Final = "rule"
ATTR_CREDENTIAL_TYPE: Final = "credential_type"

#: The reader entity's event types: each decision it was answered with.
READER_GRANTED: Final = "granted"
READER_DENIED: Final = "denied"

#: A repeated read of one credential at one reader this soon after the decided one is the
#: same presentation (a card held to the reader, a face seen twice): answered the same,
#: decided once.
DEBOUNCE_SECONDS: Final = 0.2
DEFAULT_UNLOCK_SECONDS: Final = 5.0
DEFAULT_HELD_OPEN_SECONDS: Final = 60.0
#: The longest unlock a command may carry (door_command.json's ``duration`` maximum).
MAX_UNLOCK_SECONDS: Final = 3600.0

#: The rules a door answers with when it decides without asking access.
RULE_READER_NOT_CONFIGURED: Final = "reader_not_configured"
RULE_INTERLOCK: Final = "interlock"

#: What each staff role may do with doors (admins may do everything).
ROLE_PERMISSIONS: Final = {
    "guard": [f"{DOMAIN}.{SERVICE_UNLOCK}", f"{DOMAIN}.{SERVICE_LOCK}", f"{DOMAIN}.{SERVICE_SYNC_STATUS}"],
    "maintenance": [f"{DOMAIN}.{SERVICE_SYNC_STATUS}"],
    "manager": [f"{DOMAIN}.*"],
}
