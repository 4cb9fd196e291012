"""The MQTT channel: the residents' app on the household's own prefix, and lobby displays.

- ``xiaoqu/<site>/household/<id>/notices/<notice_id>`` (retained, QoS 1): the notice for the
  household's app; retained so an app that was offline finds it when it connects, and only the
  household's MQTT account may read under its prefix (docs/smart_home.md).
- ``xiaoqu/<site>/display/<display>/notice`` (retained, QoS 1): the latest notice for a lobby
  display, only for notices to everyone, to the display's building or to a unit of it — never a
  household's own (a fee notice is nobody else's business).

docs/notices.md has the payloads' schemas.
"""
from __future__ import annotations

import asyncio
from typing import Any, Final

from xiaoqu.core.validation import positive_int, string, vol
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.const import DATA_MQTT

from ..const import CHANNEL_MQTT, TOPIC_DISPLAY, TOPIC_HOUSEHOLD
from ..schema import building_id
from .base import ChannelBase, ChannelContext, ChannelType, DeliveryFailed, Message

#: A display's id, as it is written in its topic (``lobby-1``).
DISPLAY_ID: Final = vol.All(string, vol.Match(r"^[a-z0-9][a-z0-9_-]{0,39}$",
                                               msg="expected a display id such as lobby-1 (a-z, 0-9, - and _)"))
DISPLAY_SCHEMA: Final = vol.Schema({
    vol.Required("id"): DISPLAY_ID,
    #: The building whose lobby it is; left out: a display for everyone (the main gate's).
    vol.Optional("building"): building_id,
})
SCHEMA: Final = vol.Schema({
    vol.Optional("displays", default=list): [DISPLAY_SCHEMA],
    #: How long a publish may wait for the broker's acknowledgement before the delivery fails.
    vol.Optional("timeout", default=10): vol.All(positive_int, vol.Range(min=1, max=300)),
})


class MqttChannel(ChannelBase):
    def __init__(self, context: ChannelContext, config: dict[str, Any]) -> None:
        self.hub = context.hub
        self.displays: list[dict[str, Any]] = config["displays"]
        self.timeout: int = config["timeout"]

    async def _publish(self, topic: str, payload: dict[str, Any]) -> None:
        if DATA_MQTT not in self.hub.data:
            raise DeliveryFailed("mqtt is not set up on this hub")
        try:
            await asyncio.wait_for(mqtt.publish(self.hub, topic, payload, qos=1, retain=True), self.timeout)
        except TimeoutError:
            raise DeliveryFailed(f"the broker did not acknowledge within {self.timeout} s "
                                 "(it is sent when the broker is back)") from None

    async def send(self, message: Message, household: str) -> None:
        root = mqtt.topic_root(self.hub)
        await self._publish(f"{root}/household/{household}/{TOPIC_HOUSEHOLD.format(notice=message.notice_id)}",
                            message.payload(household))

    async def broadcast(self, message: Message) -> None:
        root = mqtt.topic_root(self.hub)
        for display in self.displays:
            if shows(display.get("building"), message.to):
                await self._publish(f"{root}/{TOPIC_DISPLAY.format(display=display['id'])}", message.payload())


def shows(building: str | None, targets: tuple[Any, ...]) -> bool:
    """Whether a display of ``building`` (None: everyone's) shows a notice sent to ``targets``."""
    for target in targets:
        if "all" in target:
            return True
        place = target.get("building") or str(target.get("unit", "")).split("-", 1)[0]
        if place and building is not None and place == building:
            return True
    return False


TYPE: Final = ChannelType(CHANNEL_MQTT, SCHEMA, MqttChannel, "The residents' app and lobby displays over MQTT",
                          default=True)
