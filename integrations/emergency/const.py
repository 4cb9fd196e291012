"""The emergency integration's names: services, events, audit acts, permissions, hub.data keys."""
from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .runtime import Emergency

DOMAIN: Final = "emergency"
DATA_EMERGENCY: Final[HubKey[Emergency]] = HubKey(DOMAIN)


class PlanKind(StrEnum):
    """The kinds of plan the management rules ask a property office to keep."""

    FIRE = "fire"
    EARTHQUAKE = "earthquake"
    PUBLIC_HEALTH = "public_health"
    EQUIPMENT_FAILURE = "equipment_failure"
    NETWORK_OUTAGE = "network_outage"
    PLATFORM_OUTAGE = "platform_outage"


class PlanState(StrEnum):
    """A plan entity's state."""

    STANDBY = "standby"
    ACTIVE = "active"


class Outcome(StrEnum):
    """What became of one action on one target."""

    CONFIRMED = "confirmed"   # the device (or the hub for it) says it is done
    SENT = "sent"             # given to the transport; the protocol has no confirmation
    FAILED = "failed"         # not done, with the reason
    SKIPPED = "skipped"       # nothing to do (no such integration on this site)


SERVICE_ACTIVATE: Final = "activate"
SERVICE_STAND_DOWN: Final = "stand_down"
SERVICE_PLANS: Final = "plans"
SERVICE_RECORD_DRILL: Final = "record_drill"
SERVICE_DRILLS: Final = "drills"
SERVICE_SUPPLIES: Final = "supplies"
SERVICE_CONTACTS: Final = "contacts"

EVENT_ACTIVATED: Final = "emergency.activated"
EVENT_STOOD_DOWN: Final = "emergency.stood_down"
#: One action of an activation or a stand-down done, with its outcome per target.
EVENT_ACTION_DONE: Final = "emergency.action_done"
#: The fire-alarm input changed while its plan was latched (flapping, or going off).
EVENT_INPUT_IGNORED: Final = "emergency.input_ignored"
EVENT_DRILL_RECORDED: Final = "emergency.drill_recorded"
EVENT_SUPPLY_EXPIRING: Final = "emergency.supply_expiring"

AUDIT_ACTIVATE: Final = "emergency_activate"
AUDIT_STAND_DOWN: Final = "emergency_stand_down"
AUDIT_DRILL: Final = "emergency_drill"
AUDIT_REFUSED: Final = "emergency_refused"

#: Who may act on any plan; a plan's own ``roles`` add roles for that plan alone.
PERMISSION_ANY_PLAN: Final = f"{DOMAIN}.any_plan"

ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.{s}" for s in (SERVICE_ACTIVATE, SERVICE_STAND_DOWN, SERVICE_PLANS, SERVICE_RECORD_DRILL,
                                          SERVICE_DRILLS, SERVICE_SUPPLIES, SERVICE_CONTACTS)] + [PERMISSION_ANY_PLAN],
    "guard": [f"{DOMAIN}.{s}" for s in (SERVICE_ACTIVATE, SERVICE_STAND_DOWN, SERVICE_PLANS, SERVICE_SUPPLIES,
                                        SERVICE_CONTACTS)],
    "maintenance": [f"{DOMAIN}.{s}" for s in (SERVICE_PLANS, SERVICE_SUPPLIES, SERVICE_CONTACTS)],
}

#: Who the hub's own acts (the fire-alarm linkage) are put down to.
LINKAGE: Final = "fire-alarm linkage"
#: The plan the fire-alarm input starts unless the config names another.
DEFAULT_FIRE_PLAN: Final = "fire"
#: Seconds between the re-opens that keep a held gate up (its auto-close timers count from each).
DEFAULT_HOLD_EVERY: Final = 10.0
#: Seconds an emergency's display message lasts (the device protocol's most); re-sent while active.
DISPLAY_SECONDS: Final = 600
#: Seconds the all-clear shows before a display goes back to its standing guidance.
CLEAR_SECONDS: Final = 10
DEFAULT_REMIND_DAYS: Final = 30
STORE_NAME: Final = "emergency"
STORE_VERSION: Final = 1
