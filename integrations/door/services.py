"""The door services, one table: staff's remote open and close, fire linkage, and the offline
controllers' sync status.

They are not entity services: each acting one needs the call's context, because the audit
log, the access log and the events name the member of staff (or the automation) that acted.
"""
from __future__ import annotations

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.services import ServiceCall, ServiceResponse, ServiceSpec, SupportsResponse

from . import controllers
from .const import (
    DATA_DOORS,
    SERVICE_LOCK,
    SERVICE_RESTORE,
    SERVICE_SYNC_STATUS,
    SERVICE_UNLOCK,
    SERVICE_UNLOCK_ALL,
)
from .schema import LOCK_SCHEMA, RESTORE_SCHEMA, SYNC_STATUS_SCHEMA, UNLOCK_ALL_SCHEMA, UNLOCK_SCHEMA


def unlock(call: ServiceCall) -> None:
    doors = call.hub.data[DATA_DOORS]
    doors.remote_unlock(doors.targets(call.data["entity_id"]), call.data.get("duration"), call.data.get("reason"),
                        call.context)


def lock(call: ServiceCall) -> None:
    doors = call.hub.data[DATA_DOORS]
    doors.remote_lock(doors.targets(call.data["entity_id"]), call.data.get("reason"), call.context)


def unlock_all(call: ServiceCall) -> None:
    call.hub.data[DATA_DOORS].unlock_all(call.data.get("reason"), call.context)


def restore(call: ServiceCall) -> None:
    call.hub.data[DATA_DOORS].restore(call.data.get("reason"), call.context)


def sync_status(call: ServiceCall) -> ServiceResponse:
    try:
        return controllers.sync_status(call.hub, call.data.get("controller"))
    except ValueError as err:
        raise ServiceValidationError(f"door.sync_status: {err}") from None


SERVICES = (
    ServiceSpec(SERVICE_UNLOCK, unlock, UNLOCK_SCHEMA,
                "Open doors from the guard room for a while (each door's unlock_seconds unless a duration is given)"),
    ServiceSpec(SERVICE_LOCK, lock, LOCK_SCHEMA, "Lock doors now"),
    ServiceSpec(SERVICE_UNLOCK_ALL, unlock_all, UNLOCK_ALL_SCHEMA,
                "Fire linkage: hold every door open until door.restore"),
    ServiceSpec(SERVICE_RESTORE, restore, RESTORE_SCHEMA, "End door.unlock_all: every door it held open locks"),
    ServiceSpec(SERVICE_SYNC_STATUS, sync_status, SYNC_STATUS_SCHEMA,
                "What each offline controller should hold and what it confirmed (version, count, last sync)",
                SupportsResponse.ONLY),
)
