"""The shipped block_entry_for_arrears blueprint on a real hub: billing's arrears event past the
threshold stops the household's cars at a vehicle gate with the figures in the reason and tells
the household; below it nothing happens; arrears_cleared lifts only the arrears and the car passes."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.integrations.access.conftest import config, populate
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access import Access, get_access

AUTOMATION = [{"id": "arrears", "use_blueprint": {"path": "block_entry_for_arrears.yaml", "input": {
    "months": 3, "household_notify": "notify.residents"}}}]
SECTIONS = {"notify": [{"name": "residents"}], "automation": AUTOMATION}


@asynccontextmanager
async def estate(tmp_path: Path, clock: ManualClock) -> AsyncIterator[tuple[Hub, Access]]:
    """The access estate (its people, a pedestrian door and a vehicle gate) with the blueprint."""
    async with running_hub(tmp_path, {**config(), **SECTIONS}, clock=clock) as hub:
        await populate(hub)
        access = get_access(hub)
        access.register_door("b1_east", "pedestrian")
        access.register_door("gate_car", "vehicle")
        yield hub, access


async def test_arrears_stop_the_cars_with_the_figures_and_paying_lets_them_through(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access):
        sent: list = []
        hub.bus.listen("notification_sent", sent.append)
        hub.bus.fire("arrears", {"household": "1-2-0601", "months": 2, "amount_fen": 80000})
        await hub.block_till_done()
        assert access.check("plate", "沪A12345", "gate_car").granted and sent == []  # under the threshold
        blacklist = await hub.services.call("access", "restrict", {
            "household": "1-2-0601", "scope": "pedestrian", "reason": "stays", "kind": "blacklist"},
            return_response=True)
        hub.bus.fire("arrears", {"household": "1-2-0601", "months": 3, "amount_fen": 123456})
        await hub.block_till_done()
        denied = access.check("plate", "沪A12345", "gate_car")
        assert (denied.granted, denied.rule.startswith("restriction:")) == (False, True)
        assert denied.reason == ("denied: household 1-2-0601 arrears: 3 months unpaid, ¥1234.56 owed "
                                 "(from 3 months cars are stopped) 2026-03-02 by automation.arrears")
        answer = await hub.services.call("access", "check", {"type": "plate", "value": "沪A12345", "door": "gate_car"},
                                         return_response=True)
        assert answer["granted"] is False and "3 months unpaid, ¥1234.56 owed" in answer["reason"]
        assert access.check("plate", "沪B54321", "gate_car").granted  # another household
        assert access.check("card", "11223344", "b1_east").granted is False  # the blacklisting, not the arrears
        (told,) = [event.data for event in sent]
        assert told["target"] == "residents" and told["recipients"] == ["1-2-0601"]
        assert "3 months unpaid (¥1234.56 owed)" in told["message"]
        hub.bus.fire("arrears_cleared", {"household": "1-2-0601"})
        await hub.block_till_done()
        assert access.check("plate", "沪A12345", "gate_car").granted
        assert [r.id for r in access.restrictions.on(("household", "1-2-0601"))] == [blacklist["restriction_id"]]
        assert len(sent) == 2 and "pass the vehicle gates again" in sent[1].data["message"]
