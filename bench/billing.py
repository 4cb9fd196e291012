"""Billing at the size of a large estate: a period's run with late fees over 10,000 households
with three years of history, the run repeated (nothing may change), arrears of every household,
and the start-up that loads the history.

The site: ``--households`` households (60–150 m²), three fee items (物业费 by area, monthly, due
the 15th; 车位管理费 for every third household; 维修基金 by area, yearly in January) and the
default late fee (0.3 % a day). The history, ``--months`` periods before the measured one,
each run by ``Billing.run`` on the 1st of its month:

- 92 % of households pay each bill before its due date, the payments posted through billing's
  ledger (``Books.pay``) as a bank's batch would arrive, many at once (group commit), receipts
  numbered and kept as ``billing.pay`` keeps them;
- 5 % pay late, every second month on the 20th, all they owe, through ``Billing.pay`` itself
  (the late fee charged to the fen, oldest bill first);
- 3 % never pay: their bills pile up (the arrears the run's notices and the arrears list carry).

Then the hub is stopped and started again (timed: ``billing.db``'s rows and the ledger read back)
and measured on the 1st of the next month:

- **run**: ``billing.run`` of the new period, timed until it answers; with ``--notices`` the
  notices integration is set up, and the fee notices (each with the household's arrears and late
  fee accrued to the day) are accepted in one batch (``Notices.send_many``) before it answers,
  then delivered in the background: the time until every one is delivered (the log channel) is
  shown beside it, with the households' statuses;
- **second run**: the same period again: no bill, no posting (the ledger's balances compared);
- **arrears**: ``arrears_all`` (every household owing, from memory) and ``arrears(h)`` for each
  of the households one by one.

    .venv/bin/python bench/billing.py [--households 10000] [--months 36] [--notices] [--dir DIR]

With ``--dir`` the history is built once in DIR and reused by later runs of the same size; each
run measures a copy, so DIR keeps the history as built.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import shlex
import shutil
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from xiaoqu.core.clock import ManualClock  # noqa: E402
from xiaoqu.core.gc_tuning import freeze_start_up, tune_for_hub  # noqa: E402
from xiaoqu.core.testing import running_hub  # noqa: E402
from xiaoqu.integrations.billing import Billing, Receipt, get_billing  # noqa: E402
from xiaoqu.integrations.billing.fees import add_months, period_text  # noqa: E402
from xiaoqu.integrations.notices import get_notices  # noqa: E402
from xiaoqu.integrations.residents import get_residents  # noqa: E402
from xiaoqu.integrations.residents.registry import FLUSH_EVERY  # noqa: E402

SEED = 20261206
TZ = "Asia/Shanghai"
TARGET_RUN, TARGET_ARREARS = 3.0, 1.0
#: The measured period: the history is the months before it.
MEASURED = date(2026, 3, 1)


def households(count: int) -> list[str]:
    """``<building>-<unit>-<floor><flat>``: 25 buildings of 2 units of 25 floors of 8 flats, as many as asked."""
    found = [f"{b}-{u}-{floor:02d}{flat:02d}" for b in range(1, 200) for u in (1, 2) for floor in range(1, 26)
             for flat in range(1, 9)]
    return found[:count]


def site_config(ids: list[str], key: str, notices: bool) -> dict[str, Any]:
    items = [
        {"id": "property_fee", "name": "物业费", "kind": "area", "rate_fen": 250, "due_day": 15},
        {"id": "parking_fee", "name": "车位管理费", "kind": "per_unit", "unit": "space", "rate_fen": 10000,
         "households": ids[::3]},
        {"id": "repair_fund", "name": "维修基金", "kind": "area", "rate_fen": 25, "period": "yearly", "due_day": 31},
    ]
    config: dict[str, Any] = {"residents": {"encryption_key": key}, "payments": {}, "billing": {"items": items}}
    if notices:
        config["notices"] = {}
    return config


async def populate(hub: Any, ids: list[str], rng: random.Random) -> None:
    residents = get_residents(hub)
    async with residents.batch() as batch:
        for household in ids:
            residents.stage_household(batch, household, f"{rng.randint(6000, 15000) / 100:.2f}")
            if len(batch) >= FLUSH_EVERY:
                await batch.flush()


async def settle(billing: Billing, payers: list[str], period: str) -> int:
    """Each payer's open principal paid in full before its due date, as a bank batch arrives:
    posted together through the books (group commit), receipts kept as ``pay`` keeps them."""
    today = billing.today()
    posts, receipts = [], []
    for household in payers:
        owing = [(b.id, billing.books.due(b.id)) for b in billing.open.get(household, [])]
        amount = sum(fen for _bill, fen in owing)
        if not amount:
            continue
        receipt_no = billing._next_receipt(today.year)
        allocated = [{"bill": bill, "period": billing.bills[bill].period, "part": "principal", "amount_fen": fen}
                     for bill, fen in owing]
        answer = {"receipt_no": receipt_no, "household": household, "payment_id": f"bank-{period}-{household}",
                  "amount_fen": amount, "method": "transfer", "allocated": allocated, "credit_fen": 0}
        receipt = Receipt(receipt_no, household, answer["payment_id"], amount, "transfer", allocated, 0,
                          billing.hub.clock.time())
        billing._add_receipt(receipt)
        receipts.append(receipt)
        posts.append(billing.books.pay(answer["payment_id"], household, "transfer", amount,
                                       [(bill, "principal", fen) for bill, fen in owing], 0, {"answer": answer}))
    await asyncio.gather(*posts)
    for household in payers:
        billing._refresh(household)
    await billing.store.save_receipts(receipts)
    return len(receipts)


def at(clock: ManualClock, day: date, hour: int = 8) -> None:
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=clock.tz)
    if moment > clock.now():
        clock.set(moment)


async def build_history(site_dir: Path, config: dict[str, Any], ids: list[str], months: int,
                        rng: random.Random) -> dict[str, Any]:
    start = add_months(MEASURED, -months)
    clock = ManualClock(datetime(start.year, start.month, 1, 7, tzinfo=ManualClock(0, TZ).tz), TZ)
    shuffled = ids[:]
    rng.shuffle(shuffled)
    late = shuffled[: len(ids) * 5 // 100]
    never = shuffled[len(late): len(late) + len(ids) * 3 // 100]
    punctual = sorted(set(ids) - set(late) - set(never))
    began = time.perf_counter()
    async with running_hub(site_dir, config, clock=clock) as hub:
        await populate(hub, ids, rng)
        billing = get_billing(hub)
        for n in range(months):
            first = add_months(start, n)
            at(clock, first)
            await billing.run(period_text(first))
            at(clock, first + timedelta(days=9))
            await settle(billing, punctual, period_text(first))
            if n % 2:
                at(clock, first + timedelta(days=19))
                for household in late:
                    owed = billing.arrears(household)
                    await billing.pay(household, owed.total_fen, f"late-{period_text(first)}-{household}", "cash")
            print(f"  history {period_text(first)}: {len(billing.bills):,} bills, {len(billing.receipts):,} receipts "
                  f"({time.perf_counter() - began:.0f} s)", file=sys.stderr)
    return {"households": len(ids), "months": months, "late": len(late), "never": len(never),
            "built_s": round(time.perf_counter() - began, 1)}


def delivered_notices(hub: Any, period: str) -> dict[str, int]:
    """The period's fee notices by their households' status (all ``sent`` once delivered)."""
    found = get_notices(hub)
    counts: dict[str, int] = {}
    for notice in found.find(ref=f"billing:{period}:"):
        for status, count in found.counts(notice).items():
            counts[status] = counts.get(status, 0) + count
    return counts


async def measure(site_dir: Path, config: dict[str, Any], notices: bool) -> dict[str, Any]:
    clock = ManualClock(datetime(MEASURED.year, MEASURED.month, 1, 8, tzinfo=ManualClock(0, TZ).tz), TZ)
    began = time.perf_counter()
    async with running_hub(site_dir, config, clock=clock) as hub:
        started = time.perf_counter() - began
        freeze_start_up()
        billing = get_billing(hub)
        loaded = {"bills": len(billing.bills), "receipts": len(billing.receipts),
                  "open_households": len(billing.open)}
        period = period_text(MEASURED)
        t0 = time.perf_counter()
        first = await billing.run(period)
        run_s = time.perf_counter() - t0
        await hub.block_till_done()  # with notices: every fee notice delivered in the background
        settled_s = time.perf_counter() - t0
        delivered = delivered_notices(hub, period) if notices else None
        before = billing.books.ledger.balances()
        t0 = time.perf_counter()
        second = await billing.run(period)
        second_s = time.perf_counter() - t0
        unchanged = billing.books.ledger.balances() == before
        t0 = time.perf_counter()
        owing = billing.arrears_all()
        all_s = time.perf_counter() - t0
        ids = [h.id for h in billing.residents.households()]
        t0 = time.perf_counter()
        each = [billing.arrears(h) for h in ids]
        each_s = time.perf_counter() - t0
        late_fee = sum(a.late_fee_fen for a in owing.values())
    return {
        "start_up_s": round(started, 2), **loaded,
        "run_s": round(run_s, 2), "run_notices": first["notices"], "run_total_fen": first["total_fen"],
        "notices_accepted": first.get("notices_accepted"), "settled_s": round(settled_s, 2), "delivered": delivered,
        "second_run_s": round(second_s, 3), "second_run_notices": second["notices"], "ledger_unchanged": unchanged,
        "arrears_all_s": round(all_s, 3), "owing_households": len(owing), "late_fee_accrued_fen": late_fee,
        "arrears_each_s": round(each_s, 3), "arrears_each_count": len(each),
    }


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--notices", action="store_true", help="set up notices: each new bill's fee notice sent")
    parser.add_argument("--dir", type=Path, help="keep (or reuse) the site here")
    args = parser.parse_args()
    tune_for_hub()
    rng = random.Random(SEED)
    ids = households(args.households)
    with tempfile.TemporaryDirectory() as scratch:
        site_dir = args.dir or Path(scratch) / "site"
        site_dir.mkdir(parents=True, exist_ok=True)
        marker = site_dir / "bench-billing.json"
        built = json.loads(marker.read_text()) if marker.exists() else None
        if built is None or (built["households"], built["months"]) != (args.households, args.months):
            if built is not None:
                raise SystemExit(f"{site_dir} holds another size's history ({built}); use another --dir")
            key = Fernet.generate_key().decode()
            built = {**await build_history(site_dir, site_config(ids, key, False), ids, args.months, rng), "key": key}
            marker.write_text(json.dumps(built))
        measured = Path(scratch) / "measured"  # the history stays as built, for the next run
        shutil.copytree(site_dir, measured, ignore=shutil.ignore_patterns("*.lock"))
        figures = await measure(measured, site_config(ids, built["key"], args.notices), args.notices)
    command = ".venv/bin/python bench/billing.py " + shlex.join(sys.argv[1:])
    print(f"command: {command.strip()}")
    print(f"history: {built['households']:,} households × {built['months']} months "
          f"({built['late']} paying late, {built['never']} never), built in {built['built_s']} s")
    print(f"start-up (billing.db and the ledger read back): {figures['start_up_s']} s for {figures['bills']:,} bills, "
          f"{figures['receipts']:,} receipts")
    ok_run = figures["run_s"] <= TARGET_RUN
    print(f"run {period_text(MEASURED)}{' with notices' if args.notices else ''}: {figures['run_s']} s, "
          f"{figures['run_notices']:,} bills — target ≤ {TARGET_RUN} s: {'met' if ok_run else 'MISSED'}")
    if args.notices:
        print(f"  fee notices: {figures['notices_accepted']:,} accepted when the run answered; every one delivered "
              f"{figures['settled_s']} s after the run began (households by status: {figures['delivered']})")
    ok_second = figures["second_run_notices"] == 0 and figures["ledger_unchanged"]
    print(f"second run: {figures['second_run_s']} s, {figures['second_run_notices']} bills, ledger unchanged: "
          f"{figures['ledger_unchanged']} — {'met' if ok_second else 'MISSED'}")
    ok_arrears = figures["arrears_all_s"] <= TARGET_ARREARS and figures["arrears_each_s"] <= TARGET_ARREARS
    print(f"arrears: arrears_all {figures['arrears_all_s']} s ({figures['owing_households']:,} owing, late fee "
          f"accrued ¥{figures['late_fee_accrued_fen'] / 100:,.2f}); each of {figures['arrears_each_count']:,} "
          f"households {figures['arrears_each_s']} s — target ≤ {TARGET_ARREARS} s: "
          f"{'met' if ok_arrears else 'MISSED'}")
    return 0 if ok_run and ok_second and ok_arrears else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
