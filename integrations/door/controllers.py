"""Offline door controllers: the hub keeps each one's whitelist in step, and takes in the
decisions it made alone (issue 9 §6; the protocol is docs/device-protocol.md's "Offline door
controllers").

A controller that loses the hub must go on deciding, and only for credentials it was given
(fail-secure). So the hub pushes each controller the part of access's whitelist covering
its doors: the full list on first contact or when it is too far behind, a delta after each
change. Changes are gathered for a moment (``QUIET``, at most ``MAX_WAIT``): a 100,000-card
import reaches a controller as one delta, and any change reaches every reachable controller
within seconds. A controller confirms each version with the count of entries it holds; one
that stays behind longer than ``GRACE``, or holds the expected version with another count,
is *out of step*: an event lists the difference and the hub sends the full list again.

Decisions made alone come back as events with the controller's own ids; they land in the
access log through ``Access.record_offline`` keyed ``<controller>:<event id>``, so an upload
repeated (its acknowledgement lost) lands once. The hub acknowledges each upload with the
ids now in the log, and the controller forgets them.

Which controller serves which door: the doors whose ``controller:`` names it (the
simulator's readers are each the controller of their own door: ``controller: b1-u1`` at door
``b1-u1``).
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from jsonschema import Draft202012Validator

from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.rowstore import RowStore
from xiaoqu.core.util import await_me_maybe
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.access.offline import Sender, Upload
from xiaoqu.integrations.mqtt.device_protocol import device_time, load_schema

from .controller_entity import ControllerEntity
from .controller_whitelist import Expected, messages
from .devices import controller_doors

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: Seconds without a further change before a batch of changes is pushed, and the longest a
#: change waits while changes keep coming.
QUIET: Final = 0.5
MAX_WAIT: Final = 3.0
#: Seconds an online controller may stay behind before it is out of step, and how often
#: the hub looks.
GRACE: Final = 30.0
CHECK_EVERY: Final = 10.0

STORE_FILE: Final = "door_controllers.db"
TABLE: Final = "controllers"

EVENT_OUT_OF_STEP: Final = "door_controller_out_of_step"
"""A controller does not hold what it should: ``{controller, name, expected_version,
expected_count, confirmed_version, confirmed_count, last_sync, difference}``."""
EVENT_IN_STEP: Final = "door_controller_in_step"
"""An out-of-step controller confirmed what it should hold: ``{controller, name, version, count}``."""

#: Told each controller's status as it comes: ``(controller, online, reason)`` (the doors
#: it serves follow it: ``Doors.controller_status``).
Presence = Callable[[str, bool, str | None], None]


class WhitelistSource(Protocol):
    """What the hub needs of access (``xiaoqu.integrations.access.Access``)."""

    def whitelist(self, doors: Collection[str], keys: Iterable[str] | None = None) -> dict[str, Any]: ...

    def whitelists(self, controllers: Mapping[str, Collection[str]],
                   keys: Iterable[str] | None = None) -> dict[str, dict[str, Any]]: ...

    def listen(self, callback: Callable[[set[str] | None], None]) -> Callable[[], None]: ...

    async def record_offline(self, decisions: Iterable[Mapping[str, Any]], sender: Sender) -> Upload: ...


@dataclass(slots=True)
class Controller:
    """One controller: what it should hold (``expected``) and what it last said it holds."""

    id: str
    name: str
    expected: Expected
    online: bool | None = None
    confirmed_version: int | None = None
    confirmed_count: int | None = None
    last_sync: float | None = None
    #: since when (epoch) it has not held the expected version; None while in step
    behind_since: float | None = None
    out_of_step: bool = False
    entity: ControllerEntity | None = field(default=None, repr=False)

    @property
    def doors(self) -> frozenset[str]:
        return self.expected.doors

    @property
    def in_step(self) -> bool:
        return self.confirmed_version == self.expected.version and self.confirmed_count == self.expected.count

    @property
    def state(self) -> str:
        """What the entity shows: offline, out_of_step, in_step, behind, or unknown (never heard)."""
        if self.online is False:
            return "offline"
        if self.out_of_step:
            return "out_of_step"
        if self.confirmed_version is None:
            return "unknown"
        return "in_step" if self.in_step else "behind"

    def difference(self) -> str:
        """``confirmed version 11 of 12 (1 behind); 1203 entries of 1204 (1 missing)``."""
        expected = self.expected
        if self.confirmed_version is None:
            return f"nothing confirmed; expected version {expected.version} with {expected.count} entries"
        parts = [f"confirmed version {self.confirmed_version} of {expected.version}"]
        if self.confirmed_version < expected.version:
            parts[0] += f" ({expected.version - self.confirmed_version} behind)"
        count = self.confirmed_count or 0
        words = f"{count} entries of {expected.count}"
        if count != expected.count:
            words += f" ({abs(expected.count - count)} {'missing' if count < expected.count else 'too many'})"
        return "; ".join([*parts, words])

    def as_dict(self, tz: Any) -> dict[str, Any]:
        return {
            "controller": self.id,
            "name": self.name,
            "doors": sorted(self.doors),
            "state": self.state,
            "online": self.online,
            "expected_version": self.expected.version,
            "expected_count": self.expected.count,
            "confirmed_version": self.confirmed_version,
            "confirmed_count": self.confirmed_count,
            "last_sync": None if self.last_sync is None else datetime.fromtimestamp(self.last_sync, tz).isoformat(),
            "in_step": self.in_step,
        }


class ControllerSync:
    """Keeps every offline controller's whitelist in step; takes in what they decided alone."""

    def __init__(self, hub: Hub, access: WhitelistSource, controllers: Mapping[str, tuple[str, frozenset[str]]],
                 presence: Presence | None = None) -> None:
        self.hub = hub
        self.access = access
        self.presence = presence
        self.root = mqtt.topic_root(hub)
        self.tz = str(hub.clock.tz)
        self.controllers = {cid: Controller(cid, name, Expected(cid, doors)) for cid, (name, doors) in controllers.items()}
        assert hub.config.data_dir is not None
        self.store = RowStore(hub.config.data_dir / STORE_FILE, [TABLE])
        self._pending: set[str] = set()
        self._everything = False
        self._first_change: float | None = None
        self._flush_timer: TimerHandle | None = None
        self._check_timer: TimerHandle | None = None
        self._undo: list[Callable[[], Any]] = []
        self._saving: set[asyncio.Task[None]] = set()
        self._status_validator = Draft202012Validator(load_schema("controller_status"))
        self._log = RateLimitedLog(_LOGGER, hub.clock.time)

    # --- start and stop -----------------------------------------------------------------

    async def start(self) -> None:
        """Load what each controller should hold, show it (an entity each), then listen to
        access and to the controllers."""
        await self.store.open()
        self._undo.append(self.store.close)
        stored = dict(await self.store.load(TABLE))
        now = int(self.hub.clock.time())
        whitelists = self.access.whitelists(self._doors())
        for controller in self.controllers.values():
            doc = stored.get(controller.id) or {}
            whitelist = whitelists.pop(controller.id)  # each list freed once taken in
            # A controller never seen starts a lineage above any version an older hub gave.
            controller.expected.load(whitelist, doc.get("version", now), doc.get("digest"))
            controller.confirmed_version = doc.get("confirmed_version")
            controller.confirmed_count = doc.get("confirmed_count")
            controller.last_sync = doc.get("last_sync")
            await self._save(controller)
            controller.entity = ControllerEntity(controller)
        await self.hub.entities.add("door", [c.entity for c in self.controllers.values() if c.entity is not None])
        self._undo.append(self.access.listen(self._changed))
        self._undo.append(mqtt.register_device_message(self.hub, "controller/sync", "controller_sync", self._on_sync))
        self._undo.append(mqtt.register_device_message(self.hub, "controller/events", "controller_events", self._on_events))
        # Its own subscription, not the router's: the retained statuses arrive now, when the
        # handlers are there, and each online controller is brought up to date at once.
        self._undo.append(await mqtt.subscribe(self.hub, f"{self.root}/controller/+/status", self._on_status, qos=1))
        self._check_timer = self.hub.clock.call_later(CHECK_EVERY, self._check)

    def _doors(self) -> dict[str, frozenset[str]]:
        """Each controller's doors: what one walk over access's credentials answers for all of them."""
        return {controller.id: controller.doors for controller in self.controllers.values()}

    async def stop(self) -> None:
        for timer in (self._flush_timer, self._check_timer):
            if timer is not None:
                timer.cancel()
        self._flush_timer = self._check_timer = None
        await asyncio.gather(*self._saving)
        while self._undo:
            await await_me_maybe(self._undo.pop()())

    async def _save(self, controller: Controller) -> None:
        expected = controller.expected
        await self.store.put(TABLE, controller.id, {
            "version": expected.version, "digest": expected.digest, "count": expected.count,
            "confirmed_version": controller.confirmed_version, "confirmed_count": controller.confirmed_count,
            "last_sync": controller.last_sync,
        })

    def _saved(self, controller: Controller) -> None:
        if controller.entity is not None:
            controller.entity.write_state()
        task = self.hub.create_task(self._save(controller), name=f"door controller {controller.id} saved")
        self._saving.add(task)
        task.add_done_callback(self._saving.discard)

    # --- changes from access ------------------------------------------------------------

    def _changed(self, keys: set[str] | None) -> None:
        """Access says these credentials' entries may have changed (None: any of them)."""
        if keys is None:
            self._everything = True
        else:
            self._pending |= keys
        now = self.hub.clock.time()
        if self._first_change is None:
            self._first_change = now
        if self._flush_timer is not None:
            self._flush_timer.cancel()
        delay = min(QUIET, self._first_change + MAX_WAIT - now)
        self._flush_timer = self.hub.clock.call_later(max(0.0, delay), self.flush)

    def flush(self) -> None:
        """Turn the changes gathered so far into a new version for each controller they
        touch, and push it as a delta to those that are online."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        keys = None if self._everything else self._pending
        self._pending, self._everything, self._first_change = set(), False, None
        if keys is not None and not keys:
            return
        whitelists = self.access.whitelists(self._doors(), keys)
        for controller in self.controllers.values():
            whitelist = whitelists.pop(controller.id)
            expected = controller.expected
            change = expected.update(whitelist, keys)
            if not change:
                continue
            if controller.online:
                self._send_delta(controller, expected.version - 1, change.keys, whitelist, change.meta)
            self._note_behind(controller)
            self._saved(controller)

    # --- what controllers say -----------------------------------------------------------

    def _send(self, controller: Controller, payloads: list[str]) -> None:
        topic = f"{self.root}/controller/{controller.id}/whitelist"
        for payload in payloads:
            mqtt.publish_nowait(self.hub, topic, payload, qos=1)

    def catch_up(self, controller: Controller, version: int | None, *, full: bool = False) -> None:
        """Bring ``controller`` from ``version`` to the expected one: a delta of what it missed,
        the full list when it is too far behind (or asks), or an empty delta when it is
        current (which tells it the hub is there: it confirms and uploads its decisions).
        Changes not pushed yet are to be flushed first (:meth:`_settle`), so what it gets is
        exactly the version it is told."""
        expected = controller.expected
        missed = None if full or version is None else expected.missed_since(version)
        if missed is None:
            entries = self.access.whitelist(controller.doors).get("entries") or {}
            self._send(controller, messages(version=expected.version, count=expected.count, entries=entries,
                                            meta=expected.meta_value, tz=self.tz))
        else:
            assert version is not None
            whitelist = self.access.whitelist(controller.doors, missed.keys) if missed.keys else {}
            self._send_delta(controller, version, missed.keys, whitelist, missed.meta)

    def _send_delta(self, controller: Controller, base: int, keys: Collection[str], whitelist: Mapping[str, Any],
                    meta: bool) -> None:
        """The delta from ``base``: ``keys`` in ``whitelist`` put, the others removed."""
        expected = controller.expected
        entries = whitelist.get("entries") or {}
        self._send(controller, messages(
            version=expected.version, count=expected.count, base=base, tz=self.tz,
            entries={key: entries[key] for key in keys if key in entries},
            remove=[key for key in keys if key not in entries], meta=expected.meta_value if meta else None))

    def _settle(self) -> None:
        """Push the changes gathered so far now, before a controller is answered."""
        if self._pending or self._everything:
            self.flush()

    def _controller(self, device_id: str) -> Controller | None:
        controller = self.controllers.get(device_id)
        if controller is None:
            self._log.warning(("unknown", device_id), "Ignoring controller %s: not in door: controllers", device_id)
        return controller

    def _on_status(self, message: mqtt.ReceiveMessage) -> None:
        device_id = message.topic.rsplit("/", 2)[-2]
        controller = self._controller(device_id)
        if controller is None:
            return
        try:
            payload = message.json()
            self._status_validator.validate(payload)
        except Exception as err:  # the router counts and logs it; here it only changes nothing
            _LOGGER.debug("Ignoring a status of controller %s: %s", device_id, err)
            return
        self._settle()
        was_online = controller.online
        controller.online = payload["state"] == "online"
        if self.presence is not None:
            self.presence(controller.id, controller.online, None if controller.online else "its status is offline")
        # Back (or first heard of), or saying it holds another version: bring it up to date.
        if controller.online and (not was_online or payload.get("version") != controller.expected.version):
            controller.behind_since = None  # the grace starts again when it is back
            self.catch_up(controller, payload.get("version"))
            self._note_behind(controller)
        self._saved(controller)

    def _on_sync(self, message: mqtt.DeviceMessage, _reply: mqtt.Reply) -> None:
        controller = self._controller(message.device_id)
        if controller is None:
            return
        payload = message.payload
        version, count = payload["version"], payload["count"]
        self._settle()
        controller.online = True
        controller.confirmed_version, controller.confirmed_count = version, count
        controller.last_sync = self.hub.clock.time()
        expected = controller.expected
        if payload.get("full"):
            self.catch_up(controller, version, full=True)
        elif version == expected.version and count != expected.count:
            self._out_of_step(controller)
            self.catch_up(controller, None, full=True)
        elif version != expected.version:
            self.catch_up(controller, version)
        self._note_behind(controller)
        self._saved(controller)

    async def _on_events(self, message: mqtt.DeviceMessage, reply: mqtt.Reply) -> None:
        """Decisions made alone: into the access log (each once, by ``<controller>:<event id>``)
        as far as this controller could have made them — its doors, the list it was sent —
        then acknowledged, so the controller forgets them, the refused ones named as such."""
        controller = self._controller(message.device_id)
        if controller is None:
            return
        events = message.payload["events"]
        decisions = [{**event, "ts": device_time(event["ts"])} for event in events]
        sender = Sender(controller.id, controller.doors, controller.expected.entries)
        upload = await self.access.record_offline(decisions, sender)
        refused = set(upload.refused)
        reply({"accepted": [event["event_id"] for event in events if event["event_id"] not in refused],
               "refused": list(upload.refused), "recorded": upload.recorded})

    # --- in step or not -----------------------------------------------------------------

    def _note_behind(self, controller: Controller) -> None:
        if controller.in_step:
            controller.behind_since = None
            if controller.out_of_step:
                controller.out_of_step = False
                self.hub.bus.fire(EVENT_IN_STEP, {"controller": controller.id, "name": controller.name,
                                                  "version": controller.expected.version,
                                                  "count": controller.expected.count})
        elif controller.behind_since is None:
            controller.behind_since = self.hub.clock.time()

    def _out_of_step(self, controller: Controller) -> None:
        if controller.out_of_step:
            return
        controller.out_of_step = True
        data = {key: value for key, value in controller.as_dict(self.hub.clock.tz).items()
                if key in ("controller", "name", "expected_version", "expected_count", "confirmed_version",
                           "confirmed_count", "last_sync")}
        difference = controller.difference()
        _LOGGER.warning("Door controller %s is out of step: %s", controller.id, difference)
        self.hub.bus.fire(EVENT_OUT_OF_STEP, {**data, "difference": difference})

    def _check(self) -> None:
        """Every online controller behind for longer than ``GRACE`` is out of step, and gets
        the list again."""
        now = self.hub.clock.time()
        self._check_timer = self.hub.clock.call_later(CHECK_EVERY, self._check)
        self._settle()
        for controller in self.controllers.values():
            if controller.online and controller.behind_since is not None and now - controller.behind_since >= GRACE:
                self._out_of_step(controller)
                controller.behind_since = now
                self.catch_up(controller, controller.confirmed_version)
                self._saved(controller)

    def status(self, controller_id: str | None = None) -> dict[str, Any]:
        """``door.sync_status``'s answer: per controller, what it should hold and what it holds."""
        chosen = [self.controllers[controller_id]] if controller_id is not None else self.controllers.values()
        return {"controllers": [c.as_dict(self.hub.clock.tz) for c in chosen]}


