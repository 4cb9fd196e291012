"""The office's services for POS uploads the cards could not pay: list them, settle them.

Rows of the card centre's table (services.py): ``cards.offline_flagged`` and
``cards.settle_offline``.
"""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.services import ServiceCall
from xiaoqu.core.validation import boolean, name, vol
from xiaoqu.integrations.access.services import author

from .errors import CardError
from .history import Who
from .offline_charges import OPEN, SETTLE_METHODS
from .pos import Pos
from .pos_setup import DATA_POS
from .runtime import get_cards
from .schema import card

FLAGGED_SCHEMA: Final = vol.Schema({vol.Optional("card"): card, vol.Optional("all", default=False): boolean})
SETTLE_SCHEMA: Final = vol.Schema({
    vol.Required("transaction_id"): vol.All(str, vol.Length(min=1, max=200)),
    vol.Required("method"): vol.In(SETTLE_METHODS),
    vol.Optional("reason"): name,
})


def _pos(call: ServiceCall) -> Pos:
    running = call.hub.data.get(DATA_POS)
    if running is None:
        raise CardError("there is no POS on this hub (cards: pos: in config.yaml, and mqtt)")
    return running.pos


def offline_flagged(call: ServiceCall) -> dict[str, Any]:
    """Flagged offline charges (of one card; open ones unless ``all``), oldest sale first."""
    pos = _pos(call)
    uid = get_cards(call.hub).card(call.data["card"]).uid if "card" in call.data else None
    charges = pos.flagged.listed(uid, open_only=not call.data["all"])
    owed = sum(charge.amount_fen for charge in charges if charge.status == OPEN)
    return {"charges": [charge.view() for charge in charges], "owed_fen": owed}


async def settle_offline(call: ServiceCall) -> dict[str, Any]:
    answer: dict[str, Any] = await _pos(call).settle(call.data["transaction_id"], call.data["method"],
                                                     call.data.get("reason"), Who(author(call), call.context))
    return answer
