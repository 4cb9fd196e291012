"""Door controllers that keep deciding when the hub is silent, as the device protocol asks of
them (docs/device-protocol.md, "Offline door controllers").

Each reader's controller holds the whitelist the hub pushes (``controller/<id>/whitelist``:
a full list or a delta, in chunks, versioned), confirms what it holds
(``controller/<id>/sync``), and says it is there with a retained status whose last will says
it is gone. While the hub is away (its status ``offline``, the broker out of reach, or no
answer in time) the reader asks its controller instead: a credential on the list, for this
door, valid now and inside its schedule, opens; anything else is refused — a controller
never waves through what it was not given. Each decision made alone is kept with an event id
and uploaded (``controller/<id>/events``) once the hub is heard again, until the hub
acknowledges it (``controller/<id>/ack``).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections import OrderedDict
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from .context import SimContext
from .estate import Reader
from .link import Broker, DeviceConnection, Presence

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

#: Decisions per upload (controller_events.json allows 500), and real seconds to wait for
#: the hub's acknowledgement before sending them again.
UPLOAD_BATCH: Final = 100
ACK_TIMEOUT: Final = 10.0
#: What a controller keeps while the hub is away (a real one's flash); the oldest go first.
MAX_EVENTS: Final = 100_000


def card_key(value: str) -> str | None:
    """The whitelist key of a card as a reader sends it: 8 hex digits, 10 decimal digits, or
    a Wiegand-26 pair ``facility,number``."""
    text = value.replace(" ", "")
    if "," in text:
        facility, _, number = text.partition(",")
        return f"w26:{int(facility)},{int(number)}" if facility.isdigit() and number.isdigit() else None
    if len(text) == 10 and text.isdigit() and int(text) <= 0xFFFFFFFF:
        return f"card:{int(text):08X}"
    if len(text) == 8:
        try:
            return f"card:{int(text, 16):08X}"
        except ValueError:
            return None
    return None


def credential_key(kind: str, value: str, digest_key: bytes | None) -> str | None:
    """The whitelist key of what a reader read: a card by its UID (or Wiegand-26 pair), a
    QR token or PIN by its HMAC-SHA256 under the whitelist's digest key (none held: no key,
    so refused), a face id or plate as it is."""
    if kind == "card":
        return card_key(value)
    if kind in ("qr", "pin"):
        if digest_key is None:
            return None
        return f"{kind}:{hmac.new(digest_key, value.encode(), hashlib.sha256).hexdigest()}"
    return f"{kind}:{value}"


def _minutes(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 60 + int(minutes)


class Whitelist:
    """What the hub gave: entries by key, schedules, holidays and make-up days, a version."""

    def __init__(self) -> None:
        self.version = 0
        self.entries: dict[str, dict[str, Any]] = {}
        self.schedules: dict[str, dict[str, Any]] = {}
        self.holidays: frozenset[str] = frozenset()
        self.workdays: frozenset[str] = frozenset()
        self.digest_key: bytes | None = None
        self.tz: tzinfo | None = None

    def apply(self, parts: list[dict[str, Any]]) -> bool:
        """Apply one version's chunks; False when it is a delta on another version than held."""
        head = parts[0]
        if head["mode"] == "delta" and head.get("base") != self.version:
            return False
        if head["mode"] == "full":
            self.entries = {}
        for part in parts:
            self.entries.update(part.get("put") or {})
            for key in part.get("remove") or ():
                self.entries.pop(key, None)
        if "schedules" in head:
            self.schedules = head["schedules"]
            self.holidays = frozenset(head.get("holidays") or ())
            self.workdays = frozenset(head.get("workdays") or ())
            self.digest_key = bytes.fromhex(head["digest_key"]) if head.get("digest_key") else None
        if "tz" in head:
            self.tz = ZoneInfo(head["tz"])
        self.version = head["version"]
        return True

    def decide(self, kind: str, value: str, door: str, now: float) -> tuple[bool, str, str | None, str | None]:
        """(granted, reason, key, person) from the list alone; unknown means refused."""
        key = credential_key(kind, value, self.digest_key)
        entry = self.entries.get(key) if key is not None else None
        if entry is None:
            return False, "offline: not on this controller's list", key, None
        person = entry.get("person")
        doors = entry.get("doors") or {}
        if door not in doors:
            return False, f"offline: not for door {door}", key, person
        if entry.get("from") is not None and now < entry["from"] or entry.get("until") is not None and now >= entry["until"]:
            return False, "offline: not valid now", key, person
        schedule_id = doors[door]
        if schedule_id is not None and not self._open(schedule_id, now):
            return False, f"offline: outside schedule {schedule_id}", key, person
        return True, f"offline: on the list ({schedule_id or 'any time'})", key, person

    def _open(self, schedule_id: str, now: float) -> bool:
        schedule = self.schedules.get(schedule_id)
        if schedule is None:  # a schedule it was not given opens nothing
            return False
        local = datetime.fromtimestamp(now, self.tz)
        day, minute = local.date().isoformat(), local.hour * 60 + local.minute
        if day in self.holidays:
            windows = schedule.get("holiday_windows") or []
        elif day in self.workdays:
            windows = schedule.get("make_up_windows") or []
        else:
            windows = [w[1:] for w in schedule.get("windows") or () if w[0] == local.weekday()]
        return any(_minutes(start) <= minute < _minutes(end) for start, end in windows)


