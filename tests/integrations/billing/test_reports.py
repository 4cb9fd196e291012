"""Billing's statements on a real hub, each reconciled with the ledger's balances; the service's
roles; and ``xiaoqu billing`` (run, pay, report as CSV, .xlsx and a PNG chart, bank export and
import) through the running hub's control socket."""
from __future__ import annotations

import asyncio
import csv
import os
import stat
import struct
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xiaoqu.core.cli import main
from xiaoqu.core.errors import ServiceValidationError, Unauthorized
from xiaoqu.integrations.billing import reports

from .conftest import Site, billing_site

MARCH, APRIL = "2026-03:1-1-0101", "2026-04:1-1-0101"


async def three_months(site: Site) -> None:
    """March to May for 1-1-0101 (¥223.75 a month) and 1-2-0601 (¥500.00): a late payment with its
    late fee, a partial one, an overpayment, a waiver, a correction, a refund."""
    await site.call("run", {"period": "2026-03"})
    site.on("2026-04-01")
    await site.call("run", {"period": "2026-04"})
    site.on("2026-04-25")  # March 41 days overdue for both
    await site.call("pay", {"household": "1-1-0101", "amount_fen": 30000, "payment_id": "c1", "method": "cash"})
    await site.call("pay", {"household": "1-2-0601", "amount_fen": 120000, "payment_id": "t1", "method": "transfer"})
    await site.call("correct", {"bill": APRIL, "item": "property_fee", "amount_fen": -1000, "reason": "面积更正"},
                    role="manager")
    await site.call("waive", {"bill": APRIL, "part": "principal", "amount_fen": 500, "reason": "协商"})
    site.on("2026-05-01")
    await site.call("run", {"period": "2026-05"})
    await site.call("pay", {"household": "1-1-0101", "amount_fen": 5000, "payment_id": "c2", "method": "cash"})
    await site.call("refund", {"payment_id": "c2", "reason": "重复"}, role="manager")
    site.on("2026-09-20")  # May's bills 128 days overdue


def balances(site: Site, prefix: str) -> int:
    return sum(b for account, b in site.billing.books.ledger.balances().items() if account.startswith(prefix))


async def test_every_report_reconciles_with_the_ledger(tmp_path):
    async with billing_site(tmp_path) as site:
        await three_months(site)
        all_time = {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}
        taken = await reports.build(site.billing, "collection", **all_time)
        assert [(r["kind"], r["receipt_no"], r["method"], r["amount_fen"]) for r in taken.rows] == [
            ("payment", "R2026-000001", "cash", 30000), ("payment", "R2026-000002", "transfer", 120000),
            ("payment", "R2026-000003", "cash", 5000), ("refund", "R2026-000003", "cash", -5000)]
        assert taken.totals["amount_fen"] == balances(site, "method:") == 150000
        first = taken.rows[0]  # ¥27.52 late fee, ¥223.75 March, ¥6.71 April's late fee, the rest April
        assert (first["late_fee_fen"], first["principal_fen"], first["credit_fen"]) == (2752 + 671, 30000 - 3423, 0)
        used = [sum(a for acc, a in p.legs if acc.startswith("credit:"))
                async for p in site.billing.books.ledger.transactions("billing_credit")]
        assert taken.totals["credit_fen"] == 12350 == sum(used) - balances(site, "credit:")  # kept = used + held

        income = await reports.build(site.billing, "income", **all_time)
        assert income.totals["amount_fen"] == -balances(site, "income:")
        assert {(r["month"], r["item"]): r["amount_fen"] for r in income.rows}[("2026-04", "property_fee")] == (
            22375 + 30000 - 1000)

        owed = await reports.build(site.billing, "receivables")
        assert owed.totals["outstanding_fen"] == balances(site, "due:")
        assert owed.totals["late_fee_fen"] == balances(site, "late:")
        assert owed.totals["credit_fen"] == -balances(site, "credit:")

        ageing = await reports.build(site.billing, "ageing")
        assert ageing.totals["total_fen"] == balances(site, "due:") + balances(site, "late:")
        row = next(r for r in ageing.rows if r["household"] == "1-1-0101")
        # April's rest 158 days overdue (due 15 April), May's 128: both in 91–180.
        assert (row["days_91_180_fen"], row["days_0_30_fen"], row["oldest_due"]) == (row["total_fen"], 0,
                                                                                     "2026-04-15")

        listed = await reports.build(site.billing, "arrears_list")
        assert [r["household"] for r in listed.rows] == ["1-1-0101", "1-2-0601"]
        assert listed.totals["outstanding_fen"] == balances(site, "due:")

        rate = await reports.build(site.billing, "collection_rate", start=date(2026, 3, 1), end=date(2026, 5, 31))
        assert [r["period"] for r in rate.rows] == ["2026-03", "2026-04", "2026-05"]
        assert rate.rows[0] == {"period": "2026-03", "bills": 2, "billed_fen": 72375, "waived_fen": 0,
                                "collected_fen": 72375, "outstanding_fen": 0, "rate_percent": "100.0"}
        assert rate.totals["outstanding_fen"] == balances(site, "due:")
        assert rate.totals["billed_fen"] - rate.totals["waived_fen"] - rate.totals["outstanding_fen"] == (
            rate.totals["collected_fen"])


