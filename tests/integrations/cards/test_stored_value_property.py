"""Any interleaving of recharges (some repeated, some at once), refunds, reissues and returns
leaves every balance equal to the sum of its ledger entries and to a plain model of the money,
never below zero, with every transaction id applied once.

Extensible: a step is a strategy in ``STEPS`` and an ``apply`` in ``APPLY`` by its first
element; the POS adds charges the same way (``STEPS.append(...)``, ``APPLY["charge"] = ...``).
"""
from __future__ import annotations

import asyncio
import tempfile
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SITE_TZ, START
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import ServiceValidationError

from .conftest import Estate, estate

#: The cards of a run, by index; a reissue gives a card index a new number.
CARDS = 3


@dataclass
class Model:
    """What the money should be, kept without the ledger."""

    uids: list[str] = field(default_factory=lambda: [f"0C00000{i}" for i in range(CARDS)])
    balances: Counter[str] = field(default_factory=Counter)
    retired: set[str] = field(default_factory=set)
    recharges: dict[str, tuple[str, int]] = field(default_factory=dict)  # payment id → (uid, amount)
    refunded: set[str] = field(default_factory=set)
    issued: int = 0


Step = tuple[Any, ...]
Apply = Callable[[Estate, Model, Step], Awaitable[None]]


async def recharge(site: Estate, model: Model, step: Step, news: Counter[str] | None = None) -> None:
    """One recharge, its answer checked against the model; in a burst (``news`` given) the
    copies of one payment id are checked together once all have answered (:func:`burst`)."""
    _kind, index, amount, payment = step
    uid = model.uids[index]
    try:
        answer = await site.call("recharge", {"card": uid, "amount_fen": amount, "payment_id": payment,
                                              "method": "cash"})
    except ServiceValidationError:
        first = model.recharges.get(payment)
        assert uid in model.retired or (first is not None and first != (uid, amount))
        return
    if news is None:
        assert answer["new"] == (payment not in model.recharges)
    else:
        news[payment] += answer["new"]
    if answer["new"]:
        model.recharges[payment] = (uid, amount)
        model.balances[uid] += amount


async def burst(site: Estate, model: Model, step: Step) -> None:
    """Recharges of one card at once, some the same payment sent twice (one amount per payment
    id, so which of two copies the ledger takes first does not matter)."""
    amounts = {payment: amount for payment, amount in reversed(step[2])}
    uid, before, news = model.uids[step[1]], set(model.recharges), Counter[str]()
    await asyncio.gather(*(recharge(site, model, ("recharge", step[1], amounts[payment], payment), news)
                           for payment, _amount in step[2]))
    # Copies answered in the same commit may come back in either order: exactly one of them is new.
    for payment in amounts:
        assert news[payment] == (0 if payment in before or uid in model.retired else 1), payment


async def refund(site: Estate, model: Model, step: Step) -> None:
    if not model.recharges:
        return
    payment = sorted(model.recharges)[step[1] % len(model.recharges)]
    uid, amount = model.recharges[payment]
    try:
        await site.call("refund", {"transaction_id": f"recharge:{payment}", "reason": "test"})
    except ServiceValidationError:
        assert payment not in model.refunded and model.balances[uid] < amount  # spent, moved or paid back
        return
    if payment not in model.refunded:
        model.refunded.add(payment)
        model.balances[uid] -= amount


async def reissue(site: Estate, model: Model, step: Step) -> None:
    old = model.uids[step[1]]
    if old in model.retired:
        return
    model.issued += 1
    new = f"0D1{model.issued:05X}"
    answer = await site.call("reissue", {"old_card": old, "new_card": new})
    assert answer["balance_fen"] == model.balances[old]
    model.balances[new], model.balances[old] = model.balances[old], 0
    model.retired.add(old)
    model.uids[step[1]] = new


async def return_card(site: Estate, model: Model, step: Step) -> None:
    uid = model.uids[step[1]]
    if uid in model.retired:
        return
    answer = await site.call("return", {"card": uid, "method": "cash"})
    assert answer["refunded_fen"] == model.balances[uid]
    model.balances[uid] = 0
    model.retired.add(uid)


_INDEX = st.integers(0, CARDS - 1)
_PAYMENT = st.sampled_from([f"pay-{n}" for n in range(8)])
_AMOUNT = st.integers(1, 5_000)
STEPS: list[st.SearchStrategy[Step]] = [
    st.tuples(st.just("recharge"), _INDEX, _AMOUNT, _PAYMENT),
    st.tuples(st.just("burst"), _INDEX, st.lists(st.tuples(_PAYMENT, _AMOUNT), min_size=2, max_size=5)),
    st.tuples(st.just("refund"), st.integers(0, 50)),
    st.tuples(st.just("reissue"), _INDEX),
    st.tuples(st.just("return"), _INDEX),
]
APPLY: dict[str, Apply] = {"recharge": recharge, "burst": burst, "refund": refund, "reissue": reissue,
                           "return": return_card}


async def check(site: Estate, model: Model) -> None:
    ledger = site.cards.wallet.ledger
    assert await ledger.verify() == []
    balances = ledger.balances()
    assert sum(balances.values()) == 0
    for uid, expected in model.balances.items():
        assert site.cards.balance(uid) == expected >= 0
    ids = [transaction.id async for transaction in ledger.transactions()]
    assert len(ids) == len(set(ids))
    assert sum(1 for i in ids if i.startswith("recharge:")) == len(model.recharges)


async def run(steps: list[Step]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with estate(Path(folder), ManualClock(START, SITE_TZ)) as site:
            model = Model()
            for uid in model.uids:
                await site.call("issue", {"card": uid, "person": site.people["王芳"]})
            for step in steps:
                await APPLY[step[0]](site, model, step)
                await check(site, model)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(*STEPS), min_size=1, max_size=25))
def test_money_is_never_wrong(steps: list[Step]) -> None:
    asyncio.run(run(steps))
