"""Names of the http plugin, and its key in ``hub.data``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from xiaoqu.core.http.server import HttpServer

DOMAIN: Final = "http"

#: The hub's HTTP server; ``port`` and ``url`` once it listens.
DATA_SERVER: Final[HubKey[HttpServer]] = HubKey(DOMAIN)
