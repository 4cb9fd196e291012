"""Names of the patrol integration: services, events, record kinds, statuses and its hub.data key."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .patrol import Patrol

DOMAIN: Final = "patrol"
#: The one :class:`~xiaoqu.integrations.patrol.patrol.Patrol` of a hub.
DATA_PATROL: Final[HubKey[Patrol]] = HubKey(DOMAIN)

SERVICE_UPLOAD: Final = "upload"
SERVICE_EVALUATE: Final = "evaluate"
SERVICE_REPORT: Final = "report"
SERVICE_EXPORT: Final = "export"

#: Fired once per missed checkpoint, late round and closed round, when the round's window closes.
EVENT_CHECKPOINT_MISSED: Final = "patrol.checkpoint_missed"
EVENT_ROUND_LATE: Final = "patrol.round_late"
EVENT_ROUND_COMPLETED: Final = "patrol.round_completed"
#: A wand whose clock is off by more than ``clock_skew_minutes``.
EVENT_WAND_CLOCK_OFF: Final = "patrol.wand_clock_off"

#: Recorder kinds: accepted scans (record id ``<wand>:<scan_id>``), scans refused with the
#: reason, clock findings, and each closed round whose events were fired (record id
#: ``<route>:<start>``: fired once, across restarts).
SCAN_KIND: Final = "patrol.scan"
REJECTED_KIND: Final = "patrol.rejected"
CLOCK_KIND: Final = "patrol.clock"
ROUND_KIND: Final = "patrol.round"
DEFAULT_KEEP_DAYS: Final = 366

#: Where ``patrol.export`` writes, under the hub's data dir.
EXPORT_DIR: Final = "exports"
#: The audit act of an export.
AUDIT_EXPORTED: Final = "patrol_exported"

#: Managers do everything; guards upload and read their rounds.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "guard": [f"{DOMAIN}.{SERVICE_UPLOAD}", f"{DOMAIN}.{SERVICE_EVALUATE}", f"{DOMAIN}.{SERVICE_REPORT}"],
}

# A checkpoint's statuses in a round.
ON_TIME: Final = "on_time"
EARLY: Final = "early"
LATE: Final = "late"
MISSED: Final = "missed"
OUT_OF_ORDER: Final = "out_of_order"
UNKNOWN_CHECKPOINT: Final = "unknown_checkpoint"
#: Not scanned yet, and its window still open: no verdict yet.
PENDING: Final = "pending"
# A round's statuses beyond those (worst first: missed, incomplete, out_of_order, late, early, on_time).
INCOMPLETE: Final = "incomplete"
OPEN: Final = "open"

# Where a scan came from.
SOURCE_LIVE: Final = "live"
SOURCE_OFFLINE: Final = "offline"
SOURCE_UPLOAD: Final = "upload"

# Why a scan is refused.
REASON_UNKNOWN_WAND: Final = "unknown wand"
REASON_UNKNOWN_TAG: Final = "unknown tag"
REASON_FUTURE: Final = "ts in the future"
REASON_BAD_TS: Final = "bad ts"
REASON_INVALID: Final = "invalid"
#: After each upload (a docked wand's, or an offline scan): the counts and any clock finding.
EVENT_UPLOADED: Final = "patrol.uploaded"
