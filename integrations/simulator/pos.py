"""POS terminals in the canteen and the shop: charge a resident's one-card, wait for the hub.

A charge goes out on ``pos/<id>/charge`` with an id the terminal chose and an amount in fen;
the terminal shows the answer from ``pos/<id>/result`` — or, when none comes within
:data:`ANSWER_TIMEOUT`, cancels the sale, as a real terminal does.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .context import SimContext
from .estate import PosTerminal, Resident

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle

ANSWER_TIMEOUT = 5.0
#: Price ranges by terminal, in fen.
PRICES = {"Canteen": (800, 2600), "Convenience shop": (300, 6000), "Laundry": (400, 1200)}


class PosDevice:
    def __init__(self, ctx: SimContext, terminal: PosTerminal) -> None:
        self.ctx = ctx
        self.terminal = terminal
        self.results = {"ok": 0, "declined": 0, "unanswered": 0}
        self._pending: dict[str, TimerHandle] = {}
        ctx.listen("pos", terminal.id, "result", self._on_result)

    def charge(self, resident: Resident) -> None:
        ctx = self.ctx
        low, high = PRICES.get(self.terminal.name, (300, 3000))
        amount = ctx.rng.randrange(low, high, 50)
        request_id = ctx.next_id(self.terminal.id)
        self._pending[request_id] = ctx.timers.later(ANSWER_TIMEOUT, lambda: self._unanswered(request_id))
        ctx.publish("pos", self.terminal.id, "charge",
                    {"request_id": request_id, "card": resident.card, "amount": amount, "ts": ctx.stamp()})
        ctx.log.act("pos", "%s (%s): charge ¥%d.%02d to %s's card %s", self.terminal.name, self.terminal.id,
                    amount // 100, amount % 100, resident.name, resident.card)

    def _unanswered(self, request_id: str) -> None:
        if self._pending.pop(request_id, None) is not None:
            self.results["unanswered"] += 1

    def _on_result(self, payload: dict[str, Any]) -> None:
        request_id = payload.get("request_id")
        timeout = self._pending.pop(request_id, None) if isinstance(request_id, str) else None
        if timeout is None:
            return
        timeout.cancel()
        self.results["ok" if payload.get("ok") is True else "declined"] += 1
