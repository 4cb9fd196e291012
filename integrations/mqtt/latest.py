"""Messages where only the newest on a topic matters, sent on the outbox's bulk lane.

A lot's free-space guidance goes to every display of its lanes each time a car passes: twenty
retained messages per car at a busy gate. On the first lane they would queue in front of the
barrier command the same decision sends, and fill the window of unacknowledged messages it
waits behind. A display only needs the newest guidance, so these go through the bulk lane
(:class:`~integrations.mqtt.client.BulkSource`): taken only when the first lane is empty, a
few at a time, and a message not yet sent is replaced by a newer one on its topic. A message
lost with the connection is sent again when it is back, unless a newer one replaced it.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING

from .client import encode_payload

if TYPE_CHECKING:
    from .client import MqttClient, PayloadType, Unsubscribe

Message = tuple[str, bytes, int, bool]


class LatestOnTopic:
    """The bulk source of :func:`~integrations.mqtt.api.publish_latest`."""

    def __init__(self, client: MqttClient) -> None:
        self.client = client
        #: Topics with a message to send, oldest first, each with its newest message.
        self._pending: OrderedDict[str, Message] = OrderedDict()
        #: The newest message taken for each topic, to send again if the connection lost it.
        self._taken: dict[str, Message] = {}
        #: Messages replaced by a newer one on their topic before they went out.
        self.coalesced = 0
        self._unsubscribe: list[Unsubscribe] = []

    def start(self) -> None:
        self._unsubscribe = [self.client.add_bulk_source(self),
                             self.client.on_connection_change(self._connection_changed)]

    def stop(self) -> None:
        """Stop; what is still pending goes to the first lane, flushed as the connection closes."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        pending, self._pending = self._pending, OrderedDict()
        for topic, payload, qos, retain in pending.values():
            self.client.publish_nowait(topic, payload, qos, retain)

    def publish(self, topic: str, payload: PayloadType, qos: int, retain: bool) -> None:
        if topic in self._pending:
            self.coalesced += 1
            del self._pending[topic]
        self._pending[topic] = (topic, encode_payload(payload), qos, retain)
        self.client.bulk_ready()

    def take(self, limit: int) -> list[Message]:
        taken: list[Message] = []
        while self._pending and len(taken) < limit:
            _, message = self._pending.popitem(last=False)
            self._taken[message[0]] = message
            taken.append(message)
        return taken

    def lost(self, topics: list[str]) -> None:
        again = [topic for topic in topics if topic not in self._pending and topic in self._taken]
        for topic in again:
            self._pending[topic] = self._taken[topic]
        if again:
            self.client.bulk_ready()  # sent once the connection is back (or now, if it is)

    def _connection_changed(self, connected: bool) -> None:
        if connected and self._pending:
            self.client.bulk_ready()
