"""``logbook.log``: a line in the logbook, written by an automation or a person."""
from __future__ import annotations

from typing import Final

from xiaoqu.core.services import ServiceCall, ServiceSpec
from xiaoqu.core.validation import entity_id, slug, string, vol

LOGBOOK_DOMAIN: Final = "logbook"
EVENT_LOGBOOK_ENTRY: Final = "logbook_entry"

LOG_SCHEMA: Final = vol.Schema({
    vol.Required("name"): vol.All(string, vol.Length(min=1, max=200)),
    vol.Required("message"): vol.All(string, vol.Length(min=1, max=2000)),
    vol.Optional("entity_id"): entity_id,
    vol.Optional("domain"): slug,
})


async def log(call: ServiceCall) -> None:
    call.hub.bus.fire(EVENT_LOGBOOK_ENTRY, dict(call.data), context=call.context)


SERVICES: Final = [ServiceSpec("log", log, LOG_SCHEMA, "Write a line in the logbook")]
