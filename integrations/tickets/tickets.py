"""``Tickets``: every ticket in memory, each step written to ``tickets.db`` before it is told.

A ticket is opened (``new``) by a resident for their own household (the API, the portal, their
app over MQTT), by staff at the desk, or by an automation from a device fault; its deadline is
set from its category (``deadlines.py``). It moves only along ``TRANSITIONS``; a step that does
not is refused naming both states. Each step is kept in the ticket's history (who, when, the
state, the note, the assignee) and written before anything is announced: the event, the
household's status topic, and a notice to the household when notices is set up.

Deadlines are timers on the hub's clock, rebuilt at start: one not met when it passes fires
``tickets.overdue`` once (the figures and the rule), kept so a restart does not fire it again.

A device has at most one open ticket: a fault reported again while its ticket is open adds a
step to that ticket. When the device recovers, a ticket of a category with ``close_on_recovery``
is closed once the device has stayed sound for the category's ``recovery_hold``; a fault in
between keeps it open, so a flapping device makes one ticket, not ten.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.permissions import SCOPED_ROLES
from xiaoqu.core.calendar import get_calendar
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.validation import did_you_mean
from xiaoqu.integrations.residents.callers import Caller, audit, household_app

from . import deadlines, notify
from .const import (
    ASSIGNED,
    AUDIT_OPENED,
    AUDIT_REFUSED,
    AUDIT_UPDATED,
    CLOSED,
    EVENT_CLOSED,
    EVENT_OPENED,
    EVENT_OVERDUE,
    EVENT_RATED,
    EVENT_UPDATED,
    HUB,
    MET_STATES,
    NEW,
    OPEN_STATES,
    RATABLE,
    TABLE_TICKETS,
    TOPIC_ANSWER,
    TRANSITIONS,
)
from .models import Step, Ticket, iso

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.rowstore import RowStore
    from xiaoqu.integrations.residents import Residents

    from .household import HouseholdChannel

_LOGGER = logging.getLogger(__name__)


class TicketError(ServiceValidationError):
    """A request that cannot be: the field is named."""


class TicketNotFound(ServiceValidationError):
    """No such ticket, or one of another household (answered alike)."""


class Tickets:
    def __init__(self, hub: Hub, config: Mapping[str, Any], residents: Residents, rows: RowStore,
                 channel: HouseholdChannel) -> None:
        self.hub = hub
        self.categories: dict[str, dict[str, Any]] = dict(config["categories"])
        self.residents = residents
        self.rows = rows
        self.channel = channel
        self.tz = hub.clock.tz
        self.tickets: dict[str, Ticket] = {}
        self._lock = asyncio.Lock()
        self._deadlines: dict[str, TimerHandle] = {}
        self._holds: dict[str, TimerHandle] = {}

    # --- life ----------------------------------------------------------------------------------

    async def load(self) -> None:
        for key, doc in await self.rows.load(TABLE_TICKETS):
            self.tickets[key] = Ticket.from_doc(key, doc)

    def start(self) -> None:
        """The deadlines not met and the recovery holds, as timers (those past now fire at once)."""
        for ticket in self.tickets.values():
            self._arm(ticket)

    def stop(self) -> None:
        for handle in (*self._deadlines.values(), *self._holds.values()):
            handle.cancel()
        self._deadlines.clear()
        self._holds.clear()

    def category_name(self, category: str) -> str:
        return str(self.categories.get(category, {}).get("name") or category)

    def shown(self, ticket: Ticket) -> dict[str, Any]:
        return ticket.shown(self.tz, self.category_name(ticket.category))

    # --- the contract --------------------------------------------------------------------------

    async def open(self, data: Mapping[str, Any], caller: Caller) -> tuple[Ticket, bool]:
        """A new ticket, or (for a device with an open ticket) that one: ``(ticket, new)``."""
        category = self._category(data["category"], caller)
        household = self._household(data.get("household"), caller)
        device = data.get("device")
        async with self._lock:
            now = self.hub.clock.time()
            if device is not None and (held := self.open_for_device(device)) is not None:
                note = f"reported again: {data['description']}"
                if held.recovered_at is not None:
                    note += f" (sound since {iso(held.recovered_at, self.tz)}; it stays open)"
                    held.recovered_at = None
                    self._unhold(held.id)
                step = Step(now, held.state, caller.name, caller.how, note)
                held.history.append(step)
                await self._save(held)
                self._told(held, EVENT_UPDATED, step)
                return held, False
            due, rule = deadlines.deadline(self.categories[category], now, get_calendar(self.hub), self.tz)
            ticket = Ticket(self._new_id(), category, data["description"], now, due, rule, NEW, household, device)
            step = Step(now, NEW, caller.name, caller.how, None)
            ticket.history.append(step)
            self.tickets[ticket.id] = ticket
            await self._save(ticket)
        audit(self.hub, AUDIT_OPENED, caller, ticket=ticket.id, category=category, household=household, device=device)
        _LOGGER.info("Ticket %s (%s) opened by %s for %s: %s", ticket.id, category, caller.name,
                     household or device or "the estate", rule)
        self._arm(ticket)
        self._told(ticket, EVENT_OPENED, step)
        return ticket, True

    async def update(self, ticket_id: str, state: str, caller: Caller, *, note: str | None = None,
                     assignee: str | None = None) -> Ticket:
        ticket = self.get(ticket_id, caller)
        if assignee is not None:
            self._check_assignee(assignee)
        async with self._lock:
            self._check_step(ticket, state, note, assignee)
            step = await self._step(ticket, state, caller.name, caller.how, note, assignee)
        audit(self.hub, AUDIT_UPDATED, caller, ticket=ticket.id, state=state, assignee=assignee)
        self._told(ticket, EVENT_UPDATED, step)
        return ticket

    async def rate(self, ticket_id: str, rating: int, caller: Caller, comment: str | None = None) -> Ticket:
        """The resident's satisfaction (1-5), once, after the ticket is resolved."""
        ticket = self.get(ticket_id, caller)
        if ticket.state not in RATABLE:
            raise TicketError(f"rating: ticket {ticket.id} is {ticket.state}; it is rated once resolved or closed")
        if ticket.rating is not None:
            raise TicketError(f"rating: ticket {ticket.id} was rated {ticket.rating} on "
                              f"{iso(ticket.rated_at, self.tz)}; a rating is given once")
        async with self._lock:
            now = self.hub.clock.time()
            ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, now
            step = Step(now, ticket.state, caller.name, caller.how, f"rated {rating}/5" + (f": {comment}" if comment
                                                                                          else ""))
            ticket.history.append(step)
            await self._save(ticket)
        self.hub.bus.fire(EVENT_RATED, {"ticket_id": ticket.id, "category": ticket.category, "rating": rating,
                                        "household": ticket.household}, context=caller.context)
        self._told(ticket, None, step)
        return ticket

    async def device_recovered(self, device: str, caller: Caller, note: str | None = None) -> Ticket | None:
        """The device's open ticket told it recovered: closed after the category's hold, if it closes on recovery."""
        ticket = self.open_for_device(device)
        if ticket is None or ticket.recovered_at is not None:
            return ticket
        category = self.categories.get(ticket.category, {})
        async with self._lock:
            now = self.hub.clock.time()
            ticket.recovered_at = now
            closes = bool(category.get("close_on_recovery", True))
            hold = category.get("recovery_hold")
            said = (f"device {device} recovered" + (f": {note}" if note else "")
                    + (f"; closed if it stays sound for {hold.total_seconds() / 60:g} min" if closes and hold
                       else "" if closes else "; this category is closed by staff"))
            step = Step(now, ticket.state, caller.name, caller.how, said)
            ticket.history.append(step)
            await self._save(ticket)
        self._told(ticket, EVENT_UPDATED, step)
        if closes:
            self._arm(ticket)
        return ticket

    # --- reads ---------------------------------------------------------------------------------

    def get(self, ticket_id: str, caller: Caller) -> Ticket:
        """The ticket, if the caller may see it: another household's is "not found" (audited)."""
        ticket = self.tickets.get(ticket_id)
        if ticket is not None and (caller.household is None or ticket.household == caller.household):
            return ticket
        if ticket is not None:
            audit(self.hub, AUDIT_REFUSED, caller, ticket=ticket_id, household=caller.household,
                  why="another household's ticket")
        raise TicketNotFound(f"ticket_id: no ticket {ticket_id}")

    def find(self, filters: Mapping[str, Any], caller: Caller) -> list[Ticket]:
        """Tickets newest first: a resident's household's only, whatever the filters say."""
        household = caller.household or filters.get("household")
        month = filters.get("month")
        found = [t for t in self.tickets.values()
                 if (household is None or t.household == household)
                 and (filters.get("category") is None or t.category == filters["category"])
                 and (filters.get("state") is None or t.state == filters["state"])
                 and (filters.get("overdue") is None or (t.overdue_at is not None) == filters["overdue"])
                 and (month is None or self.month_of(t.opened_at) == month)]
        found.sort(key=lambda t: t.opened_at, reverse=True)
        return found[:filters.get("limit", len(found))]

    def month_of(self, moment: float) -> str:
        return datetime.fromtimestamp(moment, self.tz).strftime("%Y-%m")

    def open_for_device(self, device: str) -> Ticket | None:
        return next((t for t in self.tickets.values() if t.device == device and t.state in OPEN_STATES), None)

    # --- the household's app -------------------------------------------------------------------

    async def app_open(self, household: str, _ticket: str | None, message: dict[str, Any]) -> None:
        request = message.pop("request_id", None)
        try:
            ticket, _ = await self.open({**message, "household": household}, household_app(household))
        except (HubError, ValueError) as err:
            self.channel.refused(household, None, str(err), request)
            return
        self.channel.publish(household, TOPIC_ANSWER, {"request_id": request, "ticket_id": ticket.id,
                                                       "due": iso(ticket.due, self.tz), "rule": ticket.rule})

    async def app_rate(self, household: str, ticket: str | None, message: dict[str, Any]) -> None:
        assert ticket is not None
        try:
            await self.rate(ticket, message["rating"], household_app(household), message.get("comment"))
        except (HubError, ValueError) as err:
            self.channel.refused(household, ticket, str(err))

    # --- inside --------------------------------------------------------------------------------

    def _category(self, category: str, caller: Caller) -> str:
        if category not in self.categories:
            raise TicketError(f"category: no category {category!r}{did_you_mean(category, self.categories)} "
                              f"(this site's: {', '.join(self.categories)})")
        if not caller.is_staff and not self.categories[category]["residents"]:
            raise TicketError(f"category: {category} tickets are opened by staff")
        return category

    def _household(self, household: str | None, caller: Caller) -> str | None:
        if caller.household is not None:
            if household is not None and household != caller.household:
                audit(self.hub, AUDIT_REFUSED, caller, household=household, why="another household")
                raise TicketError(f"household: you open tickets for your own household ({caller.household}) only")
            return caller.household
        if household is not None and self.residents.household(household) is None:
            raise TicketError(f"household: no household {household} (a ticket is opened for a household that "
                              "exists, or for none)")
        return household

    def _check_assignee(self, assignee: str) -> None:
        user = get_auth(self.hub).manager.user_by_name(assignee)
        if user is None or user.role in SCOPED_ROLES:
            raise TicketError(f"assignee: no member of staff {assignee!r} among the hub's users")

    def _check_step(self, ticket: Ticket, state: str, note: str | None, assignee: str | None) -> None:
        if state not in TRANSITIONS[ticket.state]:
            allowed = ", ".join(sorted(TRANSITIONS[ticket.state]))
            raise TicketError(f"state: ticket {ticket.id} cannot go from {ticket.state} to {state} "
                              f"(from {ticket.state}: {allowed})")
        if state == ticket.state and note is None and assignee is None:
            raise TicketError(f"note: staying {state} is a step with a note or another assignee")
        if state == ASSIGNED and assignee is None and ticket.assignee is None:
            raise TicketError("assignee: a ticket assigned names who works on it")

    async def _step(self, ticket: Ticket, state: str, by: str, how: str, note: str | None,
                    assignee: str | None) -> Step:
        now = self.hub.clock.time()
        step = Step(now, state, by, how, note, assignee)
        ticket.state = state
        if assignee is not None:
            ticket.assignee = assignee
        if state in MET_STATES and ticket.met_at is None:
            ticket.met_at = now
        ticket.closed_at = now if state == CLOSED else None
        if state == CLOSED:
            ticket.recovered_at = None  # a reopened ticket waits for a new recovery, not the last one
        ticket.history.append(step)
        await self._save(ticket)
        if ticket.met_at is not None:
            self._undeadline(ticket.id)
        if state == CLOSED:
            self._unhold(ticket.id)
        return step

    def _told(self, ticket: Ticket, event: str | None, step: Step) -> None:
        """The event, the household's status topic and a notice to the household."""
        shown = self.shown(ticket)
        data = {"ticket_id": ticket.id, "category": ticket.category, "state": ticket.state,
                "household": ticket.household, "device": ticket.device, "assignee": ticket.assignee,
                "due": shown["due"], "by": step.by, "note": step.note}
        if event is not None:
            self.hub.bus.fire(event, data)
            if step.state == CLOSED:
                self.hub.bus.fire(EVENT_CLOSED, data)
        if ticket.household is not None:
            self.channel.publish(ticket.household, f"tickets/{ticket.id}/status", shown)
            self.hub.create_task(notify.tell(self.hub, ticket, step, shown), name=f"tickets: tell {ticket.id}")

    def _arm(self, ticket: Ticket) -> None:
        """The ticket's timers: its deadline while unmet and not overdue; its recovery hold."""
        if ticket.state == CLOSED:
            return
        if ticket.met_at is None and ticket.overdue_at is None and ticket.id not in self._deadlines:
            self._deadlines[ticket.id] = self.hub.clock.call_at(ticket.due, lambda: self.hub.create_task(
                self._overdue(ticket.id), name=f"tickets: {ticket.id} due"))
        hold = self.categories.get(ticket.category, {}).get("recovery_hold")
        closes = self.categories.get(ticket.category, {}).get("close_on_recovery", True)
        if ticket.recovered_at is not None and closes and ticket.id not in self._holds:
            at = ticket.recovered_at + (hold.total_seconds() if hold else 0)
            self._holds[ticket.id] = self.hub.clock.call_at(at, lambda: self.hub.create_task(
                self._recovery_held(ticket.id), name=f"tickets: {ticket.id} recovered"))

    async def _overdue(self, ticket_id: str) -> None:
        self._deadlines.pop(ticket_id, None)
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.met_at is not None or ticket.overdue_at is not None or ticket.state == CLOSED:
            return
        async with self._lock:
            now = self.hub.clock.time()
            ticket.overdue_at = now
            late = (now - ticket.due) / 60
            step = Step(now, ticket.state, HUB, "hub", f"overdue: {ticket.rule}")
            ticket.history.append(step)
            await self._save(ticket)
        category = self.categories.get(ticket.category, {})
        data = {"ticket_id": ticket.id, "category": ticket.category, "state": ticket.state,
                "deadline": deadlines.kind(category) if category else None, "due": iso(ticket.due, self.tz),
                "opened": iso(ticket.opened_at, self.tz), "rule": ticket.rule, "household": ticket.household,
                "device": ticket.device, "assignee": ticket.assignee, "minutes_late": round(late, 1)}
        _LOGGER.warning("Ticket %s is overdue: %s", ticket.id, ticket.rule)
        self.hub.bus.fire(EVENT_OVERDUE, data)

    async def _recovery_held(self, ticket_id: str) -> None:
        self._holds.pop(ticket_id, None)
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.recovered_at is None or ticket.state == CLOSED:
            return
        async with self._lock:
            sound = (self.hub.clock.time() - ticket.recovered_at) / 60
            step = await self._step(ticket, CLOSED, HUB, "hub",
                                    f"device {ticket.device} sound for {sound:g} min: closed on recovery", None)
        self._told(ticket, EVENT_UPDATED, step)

    def _undeadline(self, ticket_id: str) -> None:
        handle = self._deadlines.pop(ticket_id, None)
        if handle is not None:
            handle.cancel()

    def _unhold(self, ticket_id: str) -> None:
        handle = self._holds.pop(ticket_id, None)
        if handle is not None:
            handle.cancel()

    async def _save(self, ticket: Ticket) -> None:
        await self.rows.put(TABLE_TICKETS, ticket.id, ticket.to_doc())

    def _new_id(self) -> str:
        while True:
            found = f"T{secrets.token_hex(4).upper()}"
            if found not in self.tickets:
                return found
