"""``xiaoqu cards report``: through the running hub, and on the stores of a stopped one; the
file's totals are the ledger's either way, and the period's days are both included."""
from __future__ import annotations

import asyncio
import csv
from datetime import timedelta
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from xiaoqu.core.cli import main
from xiaoqu.core.cli.site import load_site
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.cards.commands import open_report
from xiaoqu.integrations.residents.const import DOMAIN as RESIDENTS
from xiaoqu.integrations.residents.schema import CONFIG_SCHEMA as RESIDENTS_SCHEMA

from .conftest import SHEET_CARD, Estate, estate

OTHER_CARD = "0A0B0C0D"


def rows(path: Path) -> list[list[Any]]:
    if path.suffix == ".csv":
        return [list(row) for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines())]
    return [list(row) for row in load_workbook(path, read_only=True).active.iter_rows(values_only=True)]


def column_sum(table: list[list[Any]], name: str) -> int:
    index = table[0].index(name)
    return sum(int(row[index]) for row in table[1:])


async def spend(site: Estate) -> None:
    """Recharges on 2 and 3 March, a lunch on the 2nd: a ledger worth reporting."""
    await site.call("issue", {"card": OTHER_CARD, "person": site.people["李强"]})
    for n, (card, amount) in enumerate([(SHEET_CARD, 3000), (OTHER_CARD, 1500)]):
        await site.call("recharge", {"card": card, "amount_fen": amount, "payment_id": f"p{n}", "method": "cash"})
    sales = await site.cards.wallet.external("sales:", "canteen_1")
    await site.cards.wallet.ledger.post("pos:canteen_1:1", "charge", [(f"card:{SHEET_CARD}", -1200), (sales, 1200)],
                                        data={"period": "lunch"})
    site.clock.advance(timedelta(days=1))
    await site.call("recharge", {"card": SHEET_CARD, "amount_fen": 700, "payment_id": "p-next-day", "method": "cash"})


async def report(config: Path, *args: str) -> int:
    """The command as the office runs it, in a thread of its own (it runs its own loop)."""
    return await asyncio.to_thread(main, ["cards", "report", *args, "-c", str(config)])


async def test_the_command_writes_through_the_running_hub_and_on_the_stores(tmp_path: Path, clock: ManualClock,
                                                                             capsys: Any) -> None:
    config = tmp_path / "config.yaml"
    async with estate(tmp_path, clock) as site:
        await spend(site)
        ledger = site.cards.wallet.ledger
        card_total = sum(b for a, b in ledger.balances().items() if a.startswith("card:"))
        assert await report(config, "balances", "-o", str(tmp_path / "hub.xlsx")) == 0
        assert await report(config, "recharges", "--from", "2026-03-02", "--to", "2026-03-02",
                                       "--format", "csv", "-o", str(tmp_path / "hub-recharges.csv")) == 0
        await site.hub.recorder.flush()
        audited = await site.hub.recorder.query("audit", where={"act": "cards_report_exported"})
        assert {(r.data["kind"], r.data["source"]) for r in audited} == {("balances", "cli"), ("recharges", "cli")}
    assert column_sum(rows(tmp_path / "hub.xlsx"), "balance_fen") == card_total == 3000 + 1500 - 1200 + 700
    assert column_sum(rows(tmp_path / "hub-recharges.csv"), "amount_fen") == 4500  # not the 3rd's
    assert f"{tmp_path / 'hub.xlsx'}: 2 rows; cards 2, balance_fen {card_total}" in capsys.readouterr().out

    # The hub stopped: the command opens the stores itself and makes the same files.
    assert await report(config, "balances", "-o", str(tmp_path / "direct.xlsx")) == 0
    assert rows(tmp_path / "direct.xlsx") == rows(tmp_path / "hub.xlsx")
    assert await report(config, "recharges", "--from", "2026-03-02", "--to", "2026-03-03", "-o",
                  str(tmp_path / "direct.csv")) == 0
    assert column_sum(rows(tmp_path / "direct.csv"), "amount_fen") == 3000 + 1500 + 700
    assert await report(config, "consumption", "--format", "csv", "-o", str(tmp_path / "consumption.csv")) == 0
    assert rows(tmp_path / "consumption.csv")[1:] == [["2026-03-02", "canteen_1", "lunch", "1", "1200"]]


async def test_on_the_stores_the_bar_hears_each_row(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        await spend(site)
    heard: list[int] = []
    async with open_report(load_site(tmp_path / "config.yaml", {RESIDENTS: RESIDENTS_SCHEMA}), heard.append) as (
        export, on_hub
    ):
        result = await export(path=str(tmp_path / "recharges.xlsx"), kind="recharges")
    assert not on_hub and sum(heard) == result["rows"] == 3
    assert result["totals"] == {"recharges": 3, "amount_fen": 5200}


async def test_a_format_the_output_does_not_end_in_is_refused(tmp_path: Path, capsys: Any) -> None:
    assert await report(tmp_path / "config.yaml", "balances", "--format", "csv", "-o", str(tmp_path / "x.xlsx")) == 1
    assert "x.xlsx does not end in .csv" in capsys.readouterr().err
