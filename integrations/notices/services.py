"""The notices services, one table: the contract's ``send`` and ``acknowledge``, and the list, a
notice's recipients with their deliveries, and stopping a scheduled or repeating notice."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from .callers import caller_of
from .const import SERVICE_ACKNOWLEDGE, SERVICE_CANCEL, SERVICE_LIST, SERVICE_SEND, SERVICE_STATUS
from .runtime import get_notices
from .schema import ACKNOWLEDGE_SCHEMA, LIST_SCHEMA, NOTICE_SCHEMA, SEND_SCHEMA


async def send(call: ServiceCall) -> dict[str, Any]:
    return await get_notices(call.hub).send_checked(call.data, caller_of(call.hub, call.context))


async def acknowledge(call: ServiceCall) -> dict[str, Any]:
    return await get_notices(call.hub).acknowledge(call.data["notice_id"], call.data["household"],
                                                   reason=call.data.get("reason"), context=call.context)


def notice_list(call: ServiceCall) -> dict[str, Any]:
    """Newest first; a resident's own household's only, whatever the request says."""
    notices = get_notices(call.hub)
    household = caller_of(call.hub, call.context).household or call.data.get("household")
    found = notices.find(household, call.data.get("ref"), call.data["limit"])
    shown = []
    for notice in found:
        summary = notices.summary(notice)
        if household is not None:
            summary["title"], summary["body"] = notices.words(notice, household)
            summary["signed"] = household in notice.signed
        shown.append(summary)
    return {"notices": shown}


def status(call: ServiceCall) -> dict[str, Any]:
    notices = get_notices(call.hub)
    notice = notices.notices.get(call.data["notice_id"])
    recipients = notices.recipients_of(call.data["notice_id"])
    assert notice is not None
    return {"notice": notices.summary(notice), "recipients": recipients}


async def cancel(call: ServiceCall) -> dict[str, Any]:
    notices = get_notices(call.hub)
    notice = await notices.cancel(call.data["notice_id"], context=call.context)
    return {"notice": notices.summary(notice)}


SERVICES: Final = [
    ServiceSpec(SERVICE_SEND, send, SEND_SCHEMA,
                "Send a notice to everyone, a building, a unit or households: a template with its data, or a "
                "title and a body; now, at a time, or repeated", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_ACKNOWLEDGE, acknowledge, ACKNOWLEDGE_SCHEMA,
                "A household signs a notice (a resident for their own; staff for a household with a reason)",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_LIST, notice_list, LIST_SCHEMA,
                "Notices, newest first, with how many households signed, got or missed each", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_STATUS, status, NOTICE_SCHEMA,
                "A notice's households: each channel's delivery and the signature", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_CANCEL, cancel, NOTICE_SCHEMA,
                "Stop a scheduled or repeating notice (what was sent stays sent)", SupportsResponse.OPTIONAL),
]
