"""Names of the residents' portal: its paths, audit acts and hub.data keys."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .live import Live
    from .registry import PortalRegistry

DOMAIN: Final = "portal"
#: What the integrations registered: the portal's pages, its own and the domains'.
DATA_REGISTRY: Final[HubKey[PortalRegistry]] = HubKey("portal_registry")
#: The open live streams of the devices page, ended when the hub stops.
DATA_LIVE: Final[HubKey[Live]] = HubKey("portal_live")

ROOT: Final = "/portal"
JOIN_PATH: Final = f"{ROOT}/join"
STATIC: Final = f"{ROOT}/static"

#: The ``Context.source`` of what residents do through the portal (the audit log's "through").
SOURCE_PORTAL: Final = "portal"
#: The role the portal serves; its accounts are made with this role.
RESIDENT: Final = "resident"

# Audit acts of the portal's own.
AUDIT_JOINED: Final = "portal_joined"
AUDIT_JOIN_REFUSED: Final = "portal_join_refused"

#: Entries on one page of the entry records.
ENTRIES_PAGE_SIZE: Final = 30
#: Changes a slow phone may fall behind by on the live devices page before the oldest are dropped.
LIVE_BACKLOG: Final = 100
#: Seconds between keep-alive comments on an idle stream (proxies close silent ones).
LIVE_KEEPALIVE: Final = 15.0
