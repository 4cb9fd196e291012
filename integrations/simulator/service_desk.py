"""The property's service desk (客服中心) at work: the office's side of tickets and notices,
through the hub's services as the hub's own caller (its context names the desk's clerk, as
``visitors.register`` names the guard), the way staff act from the dashboard.

- **A notice at start.** Once, when the hub has started, the desk sends a building the
  ``outage`` notice: water off tomorrow 09:00–17:00 for cleaning the tanks
  (``notices.send``, ``ref`` ``simulator:outage:<date>``; not again on a restart the same day).
  The residents' apps read it and most sign (apps.py).
- **Tickets moved along.** Every :data:`ROUND` simulated seconds the desk looks at the new
  tickets of households (``tickets.list``; a device's ticket is left to its recovery) and plans
  each one's course on the simulated day: the first response after :data:`RESPONSE`
  (:data:`LATE_SHARE` of them late: :data:`LATE_BY` past their deadline on the hub's clock,
  which keeps deadlines, so ``tickets.overdue`` fires and the monthly report has some unmet);
  **assigned** to the first hub user of role ``maintenance``
  when there is one, the worker **in progress** after :data:`ON_SITE` (straight from ``new``
  without such a user: an assignee must be a hub user, and the demo has none until one is
  added); :data:`ASK_SHARE` **wait for the resident**, whose answer (they ring the desk after
  their app shows the question) the desk writes down before going on; **resolved** after
  :data:`WORK` with what was done; **closed** :data:`CLOSE_AFTER` later, after the follow-up
  call.

Each step is an act of kind ``tickets`` or ``notices`` in the act log. A step the hub refuses
(staff moved the ticket on the dashboard meanwhile) ends that ticket's course, logged.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import get_access
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError

from .apps import NOTICES, TICKETS, resolution

if TYPE_CHECKING:
    from .context import SimContext
    from .estate import Household, StaffMember

#: Simulated seconds between the desk's looks at the new tickets.
ROUND: Final = 15 * 60.0
#: Simulated seconds to the first response.
RESPONSE: Final = (15 * 60.0, 150 * 60.0)
#: The share answered late, and how long after the deadline, in seconds of the hub's clock (the
#: hub keeps deadlines on its own clock, not the simulated day's).
LATE_SHARE: Final = 0.1
LATE_BY: Final = (10 * 60.0, 60 * 60.0)
#: From assigned to the worker on site (or on it, for a complaint).
ON_SITE: Final = (10 * 60.0, 60 * 60.0)
#: Tickets on which the desk asks the resident first, and how soon.
ASK_SHARE: Final = 0.25
ASK_AFTER: Final = (5 * 60.0, 30 * 60.0)
#: From on site (or the resident's answer) to resolved.
WORK: Final = (30 * 60.0, 3 * 3600.0)
#: From resolved to closed.
CLOSE_AFTER: Final = 24 * 3600.0
#: The outage notice the desk sends at start.
OUTAGE: Final = {"what": "水", "reason": "二次供水水箱清洗消毒", "start": "09:00", "end": "17:00"}

Step = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]


class ServiceDesk:
    """The office's notices and ticket handling; see the module docstring."""

    def __init__(self, ctx: SimContext, households: list[Household], staff: list[StaffMember], seed: int) -> None:
        self.rng = random.Random(f"{seed}:desk")
        #: Its own generator: the other simulated acts draw what they always drew.
        self.ctx = replace(ctx, rng=self.rng)
        self.buildings = sorted({home.building for home in households if home.residents})
        clerk = next((m.name for m in staff if m.department == "行政部" and m.position == "文员"), None)
        self.context = Context(source=f"simulator: 客服 {clerk}" if clerk else "simulator: service desk")
        #: Tickets whose course the desk planned.
        self.handled: set[str] = set()
        #: The outage notice sent at start (None until sent).
        self.notice: str | None = None

    def start(self) -> None:
        services = self.ctx.hub.services
        if services.has(NOTICES, "send") and self.buildings:
            self.ctx.hub.create_task(self.send_outage(), name="simulator: the desk's outage notice")
        if services.has(TICKETS, "list"):
            self._round()

    # --- the notice ----------------------------------------------------------------------

    async def send_outage(self) -> None:
        """Tell one building that its water is off tomorrow (once a day, restarts included)."""
        now = self.ctx.hub.clock.now()
        ref = f"simulator:outage:{now:%Y-%m-%d}"
        try:
            if (await self._call(NOTICES, "list", {"ref": ref, "limit": 1}))["notices"]:
                return
            building = self.rng.choice(self.buildings)
            day = (now + timedelta(days=1)).date()
            data = {**OUTAGE, "area": f"{building}号楼", "start": f"{day.month}月{day.day}日 {OUTAGE['start']}",
                    "end": f"{day.month}月{day.day}日 {OUTAGE['end']}"}
            sent = await self._call(NOTICES, "send", {"to": {"building": str(building)}, "template": "outage",
                                                      "data": data, "ref": ref})
        except HubError as err:
            self.ctx.log.act("notices", "Service desk: the outage notice was not sent: %s", err)
            return
        self.notice = str(sent["notice_id"])
        self.ctx.log.act("notices", "Service desk: notice %s 停水通知 to building %d (%d households)", self.notice,
                         building, len(sent["recipients"]))

    # --- the tickets ---------------------------------------------------------------------

    def _round(self) -> None:
        self.ctx.hub.create_task(self.look(), name="simulator: the desk looks at new tickets")
        self.ctx.timers.later(self.ctx.sim.real_delay(ROUND), self._round)

    async def look(self) -> None:
        """Plan the course of each household's new ticket not planned yet, oldest first."""
        try:
            tickets = (await self._call(TICKETS, "list", {"state": "new"}))["tickets"]
        except HubError as err:
            self.ctx.log.act("tickets", "Service desk: the ticket list is not available: %s", err)
            return
        for ticket in reversed(tickets):
            if ticket["household"] is None or ticket["ticket_id"] in self.handled:
                continue
            self.handled.add(ticket["ticket_id"])
            if self.rng.random() < LATE_SHARE:
                due = datetime.fromisoformat(ticket["due"]).timestamp() - self.ctx.hub.clock.time()
                self._after(due + self.rng.uniform(*LATE_BY), self._responds, ticket)
            else:
                self._then(RESPONSE, self._responds, ticket)

    async def _responds(self, ticket: dict[str, Any]) -> None:
        worker = self._maintenance()
        if worker is None:
            await self._on_site(ticket)
        elif await self._step(ticket, "assigned", f"派单给维修班 {worker}", assignee=worker):
            self._then(ON_SITE, self._on_site, ticket)

    async def _on_site(self, ticket: dict[str, Any]) -> None:
        arrive = str(ticket["rule"]).startswith("arrive")
        if not await self._step(ticket, "in_progress", "维修师傅已到场查看" if arrive else "客服已联系住户了解情况"):
            return
        if self.rng.random() < ASK_SHARE:
            self._then(ASK_AFTER, self._asks, ticket)
        else:
            self._then(WORK, self._resolves, ticket)

    async def _asks(self, ticket: dict[str, Any]) -> None:
        await self._step(ticket, "waiting_for_resident", "请问您什么时候方便？需要进屋查看")

    def resident_answered(self, ticket_id: str, household: str, answer: str) -> None:
        """A resident rang with the answer the desk asked for (apps.py): written down, then on."""
        self.ctx.hub.create_task(self._answered(ticket_id, household, answer), name="simulator: a resident answers")

    async def _answered(self, ticket_id: str, household: str, answer: str) -> None:
        ticket = {"ticket_id": ticket_id}
        try:
            ticket = await self._call(TICKETS, "get", ticket)
        except HubError as err:
            self.ctx.log.act("tickets", "Service desk: %s is not found: %s", ticket_id, err)
            return
        if await self._step(ticket, "in_progress", f"住户 {household} 来电答复：{answer}"):
            self._then(WORK, self._resolves, ticket)

    async def _resolves(self, ticket: dict[str, Any]) -> None:
        if await self._step(ticket, "resolved", resolution(str(ticket["description"]))):
            self._then((CLOSE_AFTER, CLOSE_AFTER), self._closes, ticket)

    async def _closes(self, ticket: dict[str, Any]) -> None:
        await self._step(ticket, "closed", "回访完毕，工单关闭")

    # --- helpers -------------------------------------------------------------------------

    def _maintenance(self) -> str | None:
        """The first hub user of role ``maintenance`` by name, or None (the demo adds none)."""
        try:
            users = get_access(self.ctx.hub).manager.users()
        except HubError:
            return None  # no users on this hub
        return next((user.name for user in users if user.role == "maintenance"), None)

    async def _step(self, ticket: dict[str, Any], state: str, note: str, assignee: str | None = None) -> bool:
        """``tickets.update``; False (logged) when the hub refuses it."""
        data = {"ticket_id": ticket["ticket_id"], "state": state, "note": note}
        if assignee is not None:
            data["assignee"] = assignee
        try:
            await self._call(TICKETS, "update", data)
        except HubError as err:
            self.ctx.log.act("tickets", "Service desk: %s stays as it is: %s", ticket["ticket_id"], err)
            return False
        self.ctx.log.act("tickets", "Service desk: %s of %s %s: %s", ticket["ticket_id"], ticket["household"],
                         state, note)
        return True

    def _then(self, span: tuple[float, float], step: Step, ticket: dict[str, Any]) -> None:
        """``step(ticket)`` after a simulated delay drawn from ``span``."""
        self._after(self.ctx.sim.real_delay(self.rng.uniform(*span)), step, ticket)

    def _after(self, delay: float, step: Step, ticket: dict[str, Any]) -> None:
        """``step(ticket)`` after ``delay`` seconds of the hub's clock."""
        def due() -> None:
            self.ctx.hub.create_task(step(ticket), name=f"simulator: the desk on {ticket['ticket_id']}")
        self.ctx.timers.later(delay, due)

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> dict[str, Any]:
        answer = await self.ctx.hub.services.call(domain, service, data, context=self.context,
                                                  return_response=True)
        assert isinstance(answer, dict)
        return answer
