"""Bank collection (托收): mandates sealed and masked, the period's collection file, and the
bank's result file with collected, failed and unmatched rows imported, then imported again."""
from __future__ import annotations

import pytest

from xiaoqu.core.errors import ServiceValidationError, Unauthorized

from .conftest import billing_site

LI, WANG = "6222021234567890123", "6222029999888877776"
RESULT = f"""\ufeff业务参考号,付款账号,金额,处理结果,失败原因,银行流水号
TS202603-1-1-0101,{LI},223.75,成功,,B0001
TS202603-1-2-0601,{WANG},500.00,失败,余额不足,
TS202603-9-9-0909,{LI},10.00,成功,,B0003
TS202603-1-1-0101,6222020000000000000,223.75,成功,,B0004
TS202603-1-2-0601,{WANG},400.00,成功,,B0005
"""


async def test_collection_file_out_and_the_banks_result_in_once(tmp_path):
    async with billing_site(tmp_path) as site:
        for household, account, holder in (("1-1-0101", LI, "李雷"), ("1-2-0601", WANG, "王芳")):
            shown = await site.call("bank_mandate", {"household": household, "bank": "工商银行深圳分行",
                                                     "account": account, "holder": holder, "since": "2026-01-01"})
            assert shown["account"] == account[:4] + "*" * 11 + account[-4:] and shown["holder"] != holder
        assert LI not in str(site.billing.bank.mandates["1-1-0101"].as_doc())  # sealed at rest
        await site.call("run", {"period": "2026-03"})
        exported = await site.call("bank_export", {"period": "2026-03"})
        assert [(r["reference"], r["amount_fen"]) for r in exported["rows"]] == [
            ("TS202603-1-1-0101", 22375), ("TS202603-1-2-0601", 50000)]
        assert exported["total_fen"] == 72375 and LI not in str(exported)
        headers, lines = site.billing.bank.file_lines("2026-03")
        assert headers[:6] == ["序号", "业务参考号", "付款账号", "户名", "开户行", "金额"]
        assert lines[0][:6] == [1, "TS202603-1-1-0101", LI, "李雷", "工商银行深圳分行", "223.75"]

        result = await site.call("bank_import", {"text": RESULT, "source": "icbc-0316.csv"})
        assert {k: result[k] for k in ("paid", "failed", "unmatched", "already")} == {
            "paid": 1, "failed": 1, "unmatched": 3, "already": 0}
        assert site.billing.arrears("1-1-0101").outstanding_fen == 0
        assert site.billing.arrears("1-2-0601").outstanding_fen == 50000
        [receipt] = site.billing.receipts.values()
        assert (receipt.payment_id, receipt.method, receipt.amount_fen) == ("bank:B0001", "bank_collection", 22375)
        failed = [r for r in site.billing.bank.rows.values() if r["outcome"] == "failed"]
        assert [(r["household"], r["why"]) for r in failed] == [("1-2-0601", "余额不足")]

        ledger = site.billing.books.ledger
        before = ledger.balances()
        again = await site.call("bank_import", {"text": RESULT, "source": "icbc-0316.csv"})
        assert {k: again[k] for k in ("paid", "failed", "unmatched", "already")} == {
            "paid": 0, "failed": 0, "unmatched": 0, "already": 5}
        assert ledger.balances() == before and len(site.billing.receipts) == 1

        unmatched = (await site.call("bank_unmatched", {}))["rows"]
        assert [(r["line"], r["why"], r["resolved"]) for r in unmatched] == [
            (4, "no exported row has reference TS202603-9-9-0909", False),
            (5, "account 6222***********0000 is not the one exported (6222***********0123)", False),
            (6, "amount ¥400.00 is not the ¥500.00 asked for", False)]
        # Staff resolve the last by hand: the bank's serial as the payment id.
        await site.call("pay", {"household": "1-2-0601", "amount_fen": 40000, "payment_id": "bank:B0005",
                                "method": "bank_collection"})
        assert [r["resolved"] for r in (await site.call("bank_unmatched", {}))["rows"]] == [False, False, True]
        assert [r["household"] for r in (await site.call("bank_export", {"period": "2026-03"}))["rows"]] == [
            "1-2-0601"]  # the collected household is not asked again


async def test_bank_bad_input_and_roles(tmp_path):
    async with billing_site(tmp_path) as site:
        mandate = {"household": "1-1-0101", "bank": "工行", "account": LI, "holder": "李雷", "since": "2026-01-01"}
        with pytest.raises(ServiceValidationError, match="8 to 32 digits.*'account'"):
            await site.call("bank_mandate", {**mandate, "account": "6222-0212"})
        with pytest.raises(ServiceValidationError, match="there is no household 9-9-0909"):
            await site.call("bank_mandate", {**mandate, "household": "9-9-0909"})
        with pytest.raises(ServiceValidationError, match="no column status"):
            await site.call("bank_import", {"text": "业务参考号,付款账号,金额\nx,1,1.00\n"})
        with pytest.raises(ServiceValidationError, match=r"line 2: 金额 \(amount\) '1.005'"):
            await site.call("bank_import", {"text": "业务参考号,付款账号,金额,处理结果\nx,1,1.005,成功\n"})
        with pytest.raises(ServiceValidationError, match="line 2: not a result file's CSV: field larger than"):
            await site.call("bank_import", {"text": "业务参考号,付款账号,金额,处理结果\nx,1," + "9" * 200_000 + ",成功\n"})
        with pytest.raises(Unauthorized):
            await site.call("bank_export", {"period": "2026-03"}, role="resident")
        assert site.billing.bank.rows == {}