class OfflineController:
    """One reader's controller on its own MQTT connection (its own status and last will)."""

    def __init__(self, ctx: SimContext, reader: Reader, connection: DeviceConnection) -> None:
        self.ctx = ctx
        self.id = reader.id
        self.door = reader.id
        self.connection = connection
        self.whitelist = Whitelist()
        self.hub_online: bool | None = None
        self.decided_alone = {"granted": 0, "denied": 0}
        #: Decisions made alone, not yet acknowledged: event id → event.
        self.unsent: OrderedDict[str, dict[str, Any]] = OrderedDict()
        #: Event ids are never reused, even after a restart: the hub keeps each id once.
        self._events = f"{self.id}-{int(ctx.hub.clock.time()):x}"
        self._chunks: dict[int, dict[str, Any]] = {}
        self._upload: tuple[str, TimerHandle] | None = None
        connection.subscribe(self._topic("whitelist"), self._json(self._on_whitelist))
        connection.subscribe(self._topic("ack"), self._json(self._on_ack))
        connection.subscribe(f"{ctx.root}/status", self._on_hub_status)
        self._announce()

    def _topic(self, message: str) -> str:
        return self.ctx.topic("controller", self.id, message)

    def _json(self, handler: Any) -> Any:
        def receive(_topic: str, payload: bytes) -> None:
            try:
                data = json.loads(payload)
            except ValueError:
                return
            if isinstance(data, dict):
                handler(data)
        return receive

    def _announce(self) -> None:
        """The retained status says what it holds, so a hub starting later finds it; set as
        the connection's presence, it is sent again on every reconnect."""
        online = {"state": "online", "version": self.whitelist.version, "count": len(self.whitelist.entries)}
        self.connection.presence = Presence(self._topic("status"), json.dumps(online).encode(), b'{"state":"offline"}')
        if self.connection.connected:
            self.connection.publish(self._topic("status"), online, retain=True)

    @property
    def hub_reachable(self) -> bool:
        return bool(self.hub_online) and self.connection.connected

    # --- from the hub -------------------------------------------------------------------

    def _on_hub_status(self, _topic: str, payload: bytes) -> None:
        self.hub_online = payload == b"online"
        if self.hub_online:
            self._sync()
            self.upload()

    def _on_whitelist(self, payload: dict[str, Any]) -> None:
        version, chunk, chunks = payload.get("version"), payload.get("chunk"), payload.get("chunks")
        if not (isinstance(version, int) and isinstance(chunk, int) and isinstance(chunks, int)):
            return
        if self._chunks and next(iter(self._chunks.values()))["version"] != version:
            self._chunks.clear()  # a version's chunks come in order: the older one lost some
        self._chunks[chunk] = payload
        if len(self._chunks) < chunks:
            return
        parts = [self._chunks[i] for i in range(chunks)]
        self._chunks.clear()
        full = False
        held = (self.whitelist.version, len(self.whitelist.entries))
        if self.whitelist.apply(parts):
            if (self.whitelist.version, len(self.whitelist.entries)) != held:
                self._announce()
            full = len(self.whitelist.entries) != parts[0]["count"]  # damaged: ask for the whole list
        self._sync(full=full)
        self.upload(again=True)  # the hub's door side is listening: what it may have missed goes again

    def _sync(self, full: bool = False) -> None:
        payload: dict[str, Any] = {"version": self.whitelist.version, "count": len(self.whitelist.entries),
                                   "ts": self.ctx.stamp()}
        if full:
            payload["full"] = True
        self.connection.publish(self._topic("sync"), payload)

    def _on_ack(self, payload: dict[str, Any]) -> None:
        for event_id in payload.get("accepted") or ():
            self.unsent.pop(event_id, None)
        if self._upload is not None and payload.get("request_id") == self._upload[0]:
            self._upload[1].cancel()
            self._upload = None
            self.upload()

    # --- deciding alone -----------------------------------------------------------------

    def decide(self, kind: str, value: str) -> bool:
        """Decide from the whitelist alone; the decision is kept for the hub."""
        ctx = self.ctx
        now = ctx.stamp()
        granted, reason, key, person = self.whitelist.decide(kind, value, self.door, now)
        self.decided_alone["granted" if granted else "denied"] += 1
        event_id = ctx.next_id(self._events)
        self.unsent[event_id] = {"event_id": event_id, "ts": now, "door": self.door, "type": kind, "value": value,
                                 "granted": granted, "reason": reason, "key": key, "person": person,
                                 "version": self.whitelist.version}
        if len(self.unsent) > MAX_EVENTS:
            self.unsent.popitem(last=False)
        return granted

    def upload(self, again: bool = False) -> None:
        """Send the oldest unacknowledged decisions, one batch at a time, while the hub is
        there; ``again``: even when a batch is waiting for its acknowledgement (a batch sent
        twice lands once: the hub knows its event ids)."""
        if self._upload is not None and again:
            self._upload[1].cancel()
            self._upload = None
        if self._upload is not None or not self.unsent or not self.hub_reachable:
            return
        request_id = self.ctx.next_id(f"{self.id}-up")
        events = [self.unsent[event_id] for event_id in list(self.unsent)[:UPLOAD_BATCH]]
        self._upload = (request_id, self.ctx.timers.later(ACK_TIMEOUT, self._unacknowledged))
        self.connection.publish(self._topic("events"), {"request_id": request_id, "events": events})

    def _unacknowledged(self) -> None:
        self._upload = None
        self.upload()


def controller_connection(hub: Hub, broker: Broker, reader: Reader) -> DeviceConnection:
    """A controller's own connection: its status is retained, with ``offline`` as last will."""
    return DeviceConnection(hub, broker, f"xiaoqu-sim-controller-{hub.config.site}-{reader.id}")
