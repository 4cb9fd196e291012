"""``xiaoqu visitors export`` on a real hub: the visits of the days asked, newest first, names,
phones and plates masked, in a CSV or .xlsx file only the hub's user may read, no cell a formula,
and the export audited; with no hub running the command says so."""
from __future__ import annotations

import asyncio
import csv
import os
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.core.cli import main
from xiaoqu.core.spreadsheet import csv_value
from xiaoqu.integrations.visitors.cli import COLUMNS

from .conftest import ALICE, BOB, START, estate

HEADER = list(COLUMNS)


def csv_rows(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8-sig")
    return [[csv_value(cell) for cell in row] for row in csv.reader(text.splitlines())]


def xlsx_rows(path: Path) -> list[list[Any]]:
    return [list(row) for row in load_workbook(path, read_only=True).active.iter_rows(values_only=True)]


async def export(config: Path, *args: str) -> int:
    """The command as the office runs it, in a thread of its own (it runs its own loop)."""
    return await asyncio.to_thread(main, ["visitors", "export", *args, "-c", str(config)])


async def test_the_visitor_log_exported_masked_by_day(site_dir: Path, broker: BrokerProcess, capsys: Any) -> None:
    config = site_dir / "config.yaml"
    async with estate(site_dir, broker) as site:
        first = await site.register(ALICE, plate="粤B12345")
        site.clock.advance(timedelta(minutes=30))
        second = await site.register(BOB, name="=HYPERLINK(\"http://x\")", phone="13800001111")
        await site.call("staff", "confirm", visit_id=second, accept=False, reason="host asked to turn them away")
        site.clock.advance(timedelta(days=1))
        third = await site.register(ALICE, leave_by=(START + timedelta(days=1, hours=2)).isoformat())
        await site.settle()

        monday = site_dir / "monday.csv"
        assert await export(config, "--from", "2026-03-02", "--to", "2026-03-02", "-o", str(monday)) == 0
        assert f"{monday}: 2 visits" in capsys.readouterr().out
        table = csv_rows(monday)
        assert table[0] == HEADER
        shown = [dict(zip(HEADER, row, strict=True)) for row in table[1:]]
        assert [row["visit_id"] for row in shown] == [second, first]  # newest first
        assert [(row["household"], row["name"], row["phone"], row["plate"], row["status"]) for row in shown] == [
            (BOB, "=" + "*" * 21, "138****1111", "", "refused"),
            (ALICE, "王**", "139****5678", "粤B1***5", "expired")]  # unanswered by its leave_by
        assert shown[0]["reason"] == "host asked to turn them away"
        assert shown[1]["registered_at"] == "2026-03-02T10:00:00+08:00"
        raw = monday.read_text(encoding="utf-8-sig")
        assert "王小明" not in raw and "13912345678" not in raw and "粤B12345" not in raw
        assert "'=**" in raw  # a cell Excel would run as a formula is written as text
        assert stat.S_IMODE(os.stat(monday).st_mode) == 0o600

        every = site_dir / "visitors.xlsx"
        assert await export(config, "--format", "xlsx", "-o", str(every)) == 0
        book = xlsx_rows(every)
        assert book[0] == HEADER and [row[1] for row in book[1:]] == [third, second, first]
        assert stat.S_IMODE(os.stat(every).st_mode) == 0o600

        assert await export(config, "--from", "2026-03-04", "--to", "2026-03-02", "-o", str(site_dir / "x.csv")) == 1
        assert "last: 2026-03-02 is before first 2026-03-04" in capsys.readouterr().err
        await site.settle()
        audited = await site.hub.recorder.query("audit", where={"act": "visitors_exported"})
        assert sorted((r.data["rows"], r.data["first"], r.data["source"]) for r in audited) == [
            (2, "2026-03-02", "cli"), (3, None, "cli")]
    assert await export(config, "-o", str(site_dir / "stopped.csv")) == 1
    assert "no hub is running" in capsys.readouterr().err
