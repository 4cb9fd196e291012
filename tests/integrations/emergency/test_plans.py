"""Plans, roles, drills, supplies and the contact tree on a hub with no devices: who may start
and end which plan, a failing action written down while the next still runs, a drill judged step
by step, a supply reminded of once per expiry, the tree with who is on duty; config mistakes
named; the staff pages as each role sees them, the acts behind CSRF."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SITE_TZ, START
from tests.integrations.dashboard.conftest import PASSWORD, browser
from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.audit import KIND as AUDIT
from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.bus import Context
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import ServiceValidationError, Unauthorized
from xiaoqu.core.testing import running_hub
from xiaoqu.core.validation import vol
from xiaoqu.integrations.emergency.schema import CONFIG_SCHEMA

TODAY = START.date()
PLANS: dict[str, Any] = {
    "fire": {"steps": [{"text": "确认火情", "responsible": "值班保安", "target_seconds": 120},
                       {"text": "疏散", "responsible": "保安部", "target_seconds": 600},
                       {"text": "清点人数", "responsible": "物业经理"}],
             "actions": [{"service": {"action": "notify.nowhere", "data": {"message": "x"}}},
                         {"service": {"action": "logbook.log", "data": {"name": "火警", "message": "fire plan on"}}}]},
    "earthquake": {"name": "地震 Earthquake", "steps": [{"text": "疏散到空地", "responsible": "保安部"}]},
    "network": {"kind": "network_outage", "roles": ["maintenance"]},
}
SUPPLIES = [
    {"id": "extinguishers_b1", "name": "灭火器 1号楼", "location": "1号楼大堂", "quantity": 12,
     "expires": (TODAY + timedelta(days=31)).isoformat()},
    {"id": "torches", "name": "手电筒", "quantity": 20, "expires": (TODAY + timedelta(days=200)).isoformat()},
    {"id": "first_aid", "name": "急救箱", "expires": (TODAY - timedelta(days=3)).isoformat(), "remind_days": 7},
    {"id": "sandbags", "name": "沙袋", "quantity": 50},
]
CONTACTS = [
    {"id": "manager", "name": "张经理", "role": "物业经理", "phone": "13812345678", "calls": ["guard_day", "guard_night"]},
    {"id": "guard_day", "name": "白班保安", "role": "guard", "on_duty": "07:00-19:00", "calls": ["maintenance"]},
    {"id": "guard_night", "name": "夜班保安", "role": "guard", "on_duty": "19:00-07:00"},
    {"id": "maintenance", "name": "维修", "role": "maintenance", "phone": "13900001111"},
]


def config(**emergency: Any) -> dict[str, Any]:
    return {"mqtt": {"broker": "embedded", "port": 0}, "dashboard": {},
            "emergency": {"plans": PLANS, "supplies": SUPPLIES, "contacts": CONTACTS, **emergency}}


async def person(hub, name: str, role: str) -> Context:
    account = await get_auth(hub).manager.add_user(name, role, PASSWORD, Actor("hub"))
    return Context(user_id=account.id, source="api")


async def test_a_guard_may_start_and_end_the_fire_plan_only_and_a_resident_nothing(tmp_path):
    async with running_hub(tmp_path, config()) as hub:
        guard, manager = await person(hub, "guard1", "guard"), await person(hub, "manager1", "manager")
        tech, resident = await person(hub, "tech1", "maintenance"), await person(hub, "res1", "resident")
        with pytest.raises(Unauthorized, match="the earthquake plan is for manager; guard1 is guard"):
            await hub.services.call("emergency", "activate", {"plan": "earthquake"}, context=guard)
        for who in (resident,):
            with pytest.raises(Unauthorized):
                await hub.services.call("emergency", "activate", {"plan": "fire"}, context=who)
        with pytest.raises(Unauthorized):
            await hub.services.call("emergency", "activate", {"plan": "network"}, context=tech)  # no service grant
        answer = await hub.services.call("emergency", "activate", {"plan": "fire", "reason": "smoke in B1"},
                                         context=guard, return_response=True)
        assert answer["by"] == "guard1" and answer["already"] is False
        again = await hub.services.call("emergency", "activate", {"plan": "fire"}, context=manager, return_response=True)
        assert again["already"] is True and again["activated_by"] == "guard1"
        await hub.services.call("emergency", "activate", {"plan": "earthquake", "reason": "drill"}, context=manager)
        await hub.services.call("emergency", "stand_down", {"plan": "earthquake"})  # moves no device: the hub may
        await hub.services.call("emergency", "stand_down", {"plan": "fire", "reason": "out"}, context=guard)
        with pytest.raises(ServiceValidationError, match="the fire plan is not active"):
            await hub.services.call("emergency", "stand_down", {"plan": "fire"}, context=guard)
        with pytest.raises(ServiceValidationError, match="no plan 'flood'; the plans are: earthquake, fire, network"):
            await hub.services.call("emergency", "activate", {"plan": "flood"}, context=manager)
        await hub.recorder.flush()
        acts = [r.data for r in await hub.recorder.query(AUDIT) if r.data["act"].startswith("emergency_")][::-1]
        assert [(a["act"], a["by"], a.get("plan")) for a in acts] == [
            ("emergency_refused", "guard1", "earthquake"), ("emergency_activate", "guard1", "fire"),
            ("emergency_activate", "manager1", "earthquake"), ("emergency_stand_down", None, "earthquake"),
            ("emergency_stand_down", "guard1", "fire")]


async def test_a_failing_action_is_written_down_and_the_next_still_runs(tmp_path):
    async with running_hub(tmp_path, config()) as hub:
        answer = await hub.services.call("emergency", "activate", {"plan": "fire"}, return_response=True)
        first, second = answer["results"]
        assert (first["outcome"], first["target"]) == ("failed", "notify.nowhere")
        assert "notify.nowhere" in first["detail"]
        assert (second["outcome"], second["target"]) == ("confirmed", "logbook.log")
        assert hub.states.get("emergency.fire").attributes["failed"] == ["notify.nowhere"]


async def test_an_active_plan_survives_a_restart(tmp_path):
    async with running_hub(tmp_path, config()) as hub:
        await hub.services.call("emergency", "activate", {"plan": "fire", "reason": "smoke"})
    async with running_hub(tmp_path, config()) as hub:
        state = hub.states.get("emergency.fire")
        assert state.state == "active" and state.attributes["reason"] == "smoke"


async def test_a_drill_is_judged_step_by_step(tmp_path):
    async with running_hub(tmp_path, config()) as hub:
        manager = await person(hub, "manager1", "manager")
        drill = await hub.services.call("emergency", "record_drill", {
            "plan": "fire", "date": "2026-03-01", "participants": ["guard1", "guard2", "张经理"],
            "steps": [{"step": 1, "seconds": 95}, {"step": 2, "seconds": 660}],
            "findings": "2号楼疏散通道堆放杂物"}, context=manager, return_response=True)
        assert [(s["verdict"], s["over_seconds"]) for s in drill["steps"]] == [
            ("within", 0.0), ("over", 60.0), ("not done", None)]
        assert drill["passed"] is False and drill["explanation"] == "step 2 over by 60 s; step 3 not done"
        with pytest.raises(ServiceValidationError, match="the fire plan has 3 steps; no step 7"):
            await hub.services.call("emergency", "record_drill", {
                "plan": "fire", "date": "2026-03-01", "participants": ["x"], "steps": [{"step": 7, "seconds": 1}]},
                context=manager)
        listed = await hub.services.call("emergency", "drills", {"plan": "fire"}, context=manager, return_response=True)
        assert [d["id"] for d in listed["drills"]] == [drill["id"]]
        guard = await person(hub, "guard1", "guard")
        with pytest.raises(Unauthorized):
            await hub.services.call("emergency", "record_drill", {
                "plan": "fire", "date": "2026-03-01", "participants": ["x"], "steps": []}, context=guard)


async def test_supplies_are_reminded_of_once_per_expiry_date(tmp_path):
    clock = ManualClock(START, SITE_TZ)
    seen: list[dict[str, Any]] = []
    async with running_hub(tmp_path, config(), clock=clock) as hub:
        hub.bus.listen("emergency.supply_expiring", lambda e: seen.append(dict(e.data)))
        await hub.block_till_done()
        rows = {r["id"]: (r["status"], r["days_left"], r["reminded"]) for r in
                (await hub.services.call("emergency", "supplies", {}, return_response=True))["supplies"]}
        assert rows == {"extinguishers_b1": ("ok", 31, False), "torches": ("ok", 200, False),
                        "first_aid": ("expired", -3, True), "sandbags": ("none", None, False)}
        clock.advance(86_400)  # a day later the extinguishers are 30 days from expiry
        await hub.block_till_done()
        assert [(e["supply"], e["days"], e["location"]) for e in seen] == [("extinguishers_b1", 30, "1号楼大堂")]
    async with running_hub(tmp_path, config(), clock=clock) as hub:  # after a restart: not again
        hub.bus.listen("emergency.supply_expiring", lambda e: seen.append(dict(e.data)))
        clock.advance(86_400)
        await hub.block_till_done()
        assert len(seen) == 1


async def test_the_contact_tree_shows_who_is_on_duty_with_phones_masked(tmp_path):
    clock = ManualClock(START.replace(hour=21), SITE_TZ)
    async with running_hub(tmp_path, config(), clock=clock) as hub:
        (root,) = (await hub.services.call("emergency", "contacts", {}, return_response=True))["tree"]
        assert (root["id"], root["phone"], root["on_duty"]) == ("manager", "138****5678", True)
        day, night = root["calls"]
        assert (day["id"], day["on_duty"], night["id"], night["on_duty"]) == ("guard_day", False, "guard_night", True)
        assert day["calls"][0]["id"] == "maintenance"


@pytest.mark.parametrize(("section", "message"), [
    ({"plans": {"fire": {"actions": [{"unlock_door": "all"}]}}},
     "unknown action 'unlock_door' (did you mean 'unlock_doors'?)"),
    ({"plans": {"fire": {"actions": [{"unlock_doors": ["door.b1_u1"]}]}}}, "expected 'all'"),
    ({"plans": {"fire": {"actions": [{"open_barriers": ["door.b1_u1"]}]}}}, "barrier entity ids, got door.b1_u1"),
    ({"plans": {"fire": {"actions": [{"announce": {"title": "火警"}}]}}}, "a template, or a title and a body"),
    ({"plans": {"flood": {}}}, "say the plan's kind"),
    ({"plans": {"fire": {}}, "fire_alarm": {"input": "binary_sensor.panel", "plan": "fir"}}, "no plan 'fir'"),
    ({"contacts": [{"id": "a", "name": "A", "role": "guard", "calls": ["b"]}]}, "no contact 'b'"),
    ({"supplies": [{"id": "x", "name": "X", "expires": "2026-13-01"}]}, "expected a date as YYYY-MM-DD"),
])
def test_config_mistakes_are_named(section: dict[str, Any], message: str) -> None:
    with pytest.raises(vol.Invalid, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        CONFIG_SCHEMA(section)


async def test_the_pages_by_role_and_the_acts_behind_csrf(tmp_path: Path):
    async with running_hub(tmp_path, config()) as hub:
        await person(hub, "guard1", "guard")
        await person(hub, "fin1", "finance")
        await hub.services.call("emergency", "record_drill", {
            "plan": "fire", "date": "2026-03-01", "participants": ["guard1"], "steps": [{"step": 1, "seconds": 95}]})
        async with browser(hub) as guard:
            assert (await guard.sign_in("guard1"))[0] == 303
            status, text, _ = await guard.get("/dashboard/emergency/plans")
            assert status == 200 and 'action="/dashboard/emergency/plans/fire/activate"' in text
            assert "/emergency/plans/earthquake/activate" not in text, "a guard is offered the fire plan only"
            status, text, _ = await guard.post("/dashboard/emergency/plans/fire/activate", {"reason": ""})
            assert status == 400 and hub.states.get("emergency.fire").state == "standby"
            status, _, _ = await guard.post("/dashboard/emergency/plans/fire/activate", {"reason": "smoke"}, csrf="x")
            assert status == 403 and hub.states.get("emergency.fire").state == "standby"
            status, _, _ = await guard.post("/dashboard/emergency/plans/fire/activate", {"reason": "smoke in B1"})
            assert status == 303 and hub.states.get("emergency.fire").attributes["activated_by"] == "guard1"
            status, text, _ = await guard.get("/dashboard/emergency/plans")
            assert "smoke in B1" in text and "notify.nowhere" in text and "stand_down" in text
            assert "fire: 1 confirmed, 1 failed (notify.nowhere)" in text, "the activation in the live events"
            assert "type=emergency.activated" in text
            assert (await guard.post("/dashboard/emergency/plans/earthquake/activate", {"reason": "x"}))[0] == 403
            for path in ("supplies", "contacts"):
                assert (await guard.get(f"/dashboard/emergency/{path}"))[0] == 200
            assert (await guard.get("/dashboard/emergency/drills"))[0] == 403
        async with browser(hub) as finance:
            assert (await finance.sign_in("fin1"))[0] == 303
            assert (await finance.get("/dashboard/emergency/plans"))[0] == 403
        await person(hub, "manager1", "manager")
        async with browser(hub) as manager:
            await manager.sign_in("manager1")
            status, text, _ = await manager.get("/dashboard/emergency/drills")
            assert status == 200 and "step 2 not done" in text
            assert (await manager.get("/dashboard/emergency/supplies"))[1].count("supply ") >= 4
            _, text, _ = await manager.get("/dashboard/emergency/contacts")
            assert "138****5678" in text and "13812345678" not in text
            status, _, _ = await manager.post("/dashboard/emergency/plans/fire/stand_down", {"reason": "all clear"})
            assert status == 303 and hub.states.get("emergency.fire").state == "standby"
