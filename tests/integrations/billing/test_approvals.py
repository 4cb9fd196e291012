"""Staff's approved changes, each an entry of its own and audited; signatures and online payments
arriving as events; and what a restarted hub still knows."""
from __future__ import annotations

import pytest

from xiaoqu.core.errors import ServiceValidationError

from .conftest import billing_site

MARCH = "2026-03:1-1-0101"


async def _audit(site, act: str) -> list[dict]:
    await site.hub.recorder.flush()
    return [r.data for r in await site.hub.recorder.query("audit", limit=None, newest_first=False)
            if r.data.get("act") == act]


async def test_waiver_extension_vacancy_refund_and_reissue(tmp_path):
    async with billing_site(tmp_path) as site:
        vacancy = await site.call("vacancy", {"household": "1-1-0101", "from": "2026-03", "to": "2026-03",
                                              "percent": "50", "reason": "无人居住", "approver": "王经理"})
        assert vacancy["items"] == ["property_fee"]
        await site.call("run", {"period": "2026-03"})
        [bill] = (await site.call("bills", {"household": "1-1-0101"}))["bills"]
        assert bill["total_fen"] == 22375 - 11188
        assert bill["lines"][1]["why"] == ("vacant unit (空置房): 50% of 物业费 ¥223.75 = −¥111.88 "
                                           "(approved by 王经理: 无人居住)")
        await site.call("extend", {"bill": MARCH, "until": "2026-03-31", "reason": "一个月宽限"}, role="manager")
        site.on("2026-04-10")  # 10 days past the extended due date
        assert site.billing.arrears("1-1-0101").late_fee_fen == 336  # ¥111.87 × 0.3% × 10 = 335.61 fen
        waived = await site.call("waive", {"bill": MARCH, "reason": "首次逾期"})
        assert waived["waived_fen"] == 336 and site.billing.arrears("1-1-0101").late_fee_fen == 0
        [audit] = await _audit(site, "billing_waived")
        assert (audit["approver"], audit["reason"], audit["amount_fen"]) == ("finance", "首次逾期", 336)
        paid = await site.call("pay", {"household": "1-1-0101", "amount_fen": 20000, "payment_id": "t-1",
                                       "method": "transfer"})
        assert paid["credit_fen"] == 20000 - 11187
        copy = await site.call("reissue_receipt", {"receipt_no": paid["receipt_no"], "reason": "遗失"})
        assert copy["reissue_of"] == paid["receipt_no"]
        assert site.billing.receipts[paid["receipt_no"]].reissued_as == [copy["receipt_no"]]
        with pytest.raises(ServiceValidationError):
            await site.call("refund", {"payment_id": "nope", "reason": "x"}, role="manager")
        await site.call("refund", {"payment_id": "t-1", "reason": "重复转账"}, role="manager")
        assert site.billing.arrears("1-1-0101").outstanding_fen == 11187
        assert site.billing.books.credit("1-1-0101") == 0
        assert site.billing.receipts[paid["receipt_no"]].refunded["reason"] == "重复转账"
        with pytest.raises(ServiceValidationError, match="already reversed"):
            await site.call("refund", {"payment_id": "t-1", "reason": "again"}, role="manager")


async def test_a_signature_and_an_online_payment_arrive_as_events_and_survive_a_restart(tmp_path):
    async with billing_site(tmp_path) as site:
        await site.call("run", {"period": "2026-03"})
        site.hub.bus.fire("notice_acknowledged", {"notice_id": "N1", "household": "1-1-0101",
                                                  "ref": f"billing:{MARCH}", "by": "李雷"})
        site.hub.bus.fire("payment_received", {"order_id": "o1", "payment_id": "wx-1", "amount_fen": 22375,
                                               "method": "wechat", "provider": "sim_pay", "purpose": "billing",
                                               "reference": "1-1-0101"})
        await site.hub.block_till_done()
        [applied] = site.fired("billing.payment_applied")
        assert (applied["household"], applied["method"], applied["amount_fen"]) == ("1-1-0101", "wechat", 22375)
        assert site.fired("billing.arrears_cleared")[0]["receipt_no"] == applied["receipt_no"]
    async with billing_site(tmp_path) as site:
        assert site.billing.bills[MARCH].signed["by"] == "李雷"
        again = await site.call("pay", {"household": "1-1-0101", "amount_fen": 1, "payment_id": "wx-1"})
        assert again["repeat"] and again["receipt_no"] == applied["receipt_no"]
        assert (await site.call("run", {"period": "2026-03"}))["notices"] == 0
        assert site.billing.arrears("1-1-0101").outstanding_fen == 0
