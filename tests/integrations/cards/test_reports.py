"""Reports: their totals are the ledger's, and they export to CSV and .xlsx."""
from __future__ import annotations

from pathlib import Path

from xiaoqu.core.clock import ManualClock

from .conftest import SHEET_CARD, estate


async def test_report_totals_reconcile_with_the_ledger_and_export(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as site:
        await site.call("issue", {"card": "0A0B0C0D", "person": site.people["李强"], "deposit_fen": 2000,
                                  "valid_to": "2026-12-31"})
        for n, (card, amount) in enumerate([(SHEET_CARD, 3000), ("0A0B0C0D", 1500), (SHEET_CARD, 700)]):
            await site.call("recharge", {"card": card, "amount_fen": amount, "payment_id": f"p{n}", "method": "cash"})
        sales = await site.cards.wallet.external("sales:", "canteen_1")
        await site.cards.wallet.ledger.post("pos:canteen_1:1", "charge", [(f"card:{SHEET_CARD}", -1200), (sales, 1200)],
                                            data={"period": "lunch"})
        await site.call("extend", {"card": "0A0B0C0D", "valid_to": "2027-06-30"})
        await site.call("report_loss", {"card": "0A0B0C0D", "reason": "lost on the bus"})
        ledger = site.cards.wallet.ledger

        balances = await site.call("report", {"kind": "balances"})
        assert balances["totals"]["balance_fen"] == sum(b for a, b in ledger.balances().items() if a.startswith("card:"))
        recharges = await site.call("report", {"kind": "recharges", "start": "2026-03-01", "end": "2026-03-03"})
        assert recharges["totals"]["amount_fen"] == -ledger.balance("cash:cash") - 2000  # less the deposit
        consumption = await site.call("report", {"kind": "consumption"})
        assert consumption["rows"] == [["2026-03-02", "canteen_1", "lunch", 1, 1200]]
        assert consumption["totals"]["amount_fen"] == ledger.balance("sales:canteen_1")
        assert (await site.call("report", {"kind": "issued"}))["totals"] == {"cards": 1, "deposit_fen": 2000}
        assert (await site.call("report", {"kind": "extensions"}))["totals"] == {"extensions": 1}
        losses = await site.call("report", {"kind": "losses"})
        assert losses["rows"][0][1:4] == ["0A0B0C0D", "the hub", "lost on the bus"]

        for name in ("balances.csv", "balances.xlsx"):
            written = await site.call("report", {"kind": "balances", "file": name})
            assert written["totals"] == balances["totals"] and written["rows"] == 2
            path = Path(written["path"])
            assert path.stat().st_mode & 0o777 == 0o600
