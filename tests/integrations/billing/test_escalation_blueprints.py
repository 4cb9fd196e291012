"""The shipped arrears blueprints on a real hub (billing, notices, access, automations): the
reminder and the second notice sent to the household with the step's template and figures, the
cars stopped at the car gate after the second notice's deadline (people on foot still pass), a
partial payment lifting nothing, and the payment that leaves nothing overdue lifting the block
once although both lifting blueprints hear it."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from tests.conftest import SITE_TZ
from tests.integrations.access.conftest import CARD, config, populate
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access import get_access

HOUSEHOLD, PLATE = "1-2-0601", "沪A12345"
BILLING: dict[str, Any] = {
    "items": [{"id": "property_fee", "name": "物业费", "kind": "per_unit", "unit": "户", "rate_fen": 30000,
               "due_day": 15, "households": [HOUSEHOLD]}],
    "escalation": {"steps": [
        {"id": "reminder", "days": 30, "notice": "reminder", "deadline_days": 15},
        {"id": "second_notice", "months": 3, "notice": "second_notice", "deadline_days": 15},
        {"id": "suspension", "months": 3, "after": "second_notice", "restrict": "vehicle"}]},
}
AUTOMATIONS = [{"id": name, "use_blueprint": {"path": f"{name}.yaml", "input": {}}}
               for name in ("arrears_reminder", "arrears_block_vehicle", "payment_received_lift")]


async def call(hub: Any, domain: str, service: str, data: dict[str, Any]) -> Any:
    answer = await hub.services.call(domain, service, data, return_response=True)
    await hub.block_till_done()
    return answer


async def test_notices_the_block_and_its_lifting_through_the_blueprints(tmp_path, caplog):
    clock = ManualClock(datetime(2026, 3, 1, 9, tzinfo=SITE_TZ), SITE_TZ)
    sections = {"billing": BILLING, "payments": {}, "notices": {}, "automation": AUTOMATIONS}
    async with running_hub(tmp_path, {**config(), **sections}, clock=clock) as hub:
        await populate(hub)
        access = get_access(hub)
        access.register_door("gate_car", "vehicle")
        access.register_door("b1_east", "pedestrian")
        sent: list[dict[str, Any]] = []
        hub.bus.listen("notice_sent", lambda event: sent.append(dict(event.data)))

        async def on(day: str) -> None:
            clock.set(datetime.fromisoformat(day).replace(hour=9, tzinfo=SITE_TZ))
            for _ in range(3):
                await hub.block_till_done()

        await call(hub, "billing", "run", {"period": "2026-03"})  # ¥300.00 due 15 March
        await on("2026-04-14")
        reminders = [n for n in sent if n["template"] == "reminder"]
        assert [(n["recipients"], n["ref"]) for n in reminders] == [([HOUSEHOLD], f"arrears:{HOUSEHOLD}:1:reminder")]
        [notice] = (await call(hub, "notices", "list", {"household": HOUSEHOLD, "ref": reminders[0]["ref"]}))["notices"]
        # ¥300.00 × 0.3% × 30 days = ¥27.00; the deadline 15 days on.
        assert "尚欠物业服务费等费用¥300.00" in notice["body"] and "滞纳金¥27.00" in notice["body"]
        assert "请于2026-04-29前缴清" in notice["body"]

        await on("2026-06-15")
        assert [n["template"] for n in sent if n["ref"] and n["ref"].startswith("arrears:")] == [
            "reminder", "second_notice"]
        assert access.check("plate", PLATE, "gate_car").granted  # the deadline has not passed
        await on("2026-07-01")
        refused = access.check("plate", PLATE, "gate_car")
        assert not refused.granted
        # 108 days: ¥300.00 × 0.3% × 108 = ¥97.20
        assert ("arrears: ¥397.20 owed (late fee ¥97.20), 3 months since 2026-03-15; step suspension"
                in refused.reason)
        assert access.check("card", CARD, "b1_east").granted  # walking home is never blocked for arrears

        await call(hub, "billing", "pay", {"household": HOUSEHOLD, "amount_fen": 10000, "payment_id": "p1",
                                           "method": "cash"})
        assert not access.check("plate", PLATE, "gate_car").granted  # something still overdue
        caplog.clear()
        with caplog.at_level(logging.ERROR):
            await call(hub, "billing", "pay", {"household": HOUSEHOLD, "amount_fen": 29720, "payment_id": "p2",
                                               "method": "cash"})
            for _ in range(3):
                await hub.block_till_done()
        assert access.check("plate", PLATE, "gate_car").granted
        assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []  # lifted once, not twice
