"""The household's side over MQTT, inside its own prefix (``xiaoqu/<site>/household/<id>/``,
its MQTT account's alone, docs/smart_home.md):

- ``tickets/open``: the app opens a ticket ``{"request_id"?, "category", "description"}``; the
  hub answers on ``tickets/answer`` with ``{"request_id", "ticket_id", "due"}``, or
  ``{"request_id", "taken": false, "why"}``;
- ``tickets/<ticket>/rate``: ``{"rating": 1-5, "comment"?}`` once the ticket is resolved;
- ``tickets/<ticket>/status``: the ticket after each step, as the household may see it.

The topic is the proof of the household: a message names its household by where it was
published, never by what it says, so an app can open only for its own household and rate only
its own tickets (another's is "not found", as the API answers). A retained message (one the
broker would replay at every reconnect) and one over ``MAX_MESSAGE_BYTES`` are not taken.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from xiaoqu.core.payload import PayloadError, loads
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.validation import humanize_error, vol
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.const import DATA_MQTT

from .const import MAX_MESSAGE_BYTES, TOPIC_ANSWER, TOPIC_OPEN, TOPIC_RATE, TOPIC_STATUS
from .schema import APP_OPEN_SCHEMA, APP_RATE_SCHEMA

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: ``handler(household, ticket_id or None, message)``: what the channel hands a message to.
Handler = Callable[[str, "str | None", dict[str, Any]], Coroutine[Any, Any, None]]


class HouseholdChannel:
    """Publishes to a household and takes its app's messages (nothing without mqtt)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._unsubscribes: list[Callable[[], None]] = []
        self._log = RateLimitedLog(_LOGGER, hub.clock.time)

    @property
    def available(self) -> bool:
        return DATA_MQTT in self.hub.data

    def prefix(self, household: str) -> str:
        return f"{mqtt.topic_root(self.hub)}/household/{household}"

    async def listen(self, opened: Handler, rated: Handler) -> None:
        if not self.available:
            return
        root = f"{mqtt.topic_root(self.hub)}/household/+"
        for topic, schema, handler in ((f"{root}/{TOPIC_OPEN}", APP_OPEN_SCHEMA, opened),
                                       (f"{root}/{TOPIC_RATE.format(ticket='+')}", APP_RATE_SCHEMA, rated)):
            self._unsubscribes.append(await mqtt.subscribe(self.hub, topic, self._receiver(schema, handler), qos=1))

    def _receiver(self, schema: Any, handler: Handler) -> Callable[[mqtt.ReceiveMessage], None]:
        def received(message: mqtt.ReceiveMessage) -> None:
            taken = self._read(message, schema)
            if taken is not None:
                self.hub.create_task(handler(*taken), name=f"tickets: message on {message.topic}")
        return received

    def stop(self) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes.clear()

    def _read(self, message: mqtt.ReceiveMessage, schema: Any) -> tuple[str, str | None, dict[str, Any]] | None:
        """The household, ticket (on a rating) and the message; None (logged, answered) when it is none."""
        parts = message.topic.split("/")
        opening = parts[-1] == "open"  # .../household/<h>/tickets/open or .../tickets/<ticket>/rate
        household = parts[-3] if opening else parts[-4]
        ticket = None if opening else parts[-2]
        why = None
        data: Any = None
        if message.retain:
            why = "retained (a message is taken when it is sent, never replayed)"
        elif len(message.payload) > MAX_MESSAGE_BYTES:
            why = f"{len(message.payload)} bytes (a message is at most {MAX_MESSAGE_BYTES})"
        else:
            try:
                data = loads(message.payload)
                return household, ticket, schema(data)
            except PayloadError as err:
                why = f"not JSON: {err}"
            except vol.Invalid as err:
                why = humanize_error(data, err)
        self._log.warning(("message", household[:32]), "tickets: a message on %s was not taken: %s", message.topic, why)
        request = data.get("request_id") if isinstance(data, dict) and isinstance(data.get("request_id"), str) else None
        self.refused(household, ticket, why, request)
        return None

    def refused(self, household: str, ticket: str | None, why: str, request_id: str | None = None) -> None:
        """Tell the app its message was not taken, and why."""
        if ticket is None:
            self.publish(household, TOPIC_ANSWER, {"request_id": request_id, "taken": False, "why": why})
        else:
            self.publish(household, TOPIC_STATUS.format(ticket=ticket[:16]), {"ticket_id": ticket, "taken": False,
                                                                               "why": why})

    def publish(self, household: str, topic: str, payload: dict[str, Any]) -> None:
        if self.available:
            mqtt.publish_nowait(self.hub, f"{self.prefix(household)}/{topic}", payload, qos=1)
