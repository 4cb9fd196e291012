"""The ledger balances: for any period, billed = paid + waived + outstanding, over random rates,
payments, waivers and dates; and staff's approved changes, each as its own entry."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xiaoqu.core.errors import ServiceValidationError

from .conftest import billing_site

PERIODS = ("2026-03", "2026-04", "2026-05")
HOUSEHOLD = "1-1-0101"

acts = st.lists(st.one_of(
    st.tuples(st.just("pay"), st.integers(1, 60_000)),
    st.tuples(st.just("waive"), st.sampled_from(PERIODS), st.sampled_from(("late_fee", "principal"))),
    st.tuples(st.just("wait"), st.integers(1, 60)),
), max_size=8)


async def _sums(site) -> dict[str, int]:
    """Each side from its own source: bills as issued and late fees charged; receipts' allocations
    and credit that paid new bills; the waived accounts; what the bills still owe."""
    billing, ledger = site.billing, site.billing.books.ledger
    bills = list(billing.bills.values())
    credit_used = 0
    async for posted in ledger.transactions(kind="billing_credit"):
        credit_used += sum(-amount for account, amount in posted.legs if account.startswith("due:"))
    return {
        "billed": sum(b.total_fen + b.late_charged_fen for b in bills),
        "paid": sum(a["amount_fen"] for r in billing.receipts.values() if r.reissue_of is None for a in r.allocated)
        + credit_used,
        "credit_used": credit_used,
        "waived": sum(ledger.balance(a) for a in ("waived:principal", "waived:late_fee") if ledger.has_account(a)),
        "outstanding": sum(billing.books.due(b.id) + billing.books.late(b.id) for b in bills),
        "income": -sum(balance for account, balance in ledger.balances().items() if account.startswith("income:")),
    }


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rate=st.integers(1, 900), change=st.integers(1, 900), change_day=st.integers(1, 28), script=acts)
async def test_billed_is_paid_plus_waived_plus_outstanding(tmp_path_factory, rate, change, change_day, script):
    items = [{"id": "property_fee", "kind": "area", "due_day": 10,
              "rates": [{"from": "2025-01-01", "rate_fen": rate}, {"from": f"2026-04-{change_day:02d}", "rate_fen": change}]}]
    tmp_path: Path = tmp_path_factory.mktemp("books")
    async with billing_site(tmp_path, items=items) as site:
        n = 0
        for period in PERIODS:
            site.on(f"{period}-01")
            await site.call("run", {"period": period})
            for act in script:
                n += 1
                if act[0] == "pay":
                    await site.call("pay", {"household": HOUSEHOLD, "amount_fen": act[1], "payment_id": f"p{n}"})
                elif act[0] == "waive" and f"{act[1]}:{HOUSEHOLD}" in site.billing.bills:
                    try:
                        await site.call("waive", {"bill": f"{act[1]}:{HOUSEHOLD}", "part": act[2], "reason": "test"})
                    except ServiceValidationError:
                        pass  # nothing of that part owed: refused, nothing moved
                else:
                    site.later(days=act[1] if act[0] == "wait" else 0)
        sums = await _sums(site)
        assert sums["billed"] == sums["paid"] + sums["waived"] + sums["outstanding"] == sums["income"], sums
        assert await site.billing.books.ledger.verify() == []
        taken = sum(r.amount_fen for r in site.billing.receipts.values())
        held = sum(site.billing.books.credit(h) for h in site.billing.by_household)
        assert held >= 0 and taken == sums["paid"] + held  # money in: on bills, or still held as credit
