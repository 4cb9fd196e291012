"""The doors on the staff dashboard: their states on the overview and a page of their own,
remote unlock with a reason (``door.unlock`` as the signed-in user), and their events live."""
from __future__ import annotations

from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import API_READ
from xiaoqu.integrations.dashboard import N_, Feed, Page, PageRequest, Panel, register
from xiaoqu.integrations.dashboard.registry import DEVICES

from .const import (
    DATA_DOORS,
    DOMAIN,
    EVENT_DOOR_FAULT,
    EVENT_DOOR_FORCED,
    EVENT_DOOR_HELD_OPEN,
    EVENT_DOOR_UNAVAILABLE,
    EVENT_DOOR_UNLOCKED,
    SERVICE_UNLOCK,
    DoorState,
)

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

UNLOCK: Final = f"{DOMAIN}.{SERVICE_UNLOCK}"
#: The states an overview calls alarms: someone must go and look.
ALARMS = frozenset({DoorState.FORCED, DoorState.HELD_OPEN, DoorState.FAULT, DoorState.UNAVAILABLE})

#: Each door state as staff read it (the state itself stays the entity's, in English).
STATE_LABELS: Final = {
    DoorState.UNAVAILABLE: N_("silent"), DoorState.FAULT: N_("fault"), DoorState.FORCED: N_("forced open"),
    DoorState.HELD_OPEN: N_("held open"), DoorState.OPEN: N_("open"), DoorState.UNLOCKED: N_("unlocked"),
    DoorState.LOCKED: N_("locked"),
}


def _doors(page: PageRequest) -> list[dict[str, Any]]:
    return [{"id": door.door_id, "name": door.settings.name, "entity_id": door.entity_id, "state": door.state,
             "label": STATE_LABELS[door.status.state]} for door in page.hub.data[DATA_DOORS].doors()]


async def _panel(page: PageRequest) -> dict[str, Any]:
    doors = _doors(page)
    return {"doors": doors, "alarms": [door for door in doors if door["state"] in ALARMS]}


async def doors_page(page: PageRequest) -> web.Response:
    return page.render("door/doors.html", doors=_doors(page), may_unlock=page.allows(UNLOCK))


async def unlock(page: PageRequest) -> web.Response:
    door = page.hub.data[DATA_DOORS].door(page.request.match_info["door"])
    if door is None:
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("No such door."))
    reason = (await page.form()).get("reason")
    if not isinstance(reason, str) or not reason.strip():
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("Say why the door is opened."))
    await page.call(DOMAIN, SERVICE_UNLOCK, {"entity_id": door.entity_id, "reason": reason.strip()})
    return page.redirect(f"{page.request.path.rsplit('/', 2)[0]}")


def _detail(event: Event) -> str:
    return str(event.data.get("name") or "")


def register_pages(hub: Hub) -> None:
    register(
        hub, Path(__file__).parent,
        pages=(Page("doors", doors_page, title=N_("Doors"), order=20, group=DEVICES),
               Page("doors/{door}/unlock", unlock, permission=UNLOCK, method="POST")),
        panels=(Panel("door/panel.html", _panel, order=0),),
        feeds=tuple(Feed(event_type, label, _detail, API_READ) for event_type, label in (
            (EVENT_DOOR_UNLOCKED, N_("Door unlocked")), (EVENT_DOOR_FORCED, N_("Door forced open")),
            (EVENT_DOOR_HELD_OPEN, N_("Door held open")), (EVENT_DOOR_FAULT, N_("Door fault")),
            (EVENT_DOOR_UNAVAILABLE, N_("Door silent")))),
    )
