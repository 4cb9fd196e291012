"""What every simulated device shares: the hub's clock, the seeded generator, the simulated
day, the act log, the gateway's MQTT connection and the device-protocol topic names."""
from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.mqtt import topic_root

from .actlog import ActLog
from .link import DeviceConnection
from .profile import SimClock

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)


class Timers:
    """Timers on the hub's clock that the simulator cancels all at once when it stops."""

    def __init__(self, hub: Hub) -> None:
        self._clock = hub.clock
        self._handles: set[TimerHandle] = set()

    def later(self, delay: float, callback: Callable[[], object]) -> TimerHandle:
        handle: TimerHandle

        def fire() -> None:
            self._handles.discard(handle)
            callback()

        handle = self._clock.call_later(max(0.0, delay), fire)
        self._handles.add(handle)
        return handle

    def cancel_all(self) -> None:
        for handle in self._handles:
            handle.cancel()
        self._handles.clear()


@dataclass(slots=True)
class SimContext:
    hub: Hub
    rng: random.Random
    sim: SimClock
    log: ActLog
    gateway: DeviceConnection
    timers: Timers
    _sequence: dict[str, int] = field(default_factory=dict)

    @property
    def root(self) -> str:
        return topic_root(self.hub)

    def topic(self, device_type: str, device_id: str, message: str) -> str:
        return f"{self.root}/{device_type}/{device_id}/{message}"

    def stamp(self) -> float:
        """A device's timestamp: the hub's time (not the simulated day), to the millisecond."""
        return round(self.hub.clock.time(), 3)

    def next_id(self, device_id: str) -> str:
        """``<device>-<n>``: request and scan ids, unique per device and run."""
        self._sequence[device_id] = self._sequence.get(device_id, 0) + 1
        return f"{device_id}-{self._sequence[device_id]:06d}"

    def publish(self, device_type: str, device_id: str, message: str, payload: dict[str, Any]) -> None:
        self.gateway.publish(self.topic(device_type, device_id, message), payload)

    def listen(self, device_type: str, device_id: str, message: str, handler: Callable[[dict[str, Any]], None]) -> None:
        """Call ``handler(payload)`` for each JSON object the hub sends to this device."""

        def receive(topic: str, payload: bytes) -> None:
            try:
                data = json.loads(payload)
            except ValueError:
                _LOGGER.debug("Simulated %s %s ignores a payload that is not JSON on %s", device_type, device_id, topic)
                return
            if isinstance(data, dict):
                handler(data)

        self.gateway.subscribe(self.topic(device_type, device_id, message), receive)
