"""Parking's reports on a real hub: cars driven through the real gates (plate reads over the
broker, payments at the booth and through the simulated WeChat Pay), then each report's figures
asserted exactly; the income reconciled with the ledger's method accounts; the service's roles
and bad input; ``xiaoqu parking report`` writing CSV and .xlsx through the running hub."""
from __future__ import annotations

import asyncio
import csv
import os
import stat
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.core.cli import main
from xiaoqu.integrations.parking import reports
from xiaoqu.integrations.parking.const import METHOD_ACCOUNT

from .conftest import Site, car_park

__all__ = ["BrokerProcess"]


async def two_days(site: Site) -> dict[str, str]:
    """Monday 2 March from 10:00 and Tuesday 3 March: seven stays, two payments; the session ids."""
    ids = {}
    for plate in ("粤B10001", "粤A55555", "粤B66666"):  # a resident on its space, a temporary car, a pass
        await site.read("cam-1", plate)
    site.later(hours=1)  # 11:00
    await site.read("cam-2", "粤A55555")  # 1 h: ¥3.00 at the booth
    status, paid = await site.call("finance", "pay", {"plate": "粤A55555", "amount_fen": 300, "payment_id": "booth-1",
                                                      "method": "cash"})
    assert status == 200 and paid["let_out"], paid
    ids["A55555"] = paid["session_id"]
    await site.read("cam-1", "粤A77777")
    site.later(minutes=10)  # within the 15 free minutes
    await site.read("cam-2", "粤A77777")
    site.later(hours=23, minutes=-10)  # Tuesday 10:00
    await site.read("cam-2", "粤B10001")
    await site.read("cam-1", "粤A88888")
    site.later(hours=2)  # 2 h: ¥6.00 by the order's QR code
    await site.read("cam-2", "粤A88888")
    [due] = [d for d in site.fired("parking_payment_due") if d["plate_masked"] == "粤A8***8"]
    assert due["due_fen"] == 600
    await site.pay_order(due["order_id"])
    assert [d["rule"] for d in site.fired("parking_exit") if d["plate_masked"] == "粤A8***8"] == ["paid"]
    return ids


async def test_the_reports_figures_from_the_gates_and_the_ledger(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await two_days(site)
        days = await reports.build(site.hub, "sessions_by_day", start=date(2026, 3, 1), end=date(2026, 3, 3))
        assert days.columns == ("day", "entries", "exits", "temporary", "paid_fen", "free")
        assert days.rows == [
            {"day": "2026-03-01", "entries": 0, "exits": 0, "temporary": 0, "paid_fen": 0, "free": 0},
            {"day": "2026-03-02", "entries": 4, "exits": 2, "temporary": 2, "paid_fen": 300, "free": 1},
            {"day": "2026-03-03", "entries": 1, "exits": 2, "temporary": 1, "paid_fen": 600, "free": 1},
        ]
        assert days.totals == {"entries": 5, "exits": 4, "temporary": 3, "paid_fen": 900, "free": 2}
        assert "from 2026-03-01 to 2026-03-03" in days.explanation and "by payment time" in days.explanation

        income = await reports.build(site.hub, "income_by_method", lot="main", start=date(2026, 3, 2),
                                     end=date(2026, 3, 3))
        assert income.rows == [{"method": "cash", "count": 1, "amount_fen": 300},
                               {"method": "wechat", "count": 1, "amount_fen": 600}]
        assert income.totals == {"payments": 2, "amount_fen": 900}
        monday = await reports.build(site.hub, "income_by_method", start=date(2026, 3, 2), end=date(2026, 3, 2))
        assert monday.rows == [{"method": "cash", "count": 1, "amount_fen": 300}]

        # Reconciled: each method's figure is what its ledger account moved in the period, and the
        # period holding every payment gives the accounts' balances.
        ledger = site.parking.books.ledger
        midnight = reports._midnight
        for row in income.rows:
            moved = await ledger.entries(f"{METHOD_ACCOUNT}{row['method']}", midnight(date(2026, 3, 2), site.parking.tz),
                                         midnight(date(2026, 3, 4), site.parking.tz), limit=None)
            assert -sum(entry.amount for entry in moved) == row["amount_fen"]
            assert len(moved) == row["count"]
        balances = ledger.balances()
        assert -sum(v for a, v in balances.items() if a.startswith(METHOD_ACCOUNT)) == income.totals["amount_fen"]
        assert sum(v for a, v in balances.items() if a.startswith("session:")) == income.totals["amount_fen"]

        inside = await reports.build(site.hub, "inside")
        [car] = inside.rows
        assert car == {"session_id": car["session_id"], "plate": "粤B6***6", "lot": "main", "kind": "pass",
                       "status": "inside", "entered_at": "2026-03-02T10:00:00+08:00", "duration": "26 h",
                       "minutes": 1560}
        assert inside.totals == {"cars": 1, "resident": 0, "pass": 1, "visitor": 0, "temporary": 0, "counted": 1}
        assert (await reports.build(site.hub, "long_stays")).rows == []  # the default: 72 h
        long = await reports.build(site.hub, "long_stays", long_stay_hours=24)
        assert long.rows == [car] and "longer than 24 h" in long.explanation


async def test_the_service_by_role_and_bad_input_named(tmp_path, broker):
    async with car_park(tmp_path, broker) as site:
        await two_days(site)
        status, answer = await site.call("finance", "report", {"kind": "income_by_method", "start": "2026-03-02",
                                                               "end": "2026-03-03"})
        assert status == 200 and answer["totals"] == {"payments": 2, "amount_fen": 900}
        assert answer["columns"] == ["method", "count", "amount_fen"] and answer["explanation"]
        status, message = await site.call("guard", "report", {"kind": "income_by_method"})
        assert status == 403 and "parking.report_income" in message
        status, answer = await site.call("guard", "report", {"kind": "inside", "lot": "main"})
        assert status == 200 and answer["totals"]["cars"] == 1 and answer["rows"][0]["plate"] == "粤B6***6"
        status, _message = await site.call("resident", "report", {"kind": "inside"})
        assert status == 403
        status, message = await site.call("manager", "report", {"kind": "cars"})
        assert status == 400 and "kind" in message and "sessions_by_day" in message
        assert await site.call("manager", "report", {"kind": "sessions_by_day", "lot": "garage"}) == (
            400, "lot: there is no lot garage (the lots: main)")
        assert await site.call("manager", "report", {"kind": "sessions_by_day", "start": "2026-03-05",
                                                     "end": "2026-03-01"}) == (
            400, "end: 2026-03-01 is before start 2026-03-05")
        assert await site.call("manager", "report", {"kind": "income_by_method", "start": "2025-01-01",
                                                     "end": "2026-03-01"}) == (
            400, "end: 2025-01-01 to 2026-03-01 is 425 days; a report covers at most 366")
        status, message = await site.call("manager", "report", {"kind": "sessions_by_day", "start": "March"})
        assert status == 400 and "start" in message and "2026-03-02" in message
        status, message = await site.call("manager", "report", {"kind": "long_stays", "long_stay_hours": 0})
        assert status == 400 and "long_stay_hours" in message


def rows(path: Path) -> list[list[Any]]:
    if path.suffix == ".csv":
        return [list(row) for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines())]
    return [list(row) for row in load_workbook(path, read_only=True).active.iter_rows(values_only=True)]


