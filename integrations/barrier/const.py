"""Names of the barrier domain: its states, commands, events, attributes, defaults and hub.data key."""
from __future__ import annotations

from enum import IntFlag, StrEnum
from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .gates import Barriers

DOMAIN: Final = "barrier"
#: Every barrier entity by entity id, and the API parking uses (``get_barriers`` reads it).
DATA_BARRIERS: Final[HubKey[Barriers]] = HubKey(DOMAIN)


class BarrierState(StrEnum):
    """Where a barrier's arm is (the entity's state), whatever drives the gate."""

    CLOSED = "closed"
    OPENING = "opening"
    OPEN = "open"
    CLOSING = "closing"
    #: halted between the limit switches
    STOPPED = "stopped"
    #: the controller reports a fault (``fault`` says what); the arm may be anywhere
    FAULT = "fault"
    #: the controller is silent: no answer on Modbus, no message within ``offline_after`` on MQTT
    UNAVAILABLE = "unavailable"


#: The states that confirm an open command: the arm is up or on its way up.
RAISED: Final = frozenset({BarrierState.OPENING, BarrierState.OPEN})


class BarrierEntityFeature(IntFlag):
    """The optional services a barrier may offer (open and close every barrier has)."""

    STOP = 1


class Command(StrEnum):
    """What the hub tells a gate's controller (the device protocol's ``action``)."""

    OPEN = "open"
    CLOSE = "close"
    STOP = "stop"


SERVICE_OPEN: Final = "open"
SERVICE_CLOSE: Final = "close"
SERVICE_STOP: Final = "stop"

EVENT_BARRIER_FAULT: Final = "barrier_fault"
"""A gate reported a fault or fell silent: ``{entity_id, name, fault, since}``; once per episode."""
EVENT_BARRIER_RECOVERED: Final = "barrier_recovered"
"""A gate in a fault episode reports a sound state again: ``{entity_id, name, fault, since, seconds}``."""
EVENT_BARRIER_RAISED_LOCALLY: Final = "barrier_raised_locally"
"""The arm rose with no open command from the hub (the guard's remote): ``{entity_id, name, state}``."""

#: The audit log's acts for a gate moved by a person.
AUDIT_OPEN: Final = "barrier_open"
AUDIT_CLOSE: Final = "barrier_close"
AUDIT_STOP: Final = "barrier_stop"

#: Whether the loop detector sees a vehicle under the arm (None: the gate does not say).
ATTR_VEHICLE_PRESENT: Final = "vehicle_present"
#: The controller's fault, in words (None when there is none).
ATTR_FAULT: Final = "fault"
#: When the current fault episode (a fault, or silence) began, ISO 8601; None when sound.
ATTR_FAULT_SINCE: Final = "fault_since"
#: The last command the hub sent, who asked and why (the reason masked).
ATTR_LAST_COMMAND: Final = "last_command"
ATTR_COMMAND_BY: Final = "command_by"
ATTR_COMMAND_REASON: Final = "command_reason"

#: Seconds an arm may stay up with no car under it before the hub closes it.
DEFAULT_AUTO_CLOSE: Final = 30.0
#: Seconds after the car has left the loop before the hub closes the arm behind it.
DEFAULT_CLOSE_AFTER_PASS: Final = 1.0
#: Seconds ``Barriers.open`` waits for the gate to say its arm is going up.
DEFAULT_CONFIRM_TIMEOUT: Final = 2.0
#: Seconds of silence after which a gate on the device protocol is unavailable (it reports
#: every minute, so three reports missed).
DEFAULT_OFFLINE_AFTER: Final = 180.0
#: Seconds between polls of a gate on Modbus.
DEFAULT_SCAN_INTERVAL: Final = 1.0
MAX_REASON: Final = 200

#: Who is put down for an act no person asked for (auto-close, an automation without a source).
NOBODY: Final = "hub"

#: The guards raise and lower gates by hand; managers too (docs/barrier.md).
ROLE_PERMISSIONS: Final = {
    "guard": [f"{DOMAIN}.{SERVICE_OPEN}", f"{DOMAIN}.{SERVICE_CLOSE}", f"{DOMAIN}.{SERVICE_STOP}"],
    "manager": [f"{DOMAIN}.*"],
}
