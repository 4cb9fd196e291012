"""Names the MQTT integration and the plugins on it share."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .runtime import MqttData

DOMAIN: Final = "mqtt"
#: Everything the integration runs (client, stats, rejections, router, discovery);
#: :func:`xiaoqu.integrations.mqtt.get` reads it for other integrations.
DATA_MQTT: Final[HubKey[MqttData]] = HubKey(DOMAIN)

#: Every site's topics live under ``xiaoqu/<site>/`` (docs/device-protocol.md).
TOPIC_PREFIX: Final = "xiaoqu"


def topic_root(hub: Hub) -> str:
    """The topic prefix of this site's device protocol, state stream and availability."""
    return f"{TOPIC_PREFIX}/{hub.config.site}"
