"""Names of the auth plugin, and its keys in ``hub.data``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from xiaoqu.core.auth.access import Access
    from xiaoqu.core.auth.control import ControlServer

DOMAIN: Final = "auth"
#: The ``Context.source`` of acts that came in through the HTTP API.
SOURCE_API: Final = "api"

#: Who may do what: the permission check on every outside call, and the audit log.
DATA_ACCESS: Final[HubKey[Access]] = HubKey(DOMAIN)
#: The local socket the ``xiaoqu user`` and ``token`` commands reach a running hub through.
DATA_CONTROL: Final[HubKey[ControlServer]] = HubKey("auth_control")
