"""The state stream: every entity's state, retained, on ``xiaoqu/<site>/state/<entity_id>``.

Payload: ``{"state": ..., "attributes": {...}, "last_changed": ISO 8601}`` (schema
``entity_state``); an entity that goes away gets an empty retained message, which clears it.

The stream is a mirror, and a mirror must never cost the hub what it is there for: reading
devices and answering them. It goes through the outbox's bulk lane, which pulls from it only
when nothing else waits and keeps only a few of its messages unacknowledged at the broker.
A change only records the entity's newest state (a retained topic holds one value, so an
older one not yet sent is worth nothing and is counted in ``coalesced``); the payload is
built when the message is actually taken. Within a ``TICK`` an entity is sent at most once
and the stream at most ``PER_TICK`` messages: an idle stream sends a change at once, a busy
one sends each changing entity's latest state once a tick, however fast it changes and
however slow the broker is (bench/mqtt.py measures what the stream costs the hub's intake). Every connect republishes all states,
since a restarted broker may have lost them. An entity whose state cannot be written as JSON
is left out (its retained topic keeps the last state that could), counted in
``writer.left_out`` and logged once a minute; the rest of its batch goes out.
"""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from xiaoqu.core.const import EVENT_STATE_CHANGED

from .const import topic_root
from .models import JsonWriter

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.states import State

    from .client import MqttClient

_LOGGER = logging.getLogger(__name__)
_UTC = ZoneInfo("UTC")

#: Seconds per tick; an entity goes out at most once per tick, the stream at most
#: ``PER_TICK`` messages (1,000/s).
TICK = 0.1
PER_TICK = 100


def state_document(state: State) -> dict[str, Any]:
    """What the stream says about ``state`` (schema ``entity_state``)."""
    return {
        "state": state.state,
        "attributes": dict(state.attributes),
        "last_changed": datetime.fromtimestamp(state.last_changed, _UTC).isoformat(),
    }


class StateStream:
    def __init__(self, hub: Hub, client: MqttClient, options: dict[str, Any]) -> None:
        self.hub = hub
        self.client = client
        self.prefix = f"{topic_root(hub)}/state/"
        self.domains = frozenset(options["domains"]) if options.get("domains") else None
        self.qos = options.get("qos", 1)
        #: Entities whose newest state may go out now, oldest change first (``None``: removed).
        self._pending: OrderedDict[str, State | None] = OrderedDict()
        #: Entities sent in this tick, and their changes since (they go out at the next tick).
        self._sent: set[str] = set()
        self._deferred: dict[str, State | None] = {}
        self._budget = PER_TICK
        self._tick: asyncio.TimerHandle | None = None
        self._unsubscribe: list[Any] = []
        #: Messages the stream handed to the connection.
        self.published = 0
        #: Changes never sent because a newer state of the same entity replaced them first.
        self.coalesced = 0
        self.writer = JsonWriter(_LOGGER, hub.clock.time, "state stream")

    @property
    def pending(self) -> int:
        """Entities whose newest state waits to be sent."""
        return len(self._pending) + len(self._deferred)

    def start(self) -> None:
        self._unsubscribe = [
            self.hub.bus.listen(EVENT_STATE_CHANGED, self._changed),
            self.client.on_connection_change(self._connection_changed),
            self.client.add_bulk_source(self),
        ]

    def stop(self) -> None:
        """Stop following changes; what is still pending goes to the outbox's first lane, which
        the connection flushes (briefly) before it closes."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        pending = {**self._pending, **self._deferred}
        self._pending.clear()
        self._deferred.clear()
        for topic, payload, qos, retain in self._messages(pending.items()):
            self.client.publish_nowait(topic, payload, qos, retain)

    def _wanted(self, entity_id: str) -> bool:
        return self.domains is None or entity_id.partition(".")[0] in self.domains

    def _changed(self, event: Event) -> None:
        entity_id: str = event.data["entity_id"]
        if self.domains is not None and not self._wanted(entity_id):
            return
        waiting = self._deferred if entity_id in self._sent else self._pending
        if entity_id in waiting:
            self.coalesced += 1
        waiting[entity_id] = event.data["new_state"]
        if waiting is self._pending:
            self.client.bulk_ready()

    def _connection_changed(self, connected: bool) -> None:
        if not connected:
            return
        self._sent.clear()
        self._pending.update(self._deferred)
        self._deferred.clear()
        for state in self.hub.states.all():
            if self._wanted(state.entity_id):
                self._pending[state.entity_id] = state
        self.client.bulk_ready()

    def take(self, limit: int) -> list[tuple[str, bytes, int, bool]]:
        """Up to ``limit`` of the oldest pending states, within this tick's budget."""
        count = min(limit, self._budget, len(self._pending))
        if count <= 0:
            return []
        if self._tick is None:
            # Pacing towards the broker, not community time: on the loop's clock, so a hub
            # on a manual clock in a test still streams.
            self._tick = asyncio.get_running_loop().call_later(TICK, self._next_tick)
        self._budget -= count
        pop = self._pending.popitem
        taken = [pop(last=False) for _ in range(count)]
        self._sent.update(entity_id for entity_id, _ in taken)
        return self._messages(taken)

    def lost(self, topics: list[str]) -> None:
        """Messages the connection lost: every connect republishes the states there are, so
        only removals need sending again (else the broker keeps a removed entity's state)."""
        for topic in topics:
            entity_id = topic[len(self.prefix) :]
            if self.hub.states.get(entity_id) is None and entity_id not in self._deferred:
                self._pending.setdefault(entity_id, None)
        self.client.bulk_ready()

    def _next_tick(self) -> None:
        self._tick = None
        self._budget = PER_TICK
        self._sent.clear()
        self._pending.update(self._deferred)
        self._deferred.clear()
        if self._pending:
            self.client.bulk_ready()

    def _messages(self, states: Iterable[tuple[str, State | None]]) -> list[tuple[str, bytes, int, bool]]:
        """The retained messages for ``(entity_id, newest state)`` pairs (an empty payload clears
        a removed entity's topic), without the entities whose state cannot be written."""
        messages = []
        for entity_id, state in states:
            payload = b"" if state is None else self.writer.dumps(entity_id, state_document(state))
            if payload is not None:
                messages.append((self.prefix + entity_id, payload, self.qos, True))
        self.published += len(messages)
        return messages
