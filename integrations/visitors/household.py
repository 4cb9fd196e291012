"""The host household's side over MQTT, inside the household's own prefix
(``xiaoqu/<site>/household/<id>/``: its MQTT account's alone, docs/smart_home.md):

- ``visitors/request``: a visitor waits at the gate (masked: ``王*``, ``138****5678``, ``粤B1***5``);
- ``visitors/<visit>/answer``: the household's app answers ``{"accept": true}`` or ``false``;
- ``visitors/<visit>/status``: what became of the visit (and of an answer refused, why);
- ``visitors/<visit>/pass``: the QR pass's token once, for the host to send to their visitor.

The topic an answer arrives on is its proof: the broker lets only the household's account publish
under its prefix, so an answer names its household by where it was published, never by what it
says. An answer to another household's visit is refused as "not found", as the API refuses it; a
retained answer (one the broker would replay at every reconnect) is not taken.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from xiaoqu.core.payload import PayloadError, loads
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.validation import vol
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.const import DATA_MQTT

from .const import MAX_ANSWER_BYTES, TOPIC_ANSWER, TOPIC_PASS, TOPIC_REQUEST, TOPIC_STATUS
from .schema import ANSWER_SCHEMA

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: ``answer(household, visit_id, accept, reason)``: what the channel hands an answer to.
Answer = Callable[[str, str, bool, "str | None"], Coroutine[Any, Any, None]]


class HouseholdChannel:
    """Publishes to the host household and takes its app's answers (nothing without mqtt)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._unsubscribe: Callable[[], None] | None = None
        self._log = RateLimitedLog(_LOGGER, hub.clock.time)

    @property
    def available(self) -> bool:
        return DATA_MQTT in self.hub.data

    def prefix(self, household: str) -> str:
        return f"{mqtt.topic_root(self.hub)}/household/{household}"

    async def listen(self, answer: Answer) -> None:
        """Take answers on every household's ``visitors/+/answer``."""
        if not self.available:
            return
        topic = f"{mqtt.topic_root(self.hub)}/household/+/{TOPIC_ANSWER.format(visit='+')}"

        def received(message: mqtt.ReceiveMessage) -> None:
            taken = self._read(message)
            if taken is not None:
                self.hub.create_task(answer(*taken), name=f"visitors: answer on {message.topic}")

        self._unsubscribe = await mqtt.subscribe(self.hub, topic, received, qos=1)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _read(self, message: mqtt.ReceiveMessage) -> tuple[str, str, bool, str | None] | None:
        """The household, visit, accept and reason an answer gives; None (logged) when it is no answer."""
        parts = message.topic.split("/")  # .../household/<household>/visitors/<visit>/answer
        household, visit = parts[-4], parts[-2]
        why = None
        if message.retain:
            why = "retained (an answer is taken when it is sent, never replayed)"
        elif len(message.payload) > MAX_ANSWER_BYTES:
            why = f"{len(message.payload)} bytes (an answer is at most {MAX_ANSWER_BYTES})"
        else:
            try:
                data = ANSWER_SCHEMA(loads(message.payload))
            except (PayloadError, vol.Invalid, ValueError) as err:
                why = f"not an answer: {err}"
            else:
                return household, visit, data["accept"], data.get("reason")
        self._log.warning(("answer", household[:32]), "visitors: an answer on %s was not taken: %s", message.topic, why)
        self.publish(household, TOPIC_STATUS.format(visit=visit), {"visit_id": visit, "taken": False, "why": why})
        return None

    def publish(self, household: str, topic: str, payload: dict[str, Any]) -> None:
        if self.available:
            mqtt.publish_nowait(self.hub, f"{self.prefix(household)}/{topic}", payload, qos=1)

    def request(self, household: str, payload: dict[str, Any]) -> None:
        self.publish(household, TOPIC_REQUEST, payload)

    def status(self, household: str, visit: str, payload: dict[str, Any]) -> None:
        self.publish(household, TOPIC_STATUS.format(visit=visit), payload)

    def send_pass(self, household: str, visit: str, payload: dict[str, Any]) -> None:
        self.publish(household, TOPIC_PASS.format(visit=visit), payload)
