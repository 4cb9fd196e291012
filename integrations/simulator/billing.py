"""The property office's billing and the residents paying, when the hub runs billing.

At the hub's start the simulated office runs the current period (``billing.run``, as the hub);
when billing has no bills yet it first writes a history while the hub sets up (before the
arrears procedure's first look): the two months before, paid by the households that pay on
time as they would have (each bill's due date moved to today with the reason, then paid at the
counter with ids ``sim-history-...``: the ledger's time is the hub's), so only the late and the
never-paying are in arrears from the start and the procedure (reminders, the second notice,
the car stopped at the gate) has something to show. On the first of each month it runs that month.

Each household keeps one habit, drawn from the simulator's seed (the same households pay the
same way every run): most pay on time, online through the payment provider (an order of
purpose ``billing`` that the simulated WeChat Pay's payer pays, as a driver pays parking) or at
the office's counter (``billing.pay``, cash); some pay late, days after the bill; a few never
pay. A payment is what the household owes when it pays (``billing.arrears``), late fee included.
"""
from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.bus import Context
from xiaoqu.core.errors import HubError

from .context import SimContext

if TYPE_CHECKING:
    from .estate import Household

_LOGGER = logging.getLogger(__name__)

BILLING: Final = "billing"
#: Each habit and its share of the households.
HABITS: Final[Mapping[str, float]] = {"online": 0.55, "counter": 0.2, "late": 0.17, "never": 0.08}
#: The habits of households that pay their bills before they are due.
ON_TIME: Final = frozenset({"online", "counter"})
#: Simulated hours from a bill (or the start) to an on-time household's payment, at most.
ON_TIME_HOURS: Final = 6.0
#: Simulated days a late household lets pass before it pays.
LATE_DAYS: Final = (3.0, 20.0)
#: When the office runs a new month's bills, on the hub's clock.
RUN_AT: Final = time(9, 30)


def habits(households: list[Household], seed: int) -> dict[str, str]:
    """Each household's way of paying, from the simulator's seed (its own stream, so the
    other simulated acts draw what they always drew)."""
    rng = random.Random(f"{seed}:billing")
    names, weights = list(HABITS), list(HABITS.values())
    return {home.id: rng.choices(names, weights)[0] for home in households}


def periods_to_run(today: date, empty: bool) -> list[str]:
    """The current period, after the two before it when billing has no bills yet."""
    months = [(today.year * 12 + today.month - 1 - back) for back in ((2, 1, 0) if empty else (0,))]
    return [f"{month // 12:04d}-{month % 12 + 1:02d}" for month in months]


class Office:
    """The office's runs and the residents' payments; see the module docstring."""

    def __init__(self, ctx: SimContext, households: list[Household], seed: int) -> None:
        self.ctx = ctx
        self.habits = habits(households, seed)
        self.rng = random.Random(f"{seed}:billing:payments")
        self.context = Context(source="simulator.billing")
        self._payments = 0

    @property
    def available(self) -> bool:
        return self.ctx.hub.services.has(BILLING, "run")

    async def history(self) -> None:
        """While the hub sets up: when billing has no bills, the two months before this one,
        billed and paid by the households that pay on time. Nothing when the hub does not know
        the estate's households (its residents sheet not imported): there is no one to bill."""
        try:
            for household in self.habits:
                if (await self._call("bills", {"household": household}))["bills"]:
                    return
        except HubError as err:
            _LOGGER.warning("Simulated office: no billing history written (%s); import the estate's residents "
                            "sheet (xiaoqu simulator sheet, then xiaoqu residents import) to bill it", err)
            return
        *before, _current = periods_to_run(self.ctx.hub.clock.now().date(), empty=True)
        for period in before:
            await self.run(period)
        today = self.ctx.hub.clock.now().date().isoformat()
        for household, habit in self.habits.items():
            if habit not in ON_TIME:
                continue
            for period in before:  # paid on time back then: no late fee for the history
                try:
                    await self._call("extend", {"bill": f"{period}:{household}", "until": today, "approver": "simulator",
                                                "reason": "the simulator's history: paid when due"})
                except HubError:
                    continue  # no bill for this household (no floor area on record)
            await self.pay(household, payment_id=f"sim-history-{before[-1]}-{household}")

    def start(self) -> None:
        self.ctx.hub.create_task(self._open(), name="simulator: the office's billing")

    async def _open(self) -> None:
        for period in periods_to_run(self.ctx.hub.clock.now().date(), empty=False):
            await self.run(period)
        self.plan()
        self._next_month()

    def _next_month(self) -> None:
        now = self.ctx.hub.clock.now()
        first = (now.date().replace(day=1) + timedelta(days=32)).replace(day=1)
        moment = datetime.combine(first, RUN_AT, now.tzinfo)
        self.ctx.timers.later((moment - now).total_seconds(), self._new_month)

    def _new_month(self) -> None:
        self.ctx.hub.create_task(self._month(f"{self.ctx.hub.clock.now():%Y-%m}"), name="simulator: a month's bills")
        self._next_month()

    async def _month(self, period: str) -> None:
        await self.run(period)
        self.plan()

    async def run(self, period: str) -> None:
        """The office bills ``period``."""
        try:
            ran = await self._call("run", {"period": period})
        except HubError as err:
            _LOGGER.warning("Simulated office: the run of %s failed: %s", period, err)
            return
        self.ctx.log.act("billing", "the office billed %s: %d notices, %s fen", period, ran["notices"],
                         ran["total_fen"])

    def plan(self) -> None:
        """Each household that pays chooses when: soon when it pays on time, days later when late."""
        for household, habit in self.habits.items():
            if habit == "never":
                continue
            hours = self.rng.uniform(*LATE_DAYS) * 24 if habit == "late" else self.rng.uniform(0.1, ON_TIME_HOURS)
            delay = self.ctx.sim.real_delay(hours * 3600)
            self.ctx.timers.later(delay, partial(self._pays, household))

    def _pays(self, household: str) -> None:
        self.ctx.hub.create_task(self.pay(household), name=f"simulator: {household} pays its bills")

    async def pay(self, household: str, *, payment_id: str | None = None) -> None:
        """``household`` pays what it owes now, its own way (at the counter for the history,
        ``payment_id`` given)."""
        try:
            owed = (await self._call("arrears", {"household": household}))["total_fen"]
            if owed <= 0:
                return
            self._payments += 1
            online = self.habits[household] != "counter" and self.ctx.hub.services.has("payments", "create_order")
            if payment_id is not None or not online:
                await self._call("pay", {"household": household, "amount_fen": owed, "method": "cash",
                                         "payment_id": payment_id or f"sim-counter-{household}-{self._payments:06d}"})
                self.ctx.log.act("billing", "%s paid %d fen at the counter", household, owed)
            else:
                await self.ctx.hub.services.call("payments", "create_order", {
                    "amount_fen": owed, "description": "物业费", "purpose": BILLING, "reference": household},
                    context=self.context, return_response=True)
                self.ctx.log.act("billing", "%s pays %d fen online (%s)", household, owed, self.habits[household])
        except HubError as err:
            _LOGGER.warning("Simulated resident of %s could not pay: %s", household, err)

    async def _call(self, service: str, data: dict[str, Any]) -> dict[str, Any]:
        answer = await self.ctx.hub.services.call(BILLING, service, data, context=self.context, return_response=True)
        assert isinstance(answer, dict)
        return answer