#: The running sync (a key kept beside the one module that uses it).
DATA_CONTROLLERS: Final[HubKey[ControllerSync]] = HubKey("door_controllers")


async def set_up(hub: Hub, config: Mapping[str, Any], access: WhitelistSource,
                 presence: Presence | None = None) -> ControllerSync | None:
    """Start keeping the controllers of the ``door:`` section in step, with an entity each
    (none configured: nothing to do); ``presence`` is told their statuses."""
    controllers = controller_doors(config)
    if not controllers:
        return None
    sync = hub.data[DATA_CONTROLLERS] = ControllerSync(hub, access, controllers, presence)
    try:
        await sync.start()
    except BaseException:
        await sync.stop()
        hub.data.pop(DATA_CONTROLLERS, None)
        raise
    return sync


async def tear_down(hub: Hub) -> None:
    sync = hub.data.pop(DATA_CONTROLLERS, None)
    if sync is not None:
        await sync.stop()


def sync_status(hub: Hub, controller_id: str | None = None) -> dict[str, Any]:
    """The ``door.sync_status`` response (a service row in the door's table calls this)."""
    sync = hub.data.get(DATA_CONTROLLERS)
    if sync is None:
        return {"controllers": []}
    if controller_id is not None and controller_id not in sync.controllers:
        raise ValueError(f"no door controller {controller_id!r}; known: {', '.join(sorted(sync.controllers))}")
    return sync.status(controller_id)
