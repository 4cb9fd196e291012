"""The state stream: every entity's state, retained, on ``xiaoqu/<site>/state/<entity_id>``.

Payload: ``{"state": ..., "attributes": {...}, "last_changed": ISO 8601}`` (schema
``entity_state``); an entity that goes away gets an empty retained message, which clears it.

Publishing must never slow the bus: a change only records the entity's newest state and
asks for a flush at the next turn of the loop, so a burst of changes to one entity becomes
one message. While the broker falls behind (the outbox holds more than ``BACKLOG``
messages) flushes wait, and each entity's changes keep collapsing into its latest state.
Every connect republishes all states, since a restarted broker may have lost them.
"""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from core.const import EVENT_STATE_CHANGED

if TYPE_CHECKING:
    from core.bus import Event
    from core.hub import Hub
    from core.states import State

    from .client import MqttClient

_LOGGER = logging.getLogger(__name__)
_UTC = ZoneInfo("UTC")

#: Outbox length above which flushes wait for the broker to catch up.
BACKLOG = 1000
RETRY_DELAY = 0.05


def state_payload(state: State) -> bytes:
    return json.dumps(
        {
            "state": state.state,
            "attributes": dict(state.attributes),
            "last_changed": datetime.fromtimestamp(state.last_changed, _UTC).isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
        default=str,
    ).encode("utf-8")


class StateStream:
    def __init__(self, hub: Hub, client: MqttClient, options: dict[str, Any]) -> None:
        self.hub = hub
        self.client = client
        self.prefix = f"{hub.config.topic_root}/state/"
        self.domains = frozenset(options["domains"]) if options.get("domains") else None
        self.qos = options.get("qos", 1)
        self._pending: dict[str, State | None] = {}
        self._scheduled: asyncio.TimerHandle | asyncio.Handle | None = None
        self._unsubscribe: list[Any] = []
        #: Messages written by the stream (each entity's change counts once per flush).
        self.published = 0
        self.coalesced = 0

    def start(self) -> None:
        self._unsubscribe = [
            self.hub.bus.listen(EVENT_STATE_CHANGED, self._changed),
            self.client.on_connection_change(self._connection_changed),
        ]

    def stop(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        self._flush()

    def _wanted(self, entity_id: str) -> bool:
        return self.domains is None or entity_id.partition(".")[0] in self.domains

    def _changed(self, event: Event) -> None:
        entity_id: str = event.data["entity_id"]
        if self.domains is not None and not self._wanted(entity_id):
            return
        if entity_id in self._pending:
            self.coalesced += 1
        self._pending[entity_id] = event.data["new_state"]
        if self._scheduled is None:
            self._scheduled = asyncio.get_running_loop().call_soon(self._flush_soon)

    def _connection_changed(self, connected: bool) -> None:
        if not connected:
            return
        for state in self.hub.states.all():
            if self._wanted(state.entity_id):
                self._pending[state.entity_id] = state
        if self._scheduled is None:
            self._scheduled = asyncio.get_running_loop().call_soon(self._flush_soon)

    def _flush_soon(self) -> None:
        self._scheduled = None
        if self.client.backlog > BACKLOG:
            self._scheduled = asyncio.get_running_loop().call_later(RETRY_DELAY, self._flush_soon)
            return
        self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        publish = self.client.publish_nowait
        for entity_id, state in pending.items():
            payload = b"" if state is None else state_payload(state)
            publish(self.prefix + entity_id, payload, self.qos, True)
        self.published += len(pending)