async def test_the_service_by_role_and_bad_input_named(tmp_path):
    async with billing_site(tmp_path) as site:
        await site.call("run", {"period": "2026-03"})
        answer = await site.call("report", {"kind": "receivables"})
        assert answer["columns"][0] == "household" and answer["totals"]["outstanding_fen"] == 72375
        with pytest.raises(ServiceValidationError, match="expected one of collection.*'kind'"):
            await site.call("report", {"kind": "everything"})
        with pytest.raises(ServiceValidationError, match="end: 2026-01-01 is before start 2026-02-01"):
            await site.call("report", {"kind": "income", "start": "2026-02-01", "end": "2026-01-01"})
        with pytest.raises(Unauthorized):
            await site.call("report", {"kind": "receivables"}, role="resident")


def rows(path: Path) -> list[list[Any]]:
    if path.suffix == ".csv":
        return [list(row) for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines())]
    return [list(row) for row in load_workbook(path, read_only=True).active.iter_rows(values_only=True)]


async def billing(config: Path, *args: str) -> int:
    """``xiaoqu billing ...`` as the office runs it, in a thread of its own (it runs its own loop)."""
    return await asyncio.to_thread(main, ["billing", *args, "-c", str(config)])


async def test_the_commands_through_the_running_hub(tmp_path, capsys):
    config = tmp_path / "site" / "config.yaml"
    async with billing_site(tmp_path) as site:
        assert await billing(config, "run", "2026-03") == 0
        assert "2026-03: 2 bills, ¥723.75; 0 households already billed" in capsys.readouterr().out
        assert await billing(config, "pay", "1-1-0101", "223.75", "--payment-id", "desk-1", "--method", "cash") == 0
        assert "receipt R2026-000001: ¥223.75 from 1-1-0101" in capsys.readouterr().out
        assert await billing(config, "pay", "1-1-0101", "1.005", "--payment-id", "desk-2") == 1
        assert "at most two decimals" in capsys.readouterr().err

        out = tmp_path / "owed.csv"
        assert await billing(config, "report", "receivables", "-o", str(out)) == 0
        assert rows(out) == [list(reports.RECEIVABLE_COLUMNS), ["1-2-0601", "1", "50000", "0", "0", "50000"]]
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        book = tmp_path / "taken.xlsx"
        assert await billing(config, "report", "collection", "--from", "2026-03-01", "-o", str(book)) == 0
        assert rows(book)[1][1:7] == ["payment", "R2026-000001", "desk-1", "1-1-0101", "cash", 22375]
        chart = tmp_path / "rate.png"
        assert await billing(config, "report", "collection_rate", "--from", "2026-01-01", "--to", "2026-03-31",
                             "--format", "png", "-o", str(chart)) == 0
        data = chart.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (48 + 3 * 64, 276)
        assert await billing(config, "report", "ageing", "--format", "png", "-o", str(chart)) == 1
        assert "use it with collection_rate" in capsys.readouterr().err

        await site.call("bank_mandate", {"household": "1-2-0601", "bank": "建设银行", "account": "6217001234567890",
                                         "holder": "王芳", "since": "2026-01-01"})
        sheet = tmp_path / "collection.csv"
        assert await billing(config, "bank", "export", "2026-03", "-o", str(sheet)) == 0
        assert rows(sheet)[1] == ["1", "TS202603-1-2-0601", "6217001234567890", "王芳", "建设银行", "500.00", "CNY",
                                  "物业费 2026-03", "1-2-0601"]
        result = tmp_path / "result.csv"
        result.write_text("业务参考号,付款账号,金额,处理结果,失败原因,银行流水号\n"
                          "TS202603-1-2-0601,6217001234567890,500.00,成功,,C77\n"
                          "TS202603-1-1-0101,6217001234567890,223.75,成功,,C78\n", encoding="utf-8")
        capsys.readouterr()
        assert await billing(config, "bank", "import", str(result)) == 1  # one row to resolve
        printed = capsys.readouterr()
        assert "1 collected and paid, 0 failed (kept with the bank's reason), 1 unmatched" in printed.out
        assert f"{result}:3: TS202603-1-1-0101: no exported row has reference" in printed.err
        assert await billing(config, "bank", "import", str(result)) == 0
        assert "0 collected and paid, 0 failed (kept with the bank's reason), 0 unmatched, 2 imported before" in (
            capsys.readouterr().out)
        assert site.billing.arrears("1-2-0601").outstanding_fen == 0

        await site.hub.recorder.flush()
        audited = await site.hub.recorder.query("audit", limit=None, newest_first=False)
        acts = [r.data["act"] for r in audited if r.data.get("act", "").startswith("billing_")]
        assert {"billing_run", "billing_paid", "billing_report_exported", "billing_bank_exported",
                "billing_bank_imported"} <= set(acts)
    assert await billing(config, "run", "2026-04") == 1
    assert "no hub is running" in capsys.readouterr().err
