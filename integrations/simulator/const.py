"""Names of the simulator integration, and its key in ``hub.data``."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .simulator import Simulator

DOMAIN: Final = "simulator"
#: The simulated community while it runs (tests reach its devices through it).
DATA_SIMULATOR: Final[HubKey[Simulator]] = HubKey(DOMAIN)
