"""What a subscriber receives, and the counters the integration keeps."""
from __future__ import annotations

import json
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable

# The client imports the rate-limited log from here.
from xiaoqu.core.ratelimit import RateLimitedLog as RateLimitedLog

_MISSING: Any = object()


class ReceiveMessage:
    """One message from the broker, shared by every callback whose filter matched it.

    ``payload`` is the raw bytes; ``text()`` and ``json()`` decode once and remember, so
    five sensors reading one Zigbee2MQTT state topic parse it once.
    """

    __slots__ = ("topic", "payload", "qos", "retain", "timestamp", "_text", "_json")

    def __init__(self, topic: str, payload: bytes, qos: int, retain: bool, timestamp: float) -> None:
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retain = retain
        self.timestamp = timestamp
        self._text: Any = _MISSING
        self._json: Any = _MISSING

    def text(self, encoding: str = "utf-8") -> str:
        """The payload as text; raises UnicodeDecodeError when it is not ``encoding``."""
        if encoding != "utf-8":
            return self.payload.decode(encoding)
        if self._text is _MISSING:
            self._text = self.payload.decode("utf-8")
        return self._text  # type: ignore[no-any-return]

    def json(self) -> Any:
        """The payload parsed as JSON; raises ValueError (or UnicodeDecodeError) when it is not."""
        if self._json is _MISSING:
            self._json = json.loads(self.payload)
        return self._json

    def __repr__(self) -> str:
        return f"<ReceiveMessage {self.topic} qos={self.qos} retain={self.retain} {self.payload[:40]!r}>"


@dataclass(slots=True)
class MqttStats:
    """Counters behind ``hub.data["mqtt"].stats`` and the diagnostics sensor."""

    connected: bool = False
    connects: int = 0
    disconnects: int = 0
    last_error: str | None = None
    received: int = 0
    incoming_dropped: int = 0
    unrouted: int = 0
    published: int = 0
    held_back: int = 0
    held_back_dropped: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]


#: Devices whose rejections are kept one by one; the least recently refused are forgotten
#: first (device names come from topics, which senders choose).
MAX_REJECTED_DEVICES = 1000


@dataclass(slots=True)
class Rejections:
    """Messages refused at the edge, counted per device and per reason.

    The device protocol, discovery and the entities all report here, so one sensor shows
    what arrived and did not fit. ``total`` and ``by_reason`` count everything;
    ``by_device`` keeps the ``max_devices`` devices refused most recently.
    """

    total: int = 0
    by_reason: Counter[str] = field(default_factory=Counter)
    by_device: OrderedDict[str, Counter[str]] = field(default_factory=OrderedDict)
    listeners: list[Callable[[], None]] = field(default_factory=list)
    max_devices: int = MAX_REJECTED_DEVICES

    def add(self, device: str, reason: str) -> None:
        self.total += 1
        self.by_reason[reason] += 1
        counts = self.by_device.get(device)
        if counts is None:
            counts = self.by_device[device] = Counter()
            if len(self.by_device) > self.max_devices:
                self.by_device.popitem(last=False)
        else:
            self.by_device.move_to_end(device)
        counts[reason] += 1
        for listener in self.listeners:
            listener()

    def as_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "by_reason": dict(self.by_reason),
            "by_device": {device: dict(counts) for device, counts in self.by_device.items()},
        }

