"""The tickets services, one table: the contract's ``open`` and ``update``, and a ticket read,
the list, the resident's rating, the monthly report and a device's recovery (for automations)."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from . import report
from .callers import caller_of
from .const import (
    SERVICE_GET,
    SERVICE_LIST,
    SERVICE_OPEN,
    SERVICE_RATE,
    SERVICE_RECOVERED,
    SERVICE_REPORT,
    SERVICE_UPDATE,
)
from .models import iso
from .runtime import get_tickets
from .schema import GET_SCHEMA, LIST_SCHEMA, OPEN_SCHEMA, RATE_SCHEMA, RECOVERED_SCHEMA, REPORT_SCHEMA, UPDATE_SCHEMA


async def open_ticket(call: ServiceCall) -> dict[str, Any]:
    tickets = get_tickets(call.hub)
    ticket, new = await tickets.open(call.data, caller_of(call.hub, call.context))
    return {"ticket_id": ticket.id, "due": iso(ticket.due, tickets.tz), "rule": ticket.rule, "new": new,
            "state": ticket.state}


async def update(call: ServiceCall) -> dict[str, Any]:
    tickets = get_tickets(call.hub)
    ticket = await tickets.update(call.data["ticket_id"], call.data["state"], caller_of(call.hub, call.context),
                                  note=call.data.get("note"), assignee=call.data.get("assignee"))
    return {"ticket_id": ticket.id, "state": ticket.state, "ticket": tickets.shown(ticket)}


def get(call: ServiceCall) -> dict[str, Any]:
    tickets = get_tickets(call.hub)
    return tickets.shown(tickets.get(call.data["ticket_id"], caller_of(call.hub, call.context)))


def listed(call: ServiceCall) -> dict[str, Any]:
    tickets = get_tickets(call.hub)
    return {"tickets": [tickets.shown(t) for t in tickets.find(call.data, caller_of(call.hub, call.context))]}


async def rate(call: ServiceCall) -> dict[str, Any]:
    tickets = get_tickets(call.hub)
    ticket = await tickets.rate(call.data["ticket_id"], call.data["rating"], caller_of(call.hub, call.context),
                                call.data.get("comment"))
    return {"ticket_id": ticket.id, "rating": ticket.rating}


def monthly(call: ServiceCall) -> dict[str, Any]:
    tickets = get_tickets(call.hub)
    return report.build(tickets, call.data.get("month") or tickets.month_of(call.hub.clock.time()))


async def recovered(call: ServiceCall) -> dict[str, Any]:
    tickets = get_tickets(call.hub)
    ticket = await tickets.device_recovered(call.data["device"], caller_of(call.hub, call.context),
                                            call.data.get("note"))
    return {"ticket_id": ticket.id if ticket else None, "state": ticket.state if ticket else None}


SERVICES: Final = [
    ServiceSpec(SERVICE_OPEN, open_ticket, OPEN_SCHEMA,
                "Open a repair, complaint or feedback ticket (a device's open ticket is answered instead of a "
                "second one); answers its id and deadline with the rule", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_UPDATE, update, UPDATE_SCHEMA,
                "Move a ticket to a state (only along the allowed transitions), with a note and an assignee",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_GET, get, GET_SCHEMA, "A ticket with its history (a resident: their household's only)",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_LIST, listed, LIST_SCHEMA,
                "Tickets newest first, by household, category, state, month and overdue", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_RATE, rate, RATE_SCHEMA, "The resident's satisfaction (1-5) with a resolved ticket, once",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_REPORT, monthly, REPORT_SCHEMA,
                "The month's response times per category: count, median and 90th percentile, overdue, ratings",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_RECOVERED, recovered, RECOVERED_SCHEMA,
                "A device recovered: its open ticket is closed once it stays sound (if its category says so)",
                SupportsResponse.OPTIONAL),
]
