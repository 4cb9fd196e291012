"""A hub killed between the ledger's posting of a run's bills and their rows in ``billing.db``:
the next start rebuilds each bill from its ``billing_bill`` posting, and running the period
again issues nothing and moves no money."""
from __future__ import annotations

import asyncio
import sys
import textwrap
from pathlib import Path

from .conftest import billing_site

ROOT = Path(__file__).resolve().parents[3]

#: Start the site, make the row store's write of bills kill the process, run March.
KILLED_RUN = textwrap.dedent("""
    import asyncio, os, sys
    from pathlib import Path
    from tests.integrations.billing.conftest import billing_site
    from xiaoqu.integrations.billing.store import BillingStore

    async def main():
        async with billing_site(Path(sys.argv[1])) as site:
            BillingStore.save_bills = lambda self, bills: os._exit(9)
            await site.call("run", {"period": "2026-03"})

    asyncio.run(main())
""")


async def test_a_run_killed_after_the_ledger_posted_its_bills_is_made_good(tmp_path):
    killed = await asyncio.create_subprocess_exec(sys.executable, "-c", KILLED_RUN, str(tmp_path), cwd=ROOT,
                                                  stderr=asyncio.subprocess.PIPE)
    try:
        _out, err = await asyncio.wait_for(killed.communicate(), 120)
    except TimeoutError:
        killed.kill()
        raise
    assert killed.returncode == 9, err.decode()
    async with billing_site(tmp_path) as site:
        ledger = site.billing.books.ledger
        assert ledger.balance("due:2026-03:1-1-0101") == 22375  # the money was posted before the kill
        assert sorted(site.billing.bills) == ["2026-03:1-1-0101", "2026-03:1-2-0601"]
        assert site.billing.arrears("1-1-0101").outstanding_fen == 22375
        [bill] = (await site.call("bills", {"household": "1-2-0601"}))["bills"]
        assert (bill["total_fen"], bill["due"], len(bill["lines"])) == (50000, "2026-03-15", 2)
        again = await site.call("run", {"period": "2026-03"})
        assert (again["notices"], again["total_fen"], again["already_billed"]) == (0, 0, 2)
        assert -ledger.balance("income:property_fee") == 22375 + 30000
    async with billing_site(tmp_path) as site:  # the rows were written: nothing to make good
        assert await site.billing.make_good() == 0 and len(site.billing.bills) == 2
