"""The door entity (domain ``door``) and its readers (``event`` entities).

:class:`DoorEntity` is the base class of every door, whoever drives it: it keeps the
door's :class:`~.status.DoorStatus`, runs its timers (the end of an unlock, held open, the
silence watchdog) on the hub's clock, fires the door events and writes the state. A
subclass says how a command reaches the controller (:meth:`DoorEntity.send_command`): the
device protocol's ``MqttDoor`` (``protocol.py``), or a vendor's plugin.

:class:`ReaderEntity` shows each decision a reader was answered with (an event entity: its
state is when it last read, its attributes what was decided and why); it is available while
its door is. The person and the credential are not in its state: states are streamed to
the broker and kept in history, and the access log is where who went through is kept.
"""
from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.entity import Entity
from xiaoqu.integrations.event.entity import EventEntity

from .const import (
    ATTR_AREA,
    ATTR_CONTACT,
    ATTR_CONTROLLER,
    ATTR_CREDENTIAL_TYPE,
    ATTR_DIRECTION,
    ATTR_DOOR,
    ATTR_EMERGENCY,
    ATTR_FAULT,
    ATTR_INTERLOCK,
    ATTR_KIND,
    ATTR_READERS,
    ATTR_REASON,
    ATTR_RULE,
    ATTR_UNLOCKED_BY,
    ATTR_UNLOCKED_UNTIL,
    DOMAIN,
    EVENT_DOOR_AVAILABLE,
    EVENT_DOOR_FAULT,
    EVENT_DOOR_FORCED,
    EVENT_DOOR_HELD_OPEN,
    EVENT_DOOR_UNAVAILABLE,
    READER_DENIED,
    READER_GRANTED,
    UnlockSource,
)
from .devices import door_device
from .status import DoorStatus

if TYPE_CHECKING:
    from collections.abc import Mapping

    from xiaoqu.core.clock import TimerHandle

    from .settings import DoorSettings, ReaderSettings


