"""Names the MQTT integration and the plugins on it share."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

#: Every site's topics live under ``xiaoqu/<site>/`` (docs/device-protocol.md).
TOPIC_PREFIX: Final = "xiaoqu"


def topic_root(hub: Hub) -> str:
    """The topic prefix of this site's device protocol, state stream and availability."""
    return f"{TOPIC_PREFIX}/{hub.config.site}"
