"""The doors page: a guard opens a door remotely with a reason, a finance clerk may not."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.dashboard.conftest import audit_acts, browser, dashboard_hub
from tests.integrations.door.conftest import ACCESS

DOORS: list[dict[str, Any]] = [{"id": "d1", "name": "Building 1 unit 1 entrance"}]


def site(broker: BrokerProcess) -> dict[str, Any]:
    return {"mqtt": broker.hub_config(), "residents": {"encryption_key": Fernet.generate_key().decode()},
            "access": ACCESS, "door": {"doors": DOORS}}


async def test_a_guard_unlocks_a_door_with_a_reason(tmp_path: Path, broker: BrokerProcess) -> None:
    async with dashboard_hub(tmp_path, site(broker)) as hub, browser(hub) as guard:
        await guard.sign_in("guard")
        status, text, _ = await guard.get("/dashboard/doors")
        assert status == 200 and "Building 1 unit 1 entrance" in text and "/dashboard/doors/d1/unlock" in text
        status, _, response = await guard.post("/dashboard/doors/d1/unlock", {"reason": "courier"})
        assert status == 303
        await hub.block_till_done()
        assert hub.data["door"].door("d1").state == "unlocked"
        calls = [act for act in await audit_acts(hub) if act["act"] == "service_call"]
        assert calls[-1]["by"] == "guard" and calls[-1]["service"] == "door.unlock"
        assert calls[-1]["source"] == "dashboard" and calls[-1]["ip"] == "127.0.0.1"


async def test_a_finance_clerk_may_not_unlock(tmp_path: Path, broker: BrokerProcess) -> None:
    async with dashboard_hub(tmp_path, site(broker)) as hub, browser(hub) as clerk:
        await clerk.sign_in("finance")
        status, text, _ = await clerk.get("/dashboard/doors")
        assert status == 200 and "/unlock" not in text
        status, _, _ = await clerk.post("/dashboard/doors/d1/unlock", {"reason": "curious"})
        assert status == 403
        await hub.block_till_done()
        assert hub.data["door"].door("d1").state != "unlocked"
        denied = [act for act in await audit_acts(hub) if act["act"] == "dashboard_denied"]
        assert denied[-1]["by"] == "finance" and denied[-1]["permission"] == "door.unlock"


async def test_the_stream_delivers_a_door_event_to_a_signed_in_manager(tmp_path: Path, broker: BrokerProcess) -> None:
    async with dashboard_hub(tmp_path, site(broker)) as hub, browser(hub) as manager:
        await manager.sign_in("manager")
        async with manager.session.get(manager.base + "/dashboard/events/stream?type=door_unlocked") as response:
            assert response.headers["Content-Type"] == "text/event-stream"
            await hub.services.call("door", "unlock", {"entity_id": hub.data["door"].door("d1").entity_id,
                                                       "reason": "delivery"})
            lines = [await response.content.readline() for _ in range(2)]
        assert lines[0] == b"event: line\n" and b"d1" in lines[1]