def _iso(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


class DoorEntity(Entity):
    """A door: locked, unlocked, open, forced, held_open, fault or unavailable.

    The hub calls :meth:`report_contact`, :meth:`report_fault` and :meth:`heard` with what
    the controller said, and :meth:`unlock` / :meth:`lock` to act; a subclass implements
    :meth:`send_command`.
    """

    domain = DOMAIN
    _attr_has_entity_name = True
    _attr_name = None

    def __init__(self, settings: DoorSettings) -> None:
        self.settings = settings
        self.status = DoorStatus()
        self.readers: list[ReaderEntity] = []
        self._attr_unique_id = settings.id
        self._attr_suggested_object_id = settings.id
        self._attr_device_info = door_device(settings)
        self._controller_online = True
        self._silent = False
        self._last_heard: float | None = None
        self._unlock_timer: TimerHandle | None = None
        self._held_timer: TimerHandle | None = None
        self._watchdog: TimerHandle | None = None

    @property
    def door_id(self) -> str:
        return self.settings.id

    @property
    def state(self) -> str | None:
        return self.status.state

    @property
    def available(self) -> bool:
        return self.status.online

    def domain_attributes(self) -> dict[str, Any]:
        status, settings = self.status, self.settings
        return {
            ATTR_DOOR: settings.id,
            ATTR_KIND: settings.kind.value,
            ATTR_AREA: settings.area,
            ATTR_READERS: [r.id for r in settings.readers],
            ATTR_CONTROLLER: settings.controller,
            ATTR_INTERLOCK: settings.interlock,
            ATTR_CONTACT: None if status.contact_open is None else "open" if status.contact_open else "closed",
            ATTR_UNLOCKED_BY: status.unlocked_by,
            ATTR_UNLOCKED_UNTIL: _iso(status.unlocked_until),
            ATTR_EMERGENCY: status.emergency,
            ATTR_FAULT: status.fault,
        }

    def send_command(self, action: str, duration: float | None = None, request_id: str | None = None) -> None:
        """Tell the controller to ``unlock`` (for ``duration`` seconds; None: until told),
        ``lock`` or ``hold_open`` (None: until told). A subclass implements it."""
        raise NotImplementedError(f"{type(self).__name__} does not say how to reach the door's controller")

    # --- what the hub does ------------------------------------------------------------

    def unlock(self, source: UnlockSource, seconds: float | None, by: str | None,
               request_id: str | None = None) -> bool:
        """Unlock for ``seconds`` (None: until locked); False when a stronger unlock already
        holds the door (an emergency, the day's first card), which then stays as it is."""
        assert self.hub is not None
        now = self.hub.clock.time()
        until = None if seconds is None else now + seconds
        if not self.status.unlocked(source, until, by):
            return False
        self._cancel_unlock_timer()
        if until is not None:
            end = self._unlock_expired if source in (UnlockSource.READER, UnlockSource.REMOTE) else self._unlock_ended
            self._unlock_timer = self.hub.clock.call_at(until, end)
        if source is UnlockSource.EMERGENCY:
            self.send_command("hold_open")
        elif source is UnlockSource.FIRST_CARD:
            self.send_command("unlock", None, request_id)
        else:
            self.send_command("unlock", seconds, request_id)
        self.write_state()
        return True

    def lock(self) -> None:
        """Lock now, whatever unlocked the door."""
        self._cancel_unlock_timer()
        self.status.locked()
        self.send_command("lock")
        self.write_state()

    def _unlock_expired(self) -> None:
        """A timed unlock ran out: the controller relocked by itself."""
        self._unlock_timer = None
        assert self.hub is not None
        if self.status.expire(self.hub.clock.time()):
            self.write_state()

    def _unlock_ended(self) -> None:
        """An unlock the controller holds until told (the first card's day) ran out."""
        self._unlock_timer = None
        self.lock()

    def _cancel_unlock_timer(self) -> None:
        if self._unlock_timer is not None:
            self._unlock_timer.cancel()
            self._unlock_timer = None

    # --- what the controller says --------------------------------------------------------

    def report_contact(self, is_open: bool) -> None:
        assert self.hub is not None
        now = self.hub.clock.time()
        was_open = bool(self.status.contact_open)
        if self.status.contact(is_open, now):
            self.fire(EVENT_DOOR_FORCED)
        if is_open and not was_open:
            self._held_timer = self.hub.clock.call_later(self.settings.held_open_seconds, self._check_held)
        elif not is_open and self._held_timer is not None:
            self._held_timer.cancel()
            self._held_timer = None
        if not is_open and self.status.unlock is None:
            self._cancel_unlock_timer()
        self.write_state()

    def _check_held(self) -> None:
        self._held_timer = None
        assert self.hub is not None
        if self.status.check_held(self.hub.clock.time(), self.settings.held_open_seconds):
            self.fire(EVENT_DOOR_HELD_OPEN, seconds=self.settings.held_open_seconds)
            self.write_state()

    def report_fault(self, fault: str | None) -> None:
        """The controller reports a fault in words (None: it is gone)."""
        if self.status.reported_fault(fault):
            self.fire(EVENT_DOOR_FAULT, reason=fault)
        self.write_state()

    # --- availability ----------------------------------------------------------------------

    def heard(self) -> None:
        """A message came from the door or one of its readers: it is alive."""
        assert self.hub is not None
        self._last_heard = self.hub.clock.time()
        if self._silent:
            self._silent = False
            self._availability_changed(None)
            self._arm_watchdog()

    def controller_status(self, online: bool, reason: str | None = None) -> None:
        """The door's controller said it is online or offline (its status, or its will)."""
        if online != self._controller_online:
            self._controller_online = online
            self._availability_changed(reason or f"controller {self.settings.controller} is offline")

    def start_watchdog(self) -> None:
        """Watch for silence (``offline_after``), counting from now."""
        assert self.hub is not None
        if self.settings.offline_after is not None:
            self._last_heard = self.hub.clock.time()
            self._arm_watchdog()

    def _arm_watchdog(self) -> None:
        assert self.hub is not None and self._last_heard is not None and self.settings.offline_after is not None
        self._watchdog = self.hub.clock.call_at(self._last_heard + self.settings.offline_after, self._watch)

    def _watch(self) -> None:
        """Due when the door would have been silent too long, unless it was heard since
        (then due again from that message): no timer is reset per message."""
        self._watchdog = None
        assert self.hub is not None and self._last_heard is not None and self.settings.offline_after is not None
        if self.hub.clock.time() - self._last_heard < self.settings.offline_after:
            self._arm_watchdog()
            return
        self._silent = True
        self._availability_changed(f"nothing heard from the door or its readers for {self.settings.offline_after:g} s")

    def _availability_changed(self, reason: str | None) -> None:
        online = self._controller_online and not self._silent
        if online == self.status.online:
            return
        self.status.online = online
        if online:
            self.fire(EVENT_DOOR_AVAILABLE)
        else:
            self.fire(EVENT_DOOR_UNAVAILABLE, reason=reason)
            self.fire(EVENT_DOOR_FAULT, reason=reason)
        self.write_state()
        for reader in self.readers:
            reader.write_state()

    async def will_remove_from_hub(self) -> None:
        self.stop_timers()

    def stop_timers(self) -> None:
        for timer in (self._unlock_timer, self._held_timer, self._watchdog):
            if timer is not None:
                timer.cancel()

    def fire(self, event_type: str, **data: Any) -> None:
        """Fire a door event with what every door event says: which door, where."""
        assert self.hub is not None
        settings = self.settings
        self.hub.bus.fire(event_type, {ATTR_DOOR: settings.id, "entity_id": self.entity_id, "name": settings.name,
                                       ATTR_AREA: settings.area, **data})


class ReaderEntity(EventEntity):
    """A reader at a door: an event per credential it read, ``granted`` or ``denied``."""

    _attr_has_entity_name = True
    _attr_event_types = [READER_GRANTED, READER_DENIED]

    def __init__(self, settings: ReaderSettings, door: DoorEntity) -> None:
        self.settings = settings
        self.door = door
        several = len(door.settings.readers) > 1
        self._attr_name = f"Reader {settings.id}" if several else "Reader"
        self._attr_unique_id = f"reader_{settings.id}"
        self._attr_suggested_object_id = f"{settings.id}_reader"
        self._attr_device_info = door_device(door.settings)
        self._attr_extra_state_attributes = {ATTR_DOOR: door.door_id, ATTR_DIRECTION: settings.direction}
        door.readers.append(self)

    @property
    def available(self) -> bool:
        return self.door.available

    def answered(self, credential_type: str, answer: Mapping[str, Any]) -> None:
        """The reader was answered (``granted``, ``reason``, ``rule``)."""
        self.trigger_event(READER_GRANTED if answer.get("granted") else READER_DENIED, {
            ATTR_CREDENTIAL_TYPE: credential_type,
            ATTR_REASON: answer.get("reason"),
            ATTR_RULE: answer.get("rule"),
        })
        self.write_state()
