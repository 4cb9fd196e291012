"""The simulated office bills and the simulated residents pay, on a real broker: at the start
the office runs the current month and, billing being empty, the two before it; the households
that pay on time pay within hours, online through the simulated WeChat Pay's signed notify or
at the counter; the late ones and the ones that never pay still owe."""
from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.conftest import SITE_TZ
from tests.e2e.demo import import_the_estate
from tests.fixtures_mqtt import BrokerProcess, free_port
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.billing import get_billing
from xiaoqu.integrations.simulator.billing import HABITS, habits, periods_to_run

from .conftest import settle

START = datetime(2026, 3, 2, 8, 0, tzinfo=SITE_TZ)
BILLING = {
    "late_fee": {"percent_per_day": "0.3", "grace_days": 0},
    "items": [{"id": "property_fee", "name": "物业费", "kind": "area", "rate_fen": 250, "due_day": 15}],
}


def site(broker: BrokerProcess) -> dict[str, Any]:
    return {"mqtt": broker.hub_config(), "http": {"server_port": 0}, "residents": {}, "billing": BILLING,
            "payments": {"default_provider": "sim_pay"}, "sim_pay": {"pay_after": 1},
            "simulator": {"speed": 20, "seed": 42, "modbus_port": free_port(), "smart_home_devices": 0}}


def test_the_periods_a_start_runs():
    assert periods_to_run(START.date(), empty=True) == ["2026-01", "2026-02", "2026-03"]
    assert periods_to_run(START.date(), empty=False) == ["2026-03"]
    assert periods_to_run(datetime(2026, 2, 1).date(), empty=True) == ["2025-12", "2026-01", "2026-02"]


async def test_the_office_bills_and_most_residents_pay(tmp_path: Path, broker):
    config = site(broker)
    import_the_estate(tmp_path, config)
    clock = ManualClock(START, SITE_TZ)
    async with running_hub(tmp_path, config, clock=clock) as hub:
        sim = hub.data["simulator"]
        assert sim.office is not None
        for _ in range(1300):  # 1300 s: 7 simulated hours, past every on-time payment
            clock.advance(1)
            await hub.block_till_done()
        await settle(hub)
        for _ in range(100):  # the platform's notifies over HTTP take real time
            await asyncio.sleep(0.05)
            await hub.block_till_done()
            if all(get_billing(hub).owed(h) == 0 for h, habit in sim.office.habits.items() if habit == "online"):
                break
        owed = {home.id: await hub.services.call("billing", "arrears", {"household": home.id}, return_response=True)
                for home in sim.estate.households}
        bills = {home.id: await hub.services.call("billing", "bills", {"household": home.id}, return_response=True)
                 for home in sim.estate.households}
        orders = await hub.services.call("payments", "orders", {"purpose": "billing", "limit": 1000},
                                         return_response=True)

    drawn = habits(sim.estate.households, 42)
    assert drawn == sim.office.habits  # from the seed: the same households pay the same way every run
    assert set(Counter(drawn.values())) == set(HABITS)
    # Three months billed to every household, January and February already overdue.
    assert all([b["period"] for b in found["bills"]] == ["2026-03", "2026-02", "2026-01"] for found in bills.values())
    # On time: nothing owed; online through an order the simulated WeChat Pay paid.
    for household, habit in drawn.items():
        if habit in ("online", "counter"):
            assert owed[household]["total_fen"] == 0, (household, habit, owed[household])
            history = [b for b in bills[household]["bills"] if b["period"] in ("2026-01", "2026-02")]
            # the history paid when due: its due dates moved to the start, no late fee charged
            assert all(b["extended_to"] == START.date().isoformat() and b["late_fee_fen"] == 0 for b in history)
        else:
            assert owed[household]["overdue_fen"] > 0 and owed[household]["late_fee_fen"] > 0, (household, habit)
    online = {household for household, habit in drawn.items() if habit == "online"}
    paid = {order["reference"] for order in orders["orders"] if order["status"] == "paid"}
    assert paid == online
