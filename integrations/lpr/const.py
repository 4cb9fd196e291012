"""Names of the plate cameras' integration: events, services, sources, files, hub.data key."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .lpr import Lpr

DOMAIN: Final = "lpr"
#: The one :class:`~xiaoqu.integrations.lpr.lpr.Lpr` of a hub.
DATA_LPR: Final[HubKey[Lpr]] = HubKey(DOMAIN)

#: A plate read, after normalisation, the confidence rule and folding (parking listens).
EVENT_PLATE_READ: Final = "plate_read"
#: A read below ``min_confidence`` (or a new-energy plate read short) that no second read agreed with yet.
EVENT_PLATE_READ_UNCERTAIN: Final = "plate_read_uncertain"
#: A camera saw a vehicle and read no plate it could give (no plate, a misread beyond repair).
EVENT_PLATE_UNREADABLE: Final = "plate_unreadable"

#: Where a read came from (``source`` in the events), and a camera's ``format``.
MQTT: Final = "mqtt"
VZENITH: Final = "vzenith"
HIKVISION: Final = "hikvision"
DAHUA: Final = "dahua"
FORMATS: Final = (MQTT, VZENITH, HIKVISION, DAHUA)
#: The formats a camera pushes over HTTP (to its own route, with its secret).
HTTP_FORMATS: Final = (VZENITH, HIKVISION, DAHUA)

#: Vzenith-compatible cameras number colours and plate types by their maker's table.
CODE_TABLES: Final = ("vzenith", "qianyi")

SERVICE_NORMALIZE: Final = "normalize_plate"
SERVICE_CORRECT: Final = "correct"
#: Every staff role may ask how a plate reads; guards (who see the car and the snapshot) and
#: managers correct a read.
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "guard": [f"{DOMAIN}.{SERVICE_NORMALIZE}", f"{DOMAIN}.{SERVICE_CORRECT}"],
    "finance": [f"{DOMAIN}.{SERVICE_NORMALIZE}"],
    "maintenance": [f"{DOMAIN}.{SERVICE_NORMALIZE}"],
}

#: Audit acts: a push refused (unknown camera, wrong secret), a read corrected by staff.
AUDIT_PUSH_REFUSED: Final = "lpr_push_refused"
AUDIT_CORRECTED: Final = "lpr_plate_corrected"

#: The cameras' HTTP pushes: one route per camera, its secret in the path (cameras can only be
#: given a URL); Dahua's ITSAPI appends its own ``/NotificationInfo/<message>``.
ROUTE: Final = "/api/lpr/{camera}/{secret}{tail:(/.*)?}"
#: The most a push may send: a read with two or three JPEG pictures (Hikvision's are ~200 kB,
#: Vzenith's and Dahua's base64 inside the JSON) fits many times over; 15 MB does not.
MAX_PUSH_BYTES: Final = 8 * 1024 * 1024

#: Snapshots under the data dir: ``lpr/snapshots/<date>/<read_id>.jpg``.
SNAPSHOT_DIR: Final = "lpr/snapshots"
#: The recorder kind of each read (plates masked), subject the read id.
RECORD_KIND: Final = "lpr"
