"""The contract's billing services through the hub, as the roles the permission table names:
a period's run (once), payments (once per payment id, oldest first, credit kept), arrears
and the late fee, and bad input refused with the field named."""
from __future__ import annotations

import pytest

from xiaoqu.core.errors import ServiceValidationError, Unauthorized

from .conftest import billing_site


async def test_a_run_bills_each_household_once_with_a_why_per_line(tmp_path):
    async with billing_site(tmp_path) as site:
        answer = await site.call("run", {"period": "2026-03"})
        # 89.50 m² × ¥2.50 = ¥223.75; 120.00 m² × ¥2.50 + 2 spaces × ¥100 = ¥500.00; 2-1-0301 has no area.
        assert (answer["notices"], answer["total_fen"]) == (2, 22375 + 50000)
        assert answer["skipped"] == {"2-1-0301": "no floor area on record for 物业费"}
        again = await site.call("run", {"period": "2026-03"})
        assert (again["notices"], again["total_fen"], again["already_billed"]) == (0, 0, 2)
        [bill] = (await site.call("bills", {"household": "1-2-0601"}))["bills"]
        assert bill["due"] == "2026-03-15" and bill["outstanding_fen"] == 50000
        assert [line["why"] for line in bill["lines"]] == [
            "物业费: 120.00 m² × ¥2.50/m²/month × 1 month = ¥300.00",
            "车位管理费: 2 space × ¥100.00/space/month × 1 month = ¥200.00"]


async def test_a_rate_change_mid_period_is_prorated_by_days(tmp_path):
    items = [{"id": "property_fee", "name": "物业费", "kind": "area", "due_day": 15,
              "rates": [{"from": "2025-01-01", "rate_fen": 250}, {"from": "2026-03-16", "rate_fen": 280}]}]
    async with billing_site(tmp_path, items=items) as site:
        await site.call("run", {"period": "2026-03"})
        [bill] = (await site.call("bills", {"household": "1-1-0101"}))["bills"]
        # 89.50 × (250 × 15/31 + 280 × 16/31) = 89.50 × 265.4839 = 23760.8 fen → ¥237.61
        assert bill["total_fen"] == 23761
        assert bill["lines"][0]["why"] == (
            "物业费: 89.50 m² × ¥2.50/m²/month × 1 month × 15/31 days (2026-03-01–2026-03-15) + 89.50 m² × "
            "¥2.80/m²/month × 1 month × 16/31 days (2026-03-16–2026-03-31) = ¥237.61 (prorated by days; rounded "
            "half up to the fen from 23760.8065 fen)")


async def test_payments_go_oldest_first_late_fee_first_and_overpayment_is_credit(tmp_path):
    async with billing_site(tmp_path) as site:
        await site.call("run", {"period": "2026-03"})
        site.on("2026-04-01")
        await site.call("run", {"period": "2026-04"})
        site.on("2026-04-25")  # March's bill 41 days overdue: ¥223.75 × 0.3% × 41 = ¥27.52 (27.52125)
        owed = await site.call("arrears", {"household": "1-1-0101"})
        assert owed == {**owed, "outstanding_fen": 44750, "overdue_fen": 44750, "late_fee_fen": 2752 + 671,
                        "oldest_due": "2026-03-15", "days": 41, "months": 1}
        paid = await site.call("pay", {"household": "1-1-0101", "amount_fen": 30000, "payment_id": "desk-1",
                                       "method": "cash"})
        assert paid["receipt_no"] == "R2026-000001" and paid["credit_fen"] == 0
        assert [(a["bill"], a["part"], a["amount_fen"]) for a in paid["allocated"]] == [
            ("2026-03:1-1-0101", "late_fee", 2752), ("2026-03:1-1-0101", "principal", 22375),
            ("2026-04:1-1-0101", "late_fee", 671), ("2026-04:1-1-0101", "principal", 30000 - 2752 - 22375 - 671)]
        again = await site.call("pay", {"household": "1-1-0101", "amount_fen": 99999, "payment_id": "desk-1",
                                        "method": "cash"})
        assert again == {**paid, "repeat": True}
        assert len(site.fired("billing.payment_applied")) == 1
        left = site.billing.arrears("1-1-0101")
        rest = left.outstanding_fen + left.late_fee_fen
        over = await site.call("pay", {"household": "1-1-0101", "amount_fen": rest + 1000, "payment_id": "desk-2",
                                       "method": "transfer"})
        assert over["credit_fen"] == 1000 and over["receipt_no"] == "R2026-000002"
        [cleared] = site.fired("billing.arrears_cleared")
        assert cleared == {"household": "1-1-0101", "paid_fen": rest + 1000, "receipt_no": "R2026-000002"}
        site.on("2026-05-01")
        await site.call("run", {"period": "2026-05"})
        [may, *_rest] = (await site.call("bills", {"household": "1-1-0101"}))["bills"]
        assert may["outstanding_fen"] == 22375 - 1000  # the credit paid the next bill first
        assert site.billing.books.credit("1-1-0101") == 0


async def test_the_late_fee_service_states_its_arithmetic(tmp_path):
    async with billing_site(tmp_path, late_fee={"percent_per_day": "0.3", "grace_days": 5}) as site:
        fee = await site.call("late_fee", {"principal_fen": 100000, "days": 25})
        assert fee["late_fee_fen"] == 6000
        assert fee["explanation"] == "¥1000.00 × 0.3% × 20 days (25 days overdue, the first 5 free) = ¥60.00"
        assert (await site.call("late_fee", {"principal_fen": 100000, "days": 3}))["late_fee_fen"] == 0


async def test_bad_input_is_refused_naming_the_field_and_moves_nothing(tmp_path):
    async with billing_site(tmp_path) as site:
        await site.call("run", {"period": "2026-03"})
        pay = {"household": "1-1-0101", "amount_fen": 100, "payment_id": "p1", "method": "cash"}
        with pytest.raises(ServiceValidationError, match="there is no household 9-9-0909"):
            await site.call("pay", {**pay, "household": "9-9-0909"})
        with pytest.raises(ServiceValidationError, match="more than 0 for 'amount_fen'"):
            await site.call("pay", {**pay, "amount_fen": 0})
        with pytest.raises(ServiceValidationError, match="0 or more for 'amount_fen'"):
            await site.call("pay", {**pay, "amount_fen": -5})
        with pytest.raises(ServiceValidationError, match="write 150 for ¥1.50"):
            await site.call("pay", {**pay, "amount_fen": 1.5})
        with pytest.raises(ServiceValidationError, match="like 2026-03.*'period'"):
            await site.call("run", {"period": "March"})
        assert site.billing.receipts == {} and site.billing.arrears("1-1-0101").outstanding_fen == 22375


async def test_roles_finance_takes_money_a_resident_reads_only_their_own_household(tmp_path):
    async with billing_site(tmp_path) as site:
        await site.call("run", {"period": "2026-03"}, role="manager")
        own = await site.call("arrears", {"household": "1-1-0101"}, role="resident")
        assert own["outstanding_fen"] == 22375
        with pytest.raises(Unauthorized, match="own household"):
            await site.call("arrears", {"household": "1-2-0601"}, role="resident")
        with pytest.raises(Unauthorized):
            await site.call("pay", {"household": "1-1-0101", "amount_fen": 100, "payment_id": "x", "method": "cash"},
                            role="resident")
        with pytest.raises(Unauthorized):
            await site.call("run", {"period": "2026-04"}, role="guard")
