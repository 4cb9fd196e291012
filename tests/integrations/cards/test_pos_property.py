"""The money property with POS charges in the mix: charges from several terminals at once on the
same cards, request ids repeated (at once and later), refunds of charges, among the recharges,
refunds, reissues and returns of :mod:`.test_stored_value_property`. Every balance is still
its ledger entries' sum and a plain model's, never below zero; every transaction id once.

The POS is the hub's :class:`Pos` on the card centre, fed :class:`Sale` s as its terminals'
messages become them (the broker is :mod:`.test_pos`'s business, not the money's).
"""
from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SITE_TZ, START
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.cards.offline_charges import FlaggedCharges
from xiaoqu.integrations.cards.pos import Pos, Sale
from xiaoqu.integrations.cards.pos_config import PosConfig, Terminal
from xiaoqu.integrations.mqtt.models import Rejections

from . import test_stored_value_property as money
from .conftest import Estate, estate

#: The canteen takes 15 % off a resident's meal (the discount rounded down to the fen); the
#: shops charge the list price.
DISCOUNT = 15
TERMINALS = {t.id: t for t in (Terminal("canteen_1", "食堂", "canteen", True), Terminal("shop_1", "便利店", "shop", False),
                               Terminal("shop_2", "便利店", "shop", False))}


@dataclass
class Model(money.Model):
    """The money model, with the POS charges applied (transaction id → card and price) and refunded."""

    charges: dict[str, tuple[str, int]] = field(default_factory=dict)
    charges_refunded: set[str] = field(default_factory=set)


@dataclass
class Till:
    """The estate and its POS."""

    site: Estate
    pos: Pos


def price(terminal: str, amount: int) -> int:
    """What a resident's card pays: the model's own arithmetic, not the POS's."""
    return amount - amount * DISCOUNT // 100 if TERMINALS[terminal].discount else amount


async def charges(till: Till, model: Model, step: money.Step) -> None:
    """Charges at once, ``(card index, terminal, request id, amount)`` each. A request id repeated
    at a terminal in one burst is the terminal sending its sale again (the first's card and
    amount); one repeated in a later step is the same charge whatever it carries."""
    sent = {(terminal, request): (index, amount) for index, terminal, request, amount in reversed(step[1])}
    sales = [Sale(TERMINALS[terminal], request, model.uids[sent[terminal, request][0]], sent[terminal, request][1],
                  till.site.clock.time()) for _index, terminal, request, _amount in step[1]]
    answers = await asyncio.gather(*(till.pos.charge(sale) for sale in sales))
    copies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for sale, answer in zip(sales, answers, strict=True):
        assert answer["transaction_id"] == sale.transaction_id
        copies[sale.transaction_id].append(answer)
    first_of = {sale.transaction_id: sale for sale in reversed(sales)}
    for transaction_id, answered in copies.items():
        assert all(answer == answered[0] for answer in answered)  # one decision, one answer
        if answered[0]["ok"]:
            if transaction_id in model.charges:
                assert answered[0]["amount_fen"] == model.charges[transaction_id][1]  # the first answer again
            else:
                sale = first_of[transaction_id]
                model.charges[transaction_id] = (sale.card, price(sale.terminal.id, sale.amount_fen))
                model.balances[sale.card] -= model.charges[transaction_id][1]
                assert answered[0]["amount_fen"] == model.charges[transaction_id][1]
    for sale, answer in zip(sales, answers, strict=True):
        if not answer["ok"]:
            assert sale.transaction_id not in model.charges
            if answer["rule"] == "pos:balance":  # a debit at once cannot have made room
                assert model.balances[sale.card] < price(sale.terminal.id, sale.amount_fen)
            else:
                assert answer["rule"] in ("pos:card_lost", "pos:card_retired") and sale.card in model.retired


async def refund_charge(till: Till, model: Model, step: money.Step) -> None:
    if not model.charges:
        return
    transaction_id = sorted(model.charges)[step[1] % len(model.charges)]
    uid, paid = model.charges[transaction_id]
    answer = await till.site.call("refund", {"transaction_id": transaction_id, "reason": "cold soup"})
    assert answer["new"] == (transaction_id not in model.charges_refunded)
    if answer["new"]:
        model.charges_refunded.add(transaction_id)
        model.balances[uid] += paid
    assert answer["amount_fen"] == paid


_REQUEST = st.sampled_from([f"r{n}" for n in range(6)])
_CHARGE = st.tuples(money._INDEX, st.sampled_from(sorted(TERMINALS)), _REQUEST, st.integers(1, 3_000))
STEPS = [*money.STEPS,
         st.tuples(st.just("charges"), st.lists(_CHARGE, min_size=1, max_size=6)),
         st.tuples(st.just("refund_charge"), st.integers(0, 50))]
POS_APPLY = {"charges": charges, "refund_charge": refund_charge}


async def check(till: Till, model: Model) -> None:
    await money.check(till.site, model)
    ids = [transaction.id async for transaction in till.site.cards.wallet.ledger.transactions()]
    assert sum(1 for i in ids if i.startswith("pos:")) == len(model.charges)
    assert sum(1 for i in ids if i.startswith("refund:pos:")) == len(model.charges_refunded)


async def run(steps: list[money.Step]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with estate(Path(folder), ManualClock(START, SITE_TZ)) as site:
            flagged = FlaggedCharges(Path(folder) / "pos.db")
            await flagged.open()
            try:
                pos = Pos(site.hub, PosConfig(TERMINALS, discounts={"resident": DISCOUNT}), site.cards, flagged,
                          Rejections())
                await pos.start()
                till, model = Till(site, pos), Model()
                for uid in model.uids:
                    await site.call("issue", {"card": uid, "person": site.people["王芳"]})
                for step in steps:
                    if step[0] in POS_APPLY:
                        await POS_APPLY[step[0]](till, model, step)
                    else:
                        await money.APPLY[step[0]](site, model, step)
                    await check(till, model)
            finally:
                await flagged.close()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(*STEPS), min_size=1, max_size=25))
def test_money_is_never_wrong_with_pos_charges(steps: list[money.Step]) -> None:
    asyncio.run(run(steps))
