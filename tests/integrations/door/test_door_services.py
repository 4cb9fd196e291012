"""Staff's remote open and close, fire linkage and interlocks: who acted is in the audit log,
the access log and the events; roles decide who may."""
from __future__ import annotations

import pytest

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.audit import KIND as AUDIT
from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import ServiceValidationError, Unauthorized

from .conftest import DOORS, door_site

HUB = Actor("hub")
INTERLOCKED = [*DOORS, {"id": "d1-inner", "name": "Building 1 unit 1 inner door", "interlock": "d1"}]


async def user(site, name: str, role: str) -> Context:
    account = await get_auth(site.hub).manager.add_user(name, role, None, HUB)
    return Context(user_id=account.id, source="api")


async def test_a_guard_opens_a_door_remotely_and_is_named_in_the_audit_and_access_logs(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        guard = await user(site, "wangfang", "guard")
        await site.hub.services.call("door", "unlock", {"entity_id": "door.d1", "reason": "courier at the door"},
                                     context=guard)
        await site.probe.wait_until(lambda: site.commands("d1"))
        assert site.commands("d1") == [{"action": "unlock", "duration": 5.0}]
        door = site.hub.states.get("door.d1")
        assert door.state == "unlocked" and door.attributes["unlocked_by"] == "wangfang"
        (unlocked,) = site.fired("door_unlocked")
        assert unlocked["by"] == "wangfang" and unlocked["source"] == "remote" and unlocked["reason"] == "courier at the door"
        await site.hub.recorder.flush()
        (audit,) = [r.data for r in await site.hub.recorder.query(AUDIT, where={"act": "door_unlock"})]
        assert audit["by"] == "wangfang" and audit["door"] == "d1" and audit["reason"] == "courier at the door"
        log = await site.hub.services.call("access", "log", {"door": "d1"}, return_response=True)
        (record,) = log["records"]
        assert record["granted"] is True and record["rule"] == "remote" and "wangfang" in record["reason"]
        (granted,) = site.fired("access_granted")
        assert (granted["door"], granted["type"], granted["value"]) == ("d1", "remote", "staff:wangfang")


async def test_roles_decide_who_may_open_close_and_unlock_everything(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        guard = await user(site, "guard1", "guard")
        resident = await user(site, "resident1", "resident")
        manager = await user(site, "manager1", "manager")
        with pytest.raises(Unauthorized):
            await site.hub.services.call("door", "unlock", {"entity_id": "door.d1"}, context=resident)
        with pytest.raises(Unauthorized):
            await site.hub.services.call("door", "unlock_all", {}, context=guard)
        await site.hub.services.call("door", "lock", {"entity_id": "all"}, context=guard)
        await site.hub.services.call("door", "unlock_all", {"reason": "drill"}, context=manager)
        await site.hub.services.call("door", "restore", {}, context=manager)


async def test_fire_linkage_holds_every_door_open_until_restored(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        await site.issue("123456", "residents")
        await site.hub.services.call("door", "unlock_all", {"reason": "fire alarm zone 3"})
        await site.probe.wait_until(lambda: site.commands("d1") and site.commands("gate"))
        assert site.commands("d1") == site.commands("gate") == [{"action": "hold_open"}]
        (emergency,) = site.fired("door_emergency")
        assert emergency["doors"] == ["d1", "gate"] and emergency["reason"] == "fire alarm zone 3"
        await site.contact("d1", "open")
        assert site.hub.states.get("door.d1").state == "open" and site.fired("door_forced") == []
        site.clock.advance(3600)
        assert site.fired("door_held_open") == [], "a door held open for a fire is meant to be"
        assert (await site.present("d1", "123456"))["granted"] is True
        with pytest.raises(ServiceValidationError, match="door.restore ends it"):
            await site.hub.services.call("door", "lock", {"entity_id": "door.d1"})
        assert len(site.commands("d1")) == 1, "no unlock sent to a door held open"
        await site.hub.services.call("door", "restore", {})
        await site.probe.wait_until(lambda: len(site.commands("gate")) == 2)
        assert site.commands("gate")[-1] == {"action": "lock"}
        assert site.hub.states.get("door.gate").state == "locked"
        assert site.fired("door_restored")[0]["doors"] == ["d1", "gate"]


async def test_an_interlocked_door_opens_only_while_its_partner_is_closed_and_locked(tmp_path, broker):
    async with door_site(tmp_path, broker, INTERLOCKED) as site:
        await site.issue("123456", "residents")
        assert site.hub.states.get("door.d1").attributes["interlock"] is None
        assert site.hub.states.get("door.d1_inner").attributes["interlock"] == "d1"
        assert (await site.present("d1", "123456"))["granted"] is True
        await site.contact("d1", "open")
        answer = await site.present("d1-inner", "123456")
        assert answer == {"request_id": "q-2", "granted": False, "rule": "interlock",
                          "reason": "interlocked with Building 1 unit 1 entrance (d1), which is open"}
        with pytest.raises(ServiceValidationError, match="interlocked with door.d1, which is open"):
            await site.hub.services.call("door", "unlock", {"entity_id": "door.d1_inner"})
        await site.contact("d1", "closed")
        site.clock.advance(0.2)
        assert (await site.present("d1-inner", "123456"))["granted"] is True
        answer = await site.present("d1", "123456")
        assert answer["rule"] == "interlock", "both ways: the inner door is unlocked now"


async def test_a_service_naming_no_door_is_refused(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        with pytest.raises(Exception, match="no door entity door.nowhere"):
            await site.hub.services.call("door", "unlock", {"entity_id": "door.nowhere"})
        with pytest.raises(ServiceValidationError, match="duration"):
            await site.hub.services.call("door", "unlock", {"entity_id": "door.d1", "duration": 7200})


async def test_maintenance_reads_the_sync_status_but_opens_no_door(tmp_path, broker):
    async with door_site(tmp_path, broker) as site:
        maintenance = await user(site, "fixer", "maintenance")
        status = await site.hub.services.call("door", "sync_status", {}, context=maintenance, return_response=True)
        assert status == {"controllers": []}
        with pytest.raises(Unauthorized):
            await site.hub.services.call("door", "unlock", {"entity_id": "door.d1"}, context=maintenance)
