"""What a subscriber receives, what a stream cannot send, and the counters the integration keeps."""
from __future__ import annotations

import codecs
import json
import logging
from collections import Counter, OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xiaoqu.core.payload import PayloadError, clean_text, loads

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
        """The payload as text; raises UnicodeError when it is not ``encoding`` (a codec
        :func:`text_codec` accepted).

        UTF-8 cannot carry a lone surrogate; codecs that can make one (``utf-7``,
        ``unicode_escape``) have it replaced, as ``core.payload`` does.
        """
        if encoding != "utf-8":
            return clean_text(self.payload.decode(encoding))
        if self._text is _MISSING:
            self._text = self.payload.decode("utf-8")
        return self._text

    def json(self) -> Any:
        """The payload parsed as outside JSON (``core.payload``: lone surrogates replaced, no
        deeper than ``MAX_DEPTH``); raises ``PayloadError`` (a ValueError) saying why it is not.

        A refusal is remembered too: every subscriber of a bad payload gets the same error
        without parsing it again.
        """
        if self._json is _MISSING:
            try:
                self._json = loads(self.payload)
            except PayloadError as err:
                self._json = err
        if isinstance(self._json, PayloadError):
            raise self._json
        return self._json

    def __repr__(self) -> str:
        return f"<ReceiveMessage {self.topic} qos={self.qos} retain={self.retain} {self.payload[:40]!r}>"


def text_codec(name: str) -> str:
    """``name`` when Python decodes bytes to text with it (``utf-8``, ``gbk``); ValueError otherwise.

    Checked where a config names a codec (a discovery config's ``encoding``, which whoever
    may publish one chooses): an unknown one, or one that does not make text (``rot13``,
    ``hex``), is refused with the config instead of failing at every message.
    """
    try:
        codecs.lookup(name)
    except LookupError:
        raise ValueError(f"unknown encoding '{name}'") from None
    try:
        "a".encode(name).decode(name)
    except (LookupError, UnicodeError):
        raise ValueError(f"encoding '{name}' does not decode bytes to text") from None
    return name


class JsonWriter:
    """What the streams of the hub's own states (the state stream, discovery out) send, as
    JSON; an entity whose state cannot be written is left out, counted and logged.

    A state comes from any integration, and one that holds what JSON cannot carry (half a
    surrogate pair, nesting past the recursion limit) must cost neither the other entities
    sent with it nor the log: it is logged once a minute, naming the entity.
    """

    def __init__(self, logger: logging.Logger, clock: Callable[[], float], stream: str) -> None:
        self.stream = stream
        #: Messages left out because their entity's state could not be written.
        self.left_out = 0
        self._log = RateLimitedLog(logger, clock)

    def dumps(self, entity_id: str, value: Any) -> bytes | None:
        """``value`` as compact UTF-8 JSON (anything else as its text); None when it cannot be."""
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
        except (ValueError, TypeError, RecursionError) as err:
            self.left_out += 1
            self._log.warning(
                "unwritable", "The %s leaves out %s: its state cannot be written as JSON (%s)", self.stream, entity_id, err
            )
            return None


@dataclass(slots=True)
class MqttStats:
    """Counters behind ``hub.data[DATA_MQTT].stats`` and the diagnostics sensor."""

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
        return {name: getattr(self, name) for name in self.__slots__}


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

