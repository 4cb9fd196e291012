"""The devices page, the office's basic data: every device in the device registry (door
controllers, barrier controllers, residents' plugs...) with its number, name, location, maker,
model, firmware, what it is reached through, whether it answers, and its entities; filtered,
paged and exported. A device's page lists its entities with their states.

A device answers when one of its entities is not ``unavailable``; a device whose entities are
all unavailable is down; one without entities says nothing either way.
"""
from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.const import STATE_UNAVAILABLE

from ..registry import N_
from .entities import entity_row
from .inventory import Inventory
from .listing import Choice, Column, Listing, Row
from .words import labelled

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.registry import DeviceEntry

    from ..request import PageRequest

AVAILABLE: Final = "available"
UNAVAILABLE: Final = "unavailable"
DISABLED: Final = "disabled"
SILENT: Final = "no_entities"
STATUS_LABELS: Final = {AVAILABLE: N_("available"), UNAVAILABLE: N_("unavailable"), DISABLED: N_("disabled"),
                        SILENT: N_("no entities")}
#: What a device id in a path may be (the registry's are 32 hex digits; a site's import may differ).
DEVICE_ID: Final = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")

LISTING: Final = Listing(
    name="devices", template="hub/devices.html",
    columns=(Column("number", N_("Number")), Column("name", N_("Device name")), Column("location", N_("Location")),
             Column("manufacturer", N_("Manufacturer")), Column("model", N_("Model")),
             Column("sw_version", N_("Firmware")), Column("via", N_("Connected via")),
             Column("shown_status", N_("Status")), Column("entities", N_("Entities")), Column("id", N_("Device id"))),
    choices=(Choice("location", N_("Location")), Choice("manufacturer", N_("Manufacturer")), Choice("model", N_("Model")),
             Choice("status", N_("Status"), label="shown_status")),
    search=("number", "name", "id", "connection", "model"),
)


def _status(page: PageRequest, device: DeviceEntry, entity_ids: list[str]) -> str:
    if device.disabled_by is not None:
        return DISABLED
    states = [state.state for entity_id in entity_ids if (state := page.hub.states.get(entity_id)) is not None]
    if not states:
        return SILENT
    return UNAVAILABLE if all(state == STATE_UNAVAILABLE for state in states) else AVAILABLE


def _row(page: PageRequest, device: DeviceEntry, inventory: Inventory, entity_ids: list[str]) -> dict[str, Any]:
    via = inventory.devices.get(device.via_device_id) if device.via_device_id else None
    status = _status(page, device, entity_ids)
    return {
        "id": device.id, "number": device.number or "", "name": device.display_name, "location": device.location or "",
        "manufacturer": device.manufacturer or "", "model": device.model or "", "sw_version": device.sw_version or "",
        "via": via.display_name if via is not None else "", "via_id": via.id if via is not None else "",
        "connection": " ".join([device.integration, *device.identifiers]), "integration": device.integration,
        "identifiers": device.identifiers, "status": status, "shown_status": labelled(page, STATUS_LABELS, status),
        "entities": len(entity_ids),
    }


def _sort_key(row: Row) -> tuple[str, str]:
    """By number (devices without one last), then by name."""
    return (row["number"] or "\uffff", row["name"].casefold())


async def devices_page(page: PageRequest) -> web.StreamResponse:
    inventory = Inventory.read(page.hub)
    owned = inventory.entity_ids()
    rows = [_row(page, device, inventory, owned.get(device.id, [])) for device in inventory.devices.values()]
    return LISTING.answer(page, sorted(rows, key=_sort_key))


async def device_page(page: PageRequest) -> web.StreamResponse:
    """One device's basic data and its entities with their states."""
    device_id = page.request.match_info["device_id"]
    if not DEVICE_ID.match(device_id):
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("That is not a device id."))
    inventory = Inventory.read(page.hub)
    device = inventory.devices.get(device_id)
    if device is None:
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("There is no such device."))
    entity_ids = inventory.entity_ids().get(device_id, [])
    states = [state for entity_id in entity_ids if (state := page.hub.states.get(entity_id)) is not None]
    return page.render(
        "hub/device.html", device=_row(page, device, inventory, entity_ids), entry=device,
        entities=[entity_row(page, state, inventory) for state in states],
        absent=[entity_id for entity_id in entity_ids if entity_id not in page.hub.states])
