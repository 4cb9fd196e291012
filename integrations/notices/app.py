"""The household's app signs notices over MQTT, inside the household's own prefix
(``xiaoqu/<site>/household/<id>/``: its MQTT account's alone, docs/smart_home.md), by the rules
a visitor's answer follows (integrations/visitors/household.py):

- ``notices/<notice_id>/ack``: the app publishes ``{"signed": true}``;
- ``notices/<notice_id>/status``: the hub answers ``{"notice_id", "taken": true, "at", "already"}``
  or ``{"notice_id", "taken": false, "why"}``.

The topic a signature arrives on is its proof: the broker lets only the household's account
publish under its prefix, so a signature names its household by where it was published, never by
what it says. A signature on one household's prefix for a notice not sent to that household is
refused as "not found" (as the API refuses it), logged and audited. A retained signature (one the
broker would replay at every reconnect), an oversized or malformed one is not taken.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.payload import PayloadError, loads
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.validation import vol
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.const import DATA_MQTT

from .const import MAX_ACK_BYTES, TOPIC_ACK, TOPIC_ACK_STATUS
from .schema import NOTICE_ID

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: ``sign(household, notice_id)``: the answer for the status topic.
Sign = Callable[[str, str], Coroutine[Any, Any, dict[str, Any]]]


def _true(value: Any) -> bool:
    if value is not True:
        raise vol.Invalid("expected true")
    return True


#: What the app publishes on ``.../notices/<notice_id>/ack``; other keys are ignored.
ACK_SCHEMA: Final = vol.Schema({vol.Required("signed"): _true}, extra=vol.REMOVE_EXTRA)


class AppSignatures:
    """Takes the households' apps' signatures and tells each app what became of its own."""

    def __init__(self, hub: Hub, sign: Sign) -> None:
        self.hub = hub
        self._sign = sign
        self._unsubscribe: Callable[[], None] | None = None
        self._log = RateLimitedLog(_LOGGER, hub.clock.time)

    async def listen(self) -> None:
        """Take signatures on every household's ``notices/+/ack`` (nothing without mqtt)."""
        if DATA_MQTT not in self.hub.data:
            return
        topic = f"{mqtt.topic_root(self.hub)}/household/+/{TOPIC_ACK.format(notice='+')}"

        def received(message: mqtt.ReceiveMessage) -> None:
            taken = self._read(message)
            if taken is not None:
                self.hub.create_task(self._taken(*taken), name=f"notices: signature on {message.topic}")

        self._unsubscribe = await mqtt.subscribe(self.hub, topic, received, qos=1)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _read(self, message: mqtt.ReceiveMessage) -> tuple[str, str] | None:
        """The household and notice a signature is for; None (logged, the app told) when it is none."""
        parts = message.topic.split("/")  # .../household/<household>/notices/<notice>/ack
        household, notice = parts[-4], parts[-2]
        why = None
        if message.retain:
            why = "retained (a signature is taken when it is sent, never replayed)"
        elif len(message.payload) > MAX_ACK_BYTES:
            why = f"{len(message.payload)} bytes (a signature is at most {MAX_ACK_BYTES})"
        else:
            try:
                NOTICE_ID(notice)
                ACK_SCHEMA(loads(message.payload))
            except (PayloadError, vol.Invalid, ValueError) as err:
                why = f"not a signature: {err}"
            else:
                return household, notice
        self._log.warning(("ack", household[:32]), "notices: a signature on %s was not taken: %s", message.topic, why)
        self.reply(household, notice, {"notice_id": notice, "taken": False, "why": why})
        return None

    async def _taken(self, household: str, notice: str) -> None:
        self.reply(household, notice, await self._sign(household, notice))

    def reply(self, household: str, notice: str, payload: dict[str, Any]) -> None:
        if DATA_MQTT in self.hub.data:
            mqtt.publish_nowait(self.hub, f"{mqtt.topic_root(self.hub)}/household/{household}/"
                                f"{TOPIC_ACK_STATUS.format(notice=notice)}", payload, qos=1)