async def command(config: Path, *args: str) -> int:
    """``xiaoqu parking report`` as the office runs it, in a thread of its own (it runs its own loop)."""
    return await asyncio.to_thread(main, ["parking", "report", *args, "-c", str(config)])


async def test_the_command_writes_csv_and_xlsx_through_the_running_hub(tmp_path, broker, capsys):
    config = tmp_path / "site" / "config.yaml"
    async with car_park(tmp_path, broker) as site:
        await two_days(site)
        out = tmp_path / "days.csv"
        assert await command(config, "sessions_by_day", "--from", "2026-03-02", "--to", "2026-03-03", "-o",
                             str(out)) == 0
        assert rows(out) == [["day", "entries", "exits", "temporary", "paid_fen", "free"],
                             ["2026-03-02", "4", "2", "2", "300", "1"], ["2026-03-03", "1", "2", "1", "600", "1"]]
        assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
        printed = capsys.readouterr()
        assert f"{out}: 2 rows; entries 5, exits 4, temporary 3, paid_fen 900, free 2" in printed.out
        assert "per day from 2026-03-02 to 2026-03-03" in printed.err
        book = tmp_path / "income.xlsx"
        assert await command(config, "income_by_method", "--lot", "main", "--from", "2026-03-02", "--to",
                             "2026-03-03", "--format", "xlsx", "-o", str(book)) == 0
        table = rows(book)
        assert table == [["method", "count", "amount_fen"], ["cash", 1, 300], ["wechat", 1, 600]]
        assert await command(config, "inside", "--format", "csv", "-o", str(tmp_path / "inside.xlsx")) == 1
        assert "inside.xlsx does not end in .csv" in capsys.readouterr().err
        assert await command(config, "sessions_by_day", "--lot", "garage", "-o", str(tmp_path / "x.csv")) == 1
        assert "lot: there is no lot garage" in capsys.readouterr().err
        await site.hub.recorder.flush()
        audited = await site.hub.recorder.query("audit", where={"act": "parking_report_exported"})
        assert sorted((r.data["kind"], r.data["source"], r.data["rows"]) for r in audited) == [
            ("income_by_method", "cli", 2), ("sessions_by_day", "cli", 2)]
    assert await command(config, "inside", "-o", str(tmp_path / "stopped.csv")) == 1
    assert "no hub is running" in capsys.readouterr().err
