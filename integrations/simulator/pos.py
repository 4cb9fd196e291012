"""POS terminals in the canteen and the shop: charge a one-card, wait for the hub.

A charge goes out on ``pos/<id>/charge`` with an id the terminal chose and an amount in fen;
the terminal shows the answer from ``pos/<id>/result`` (charged, with the balance, or the
reason it was declined) — or, when none comes within :data:`ANSWER_TIMEOUT`, cancels the
sale, as a real terminal does. A terminal's ids carry the moment it was switched on: the hub
takes a repeated id for the same sale, so a restarted terminal must not count from 1 again.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core.money import yuan

from .context import SimContext
from .estate import PosTerminal

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
        self._pending: dict[str, tuple[str, TimerHandle]] = {}  # request id → whose card, timeout
        self._id_prefix = f"{terminal.id}-{int(ctx.stamp()):x}"
        ctx.listen("pos", terminal.id, "result", self._on_result)

    @property
    def label(self) -> str:
        return f"{self.terminal.name} ({self.terminal.id})"

    def charge(self, holder: str, card: str) -> None:
        """Ring up a sale to ``holder``'s ``card``."""
        ctx = self.ctx
        low, high = PRICES.get(self.terminal.name, (300, 3000))
        amount = ctx.rng.randrange(low, high, 50)
        request_id = ctx.next_id(self._id_prefix)
        timeout = ctx.timers.later(ANSWER_TIMEOUT, lambda: self._unanswered(request_id))
        self._pending[request_id] = (holder, timeout)
        ctx.publish("pos", self.terminal.id, "charge",
                    {"request_id": request_id, "card": card, "amount": amount, "ts": ctx.stamp()})
        ctx.log.act("pos", "%s: charge %s to %s's card %s", self.label, yuan(amount), holder, card)

    def _unanswered(self, request_id: str) -> None:
        if self._pending.pop(request_id, None) is not None:
            self.results["unanswered"] += 1

    def _on_result(self, payload: dict[str, Any]) -> None:
        request_id = payload.get("request_id")
        pending = self._pending.pop(request_id, None) if isinstance(request_id, str) else None
        if pending is None:
            return
        holder, timeout = pending
        timeout.cancel()
        ok = payload.get("ok") is True
        self.results["ok" if ok else "declined"] += 1
        balance = payload.get("balance_fen")
        shown = f", balance {yuan(balance)}" if isinstance(balance, int) and ok else ""
        self.ctx.log.act("pos", "%s: %s: %s%s", self.label, holder, payload.get("reason") or ("ok" if ok else "declined"),
                         shown)

