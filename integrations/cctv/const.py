"""Names of the cctv integration: events, services, states, statuses, audit acts, files."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .runtime import Cctv

DOMAIN: Final = "cctv"
#: The one :class:`~xiaoqu.integrations.cctv.runtime.Cctv` of a hub.
DATA_CCTV: Final[HubKey[Cctv]] = HubKey(DOMAIN)

#: ``<data dir>/cctv.db``: one row per footage or export request (a RowStore).
STORE_FILE: Final = "cctv.db"
TABLE_REQUESTS: Final = "requests"

# A camera's entity state (``sensor.<camera>_camera``).
ONLINE: Final = "online"  # reachable; whether it records not reported yet
OFFLINE: Final = "offline"
RECORDING: Final = "recording"
NOT_RECORDING: Final = "not_recording"
CAMERA_STATES: Final = (ONLINE, OFFLINE, RECORDING, NOT_RECORDING)

# Events: each fires once per change (an episode's start, and its end), with the figures.
EVENT_CAMERA_OFFLINE: Final = "cctv.camera_offline"
EVENT_CAMERA_ONLINE: Final = "cctv.camera_online"
EVENT_NOT_RECORDING: Final = "cctv.not_recording"
EVENT_RECORDING_RESUMED: Final = "cctv.recording_resumed"
EVENT_RETENTION_SHORT: Final = "cctv.retention_short"
EVENT_RETENTION_RESTORED: Final = "cctv.retention_restored"
EVENT_BACKUP_FAILED: Final = "cctv.backup_failed"
EVENT_BACKUP_RESTORED: Final = "cctv.backup_restored"
EVENT_REQUEST_DECIDED: Final = "cctv.request_decided"

# Requests: a footage request (``R…``) and an export request (``X…``) made on an approved one.
KIND_FOOTAGE: Final = "footage"
KIND_EXPORT: Final = "export"
PENDING: Final = "pending"
APPROVED: Final = "approved"
REFUSED: Final = "refused"
#: Approved, but its window to view (or export) has passed: shown, never stored.
EXPIRED: Final = "expired"
STATUSES: Final = (PENDING, APPROVED, REFUSED, EXPIRED)

SERVICE_REQUEST_FOOTAGE: Final = "request_footage"
SERVICE_DECIDE: Final = "decide"
SERVICE_VIEW: Final = "view"
SERVICE_REQUEST_EXPORT: Final = "request_export"
SERVICE_EXPORT: Final = "export"
SERVICE_REQUESTS: Final = "requests"
SERVICE_CAMERAS: Final = "cameras"
SERVICE_REPORT_STATUS: Final = "report_status"
#: Managers decide (never their own request) and see every request; guards request, view and
#: export what was approved for them and see their own; maintenance sees the cameras' health.
#: ``report_status`` is for the hub's own plugins and automations (and admins).
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.{s}" for s in (SERVICE_REQUEST_FOOTAGE, SERVICE_DECIDE, SERVICE_VIEW,
                                          SERVICE_REQUEST_EXPORT, SERVICE_EXPORT, SERVICE_REQUESTS,
                                          SERVICE_CAMERAS)],
    "guard": [f"{DOMAIN}.{s}" for s in (SERVICE_REQUEST_FOOTAGE, SERVICE_VIEW, SERVICE_REQUEST_EXPORT,
                                        SERVICE_EXPORT, SERVICE_REQUESTS, SERVICE_CAMERAS)],
    "maintenance": [f"{DOMAIN}.{SERVICE_CAMERAS}"],
}
#: The permission that makes a user a decider: they see every request, not only their own.
DECIDE_PERMISSION: Final = f"{DOMAIN}.{SERVICE_DECIDE}"

# Audit acts (besides the core's record of every call): each with the request, the camera, the
# span, the reason, who asked, and an outside authority's document where there is one.
AUDIT_REQUESTED: Final = "cctv_footage_requested"
AUDIT_DECIDED: Final = "cctv_request_decided"
AUDIT_VIEWED: Final = "cctv_footage_viewed"
#: A viewing or export refused: not approved, not the requester's, the window passed.
AUDIT_REFUSED: Final = "cctv_access_refused"
AUDIT_EXPORT_REQUESTED: Final = "cctv_export_requested"
AUDIT_EXPORTED: Final = "cctv_footage_exported"

#: The device-protocol message a camera's NVR (or a plugin) reports through:
#: ``xiaoqu/<site>/cctv/<camera>/status``.
STATUS_KIND: Final = "cctv/status"

DEFAULT_CHECK_INTERVAL: Final = 60.0
DEFAULT_CHECK_TIMEOUT: Final = 3.0
#: A camera whose status is pushed goes offline when nothing came for this long.
DEFAULT_STALE_AFTER: Final = 300.0
DEFAULT_MAX_SPAN_HOURS: Final = 24
DEFAULT_VALID_DAYS: Final = 7
