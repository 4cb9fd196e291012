"""The configured doors and their readers, and what staff and fire linkage do to them.

:class:`Doors` is what ``get_doors(hub)`` returns: the doors by id, the reader → door map,
the interlocked pairs and the controllers with their doors, so the reader handler, the
services and ``controllers.py`` ask one place. Staff acts (``door.unlock``, ``door.lock``,
``door.unlock_all``, ``door.restore``) are written to the audit log as the caller and fire
events naming them; a remote open also goes to the access log as a decision
(``Access.record_remote``: rule ``remote``, the member of staff as the credential), so a
door's history shows who opened it.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.validation import ENTITY_MATCH_ALL, ENTITY_MATCH_NONE

from .const import (
    AUDIT_LOCK,
    AUDIT_RESTORE,
    AUDIT_UNLOCK,
    AUDIT_UNLOCK_ALL,
    EVENT_DOOR_EMERGENCY,
    EVENT_DOOR_RESTORED,
    EVENT_DOOR_UNLOCKED,
    UnlockSource,
)
from .settings import interlock_pairs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.access.access import Access

    from .entities import DoorEntity, ReaderEntity

#: Who an act by no user is put down to: fire linkage runs as an automation.
_NOBODY = "hub"


class Doors:
    def __init__(self, hub: Hub, access: Access, doors: Iterable[DoorEntity], readers: Iterable[ReaderEntity],
                 controllers: Iterable[dict[str, Any]] = ()) -> None:
        self.hub = hub
        self.access = access
        self._doors = {door.door_id: door for door in doors}
        self._readers = {reader.settings.id: reader for reader in readers}
        self._partners = interlock_pairs([door.settings for door in self._doors.values()])
        #: The ``controllers:`` entries as configured (controllers.py reads them).
        self.controllers = {entry["id"]: entry for entry in controllers}
        self._on_stop: list[Callable[[], None]] = []

    def on_stop(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the hub stops (a handler to unregister, a timer to cancel)."""
        self._on_stop.append(callback)

    def close(self) -> None:
        while self._on_stop:
            self._on_stop.pop()()
        for door in self._doors.values():
            door.stop_timers()

    # --- look-ups -------------------------------------------------------------------------

    def door(self, door_id: str) -> DoorEntity | None:
        return self._doors.get(door_id)

    def reader(self, reader_id: str) -> ReaderEntity | None:
        return self._readers.get(reader_id)

    def doors(self) -> list[DoorEntity]:
        return list(self._doors.values())

    def doors_of(self, controller: str) -> list[DoorEntity]:
        """The doors a controller serves (what its whitelist covers)."""
        return [door for door in self._doors.values() if door.settings.controller == controller]

    def controller_status(self, controller: str, online: bool, reason: str | None = None) -> None:
        """A controller is online or offline: its doors and readers follow."""
        for door in self.doors_of(controller):
            door.controller_status(online, reason)

    def blocking_partner(self, door: DoorEntity) -> DoorEntity | None:
        """The interlocked door that keeps ``door`` shut now (not closed and locked), or None.
        A fire's emergency overrides interlocks."""
        partner_id = self._partners.get(door.door_id)
        partner = self._doors.get(partner_id) if partner_id is not None else None
        if partner is None or partner.status.closed_and_locked or partner.status.emergency:
            return None
        return partner

    def targets(self, entity_ids: str | list[str]) -> list[DoorEntity]:
        """The doors a call's ``entity_id`` names (``all``, ``none`` or ids)."""
        if entity_ids == ENTITY_MATCH_ALL:
            return self.doors()
        if entity_ids == ENTITY_MATCH_NONE:
            return []
        by_entity = {door.entity_id: door for door in self._doors.values()}
        found = []
        for entity_id in [entity_ids] if isinstance(entity_ids, str) else entity_ids:
            door = by_entity.get(entity_id)
            if door is None:
                raise HubError(f"door: no door entity {entity_id}")
            found.append(door)
        return found

    # --- staff acts -----------------------------------------------------------------------

    def caller(self, context: Context) -> str:
        """Who made a call, as the log and the events name them."""
        user = get_auth(self.hub).manager.user(context.user_id) if context.user_id is not None else None
        return user.name if user is not None else context.source or _NOBODY

    def remote_unlock(self, doors: list[DoorEntity], seconds: float | None, reason: str | None,
                      context: Context) -> None:
        """Staff open doors from the guard room (each for ``seconds``, else its ``unlock_seconds``)."""
        for door in doors:
            partner = self.blocking_partner(door)
            if partner is not None:
                raise ServiceValidationError(
                    f"{door.entity_id} is interlocked with {partner.entity_id}, which is {partner.state}; "
                    "it opens once that door is closed and locked")
        by = self.caller(context)
        for door in doors:
            duration = seconds if seconds is not None else door.settings.unlock_seconds
            if not door.unlock(UnlockSource.REMOTE, duration, by):
                continue
            details = {"door": door.door_id, "seconds": duration, "reason": reason}
            get_auth(self.hub).record(AUDIT_UNLOCK, context, **details)
            self.access.record_remote(door.door_id, by, reason, context)
            door.fire(EVENT_DOOR_UNLOCKED, source=UnlockSource.REMOTE.value, by=by, reason=reason, seconds=duration)

    def remote_lock(self, doors: list[DoorEntity], reason: str | None, context: Context) -> None:
        for door in doors:
            if door.status.emergency:
                raise ServiceValidationError(
                    f"{door.entity_id} is held open for an emergency (door.unlock_all); door.restore ends it")
        for door in doors:
            door.lock()
            get_auth(self.hub).record(AUDIT_LOCK, context, door=door.door_id, reason=reason)

    def unlock_all(self, reason: str | None, context: Context) -> None:
        """Fire linkage: every door held open until :meth:`restore`."""
        by = self.caller(context)
        opened = [door.door_id for door in self._doors.values() if door.unlock(UnlockSource.EMERGENCY, None, by)]
        get_auth(self.hub).record(AUDIT_UNLOCK_ALL, context, doors=opened, reason=reason)
        self.hub.bus.fire(EVENT_DOOR_EMERGENCY, {"doors": opened, "by": by, "reason": reason}, context=context)

    def restore(self, reason: str | None, context: Context) -> None:
        """The emergency is over: every door it held open locks again."""
        by = self.caller(context)
        restored = []
        for door in self._doors.values():
            if door.status.emergency:
                door.lock()
                restored.append(door.door_id)
        get_auth(self.hub).record(AUDIT_RESTORE, context, doors=restored, reason=reason)
        self.hub.bus.fire(EVENT_DOOR_RESTORED, {"doors": restored, "by": by, "reason": reason}, context=context)
