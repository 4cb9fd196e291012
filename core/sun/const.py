"""Names of the sun plugin, and its key in ``hub.data``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from xiaoqu.core.sun.astronomy import SiteSun

DOMAIN: Final = "sun"

#: The sun over the site; absent while config.yaml does not say where the site is.
DATA_SUN: Final[HubKey[SiteSun]] = HubKey(DOMAIN)
