"""Parking's answer carried back on the camera's own request (Vzenith, Dahua).

A Vzenith camera opens its gate, writes its LED and speaks from the JSON that answers its
push, and with its offline check on it must be answered within seconds or it turns itself
offline. So the route that took the push waits, up to ``reply_timeout``, for parking to
answer the ``plate_read`` it fired with :meth:`Lpr.set_reply(read_id, GateReply)
<xiaoqu.integrations.lpr.lpr.Lpr.set_reply>`, then answers the camera with it, or without
one (the gate stays shut). A repeat folded into a read waits for that read's answer, so the
camera gets the same answer however often it asks. Answers are kept until they cannot be
asked for any more (``keep`` seconds).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .models import NO_REPLY, GateReply

#: Open answers kept before the old ones are swept.
SWEEP_AT: Final = 256


@dataclass(slots=True)
class _Pending:
    at: float
    answer: asyncio.Future[GateReply]
    waiting: int = 0


class Replies:
    def __init__(self, clock: Callable[[], float], keep: float) -> None:
        self._clock = clock
        self._keep = keep
        self._pending: dict[str, _Pending] = {}

    def expect(self, read_id: str) -> None:
        """A camera request will wait for parking's answer to ``read_id``."""
        now = self._clock()
        self._pending[read_id] = _Pending(now, asyncio.get_running_loop().create_future())
        if len(self._pending) > SWEEP_AT:
            for old in [k for k, p in self._pending.items() if now - p.at > self._keep]:
                del self._pending[old]

    def expects(self, read_id: str) -> bool:
        return read_id in self._pending

    def set(self, read_id: str, reply: GateReply) -> bool:
        """Give ``read_id``'s answer; True when a camera request is waiting and will carry it."""
        pending = self._pending.get(read_id)
        if pending is None or pending.answer.done():
            return False
        pending.answer.set_result(reply)
        return pending.waiting > 0

    async def wait(self, read_id: str, timeout: float) -> GateReply:
        """``read_id``'s answer, or :data:`NO_REPLY` when none comes within ``timeout``."""
        pending = self._pending.get(read_id)
        if pending is None:
            return NO_REPLY
        if pending.answer.done():
            return pending.answer.result()
        pending.waiting += 1
        try:
            return await asyncio.wait_for(asyncio.shield(pending.answer), timeout)
        except TimeoutError:
            return NO_REPLY
        finally:
            pending.waiting -= 1
