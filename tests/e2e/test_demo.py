"""The demo community end to end: the demo's people imported from the simulator's sheet, as
``make run`` does; the demo config (on free ports) starts through the same bootstrap as
``xiaoqu run``; simulated devices talk over the embedded broker and Modbus TCP; their entities
appear, change, and are listed by the HTTP API; doors and the main gate decide by access."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import aiohttp

from tests.conftest import START
from tests.e2e.demo import DEMO, demo_config, import_the_estate
from xiaoqu.core.auth import Actor
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.const import EVENT_STATE_CHANGED
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access.const import LOG_KIND
from xiaoqu.integrations.attendance.const import PUNCH_KIND
from xiaoqu.integrations.residents import get_residents

#: Residents' devices, named after the flat they joined from (switch.1_1_0201_smart_plug).
SMART_HOME = tuple(re.compile(rf"{domain}\.\d+_\d+_\d{{4}}_") for domain in ("switch", "light", "sensor"))
GATES = ("barrier.main_1", "barrier.main_gate_lane_2", "barrier.back_1")

async def api_states(hub) -> list[dict]:
    manager = hub.data["auth"].manager
    await manager.add_user("demo-admin", "admin", None, Actor("hub", "test"))
    _, token = await manager.create_token("demo-admin", Actor("hub", "test"))
    url = f"http://127.0.0.1:{hub.data['http'].port}/api/states"
    async with aiohttp.ClientSession() as session, session.get(url, headers={"Authorization": f"Bearer {token}"}) as reply:
        assert reply.status == 200
        return await reply.json()


def lived(hub, changes: dict[str, list[str]], entering) -> bool:
    """Smart-home devices discovered, an arm at each main lane up and down again, and a
    resident's car through the entry lane (opened on a plate access granted)."""
    return all(any(p.match(e) for e in hub.states.entity_ids()) for p in SMART_HOME) and (
        {"opening", "open", "closed"} <= set(changes.get("barrier.main_1", ()))
        and {"opening", "open", "closed"} <= set(changes.get("barrier.main_gate_lane_2", ()))
        and any(car.who.startswith("resident") for car in entering.passed))


async def test_the_demo_community_lives(tmp_path, caplog):
    config = demo_config()
    imported = import_the_estate(tmp_path, config)
    assert "64 household, 169 person and 58 vehicle changes" in imported and "0 bad rows" in imported
    clock = ManualClock(START)
    async with running_hub(tmp_path, config, clock=clock) as hub:
        changes: dict[str, list[str]] = {}
        hub.bus.listen(EVENT_STATE_CHANGED, lambda e: changes.setdefault(e.data["entity_id"], []).append(
            e.data["new_state"].state if e.data["new_state"] else "removed"))
        sim = hub.data["simulator"]
        main_lanes = [lane for lane in sim.lanes if lane.lane.transport == "modbus"]
        for _ in range(240):  # at speed 20, a second of the hub's clock is 20 s of the simulated day
            clock.advance(1)
            await hub.block_till_done()
            if lived(hub, changes, main_lanes[0]) and sim.log.counts["attendance"] >= 2:  # the night guards are out (07:00-07:10)
                break
        entity_ids = set(hub.states.entity_ids())
        listed = {state["entity_id"] for state in await api_states(hub)}
        registered = {f"{domain}.{service}" for domain, services in hub.services.describe().items() for service in services}
        declared = hub.plugins.declared_services
        await hub.recorder.flush()
        decisions = [r.data for r in await hub.recorder.query(LOG_KIND, limit=None)]
        residents = get_residents(hub)
        # Each team's supervisor, named by id in config.yaml, is a staff member of that team.
        supervisors = {team["supervisor"]: team["department"] for team in config["attendance"]["teams"]}
        assert {pid: getattr(residents.person(pid), "department", None) for pid in supervisors} == supervisors
        punches = await hub.recorder.query(PUNCH_KIND, limit=None)
        staff = {p.id for p in get_residents(hub).persons() if p.kind == "staff"}
        pos_results = [device.results for device in sim.pos]

    # The simulated controllers outlive the hub's integrations, as powered hardware does: a
    # clean stop says nothing of a lost connection.
    assert not [r for r in caplog.records if r.name.startswith("xiaoqu.integrations.modbus") and r.levelno >= 30]
    assert not [r for r in caplog.records if r.name == "xiaoqu.integrations.notify.maintenance"
                and "Door controller fault" in r.getMessage()]  # no door "went offline"
    # (b3-lobby's rules ask more footage than its NVR keeps: the demo may show that alarm on purpose.)
    for pattern in SMART_HOME:  # from Home Assistant discovery, under their households' prefixes
        assert any(pattern.match(e) for e in entity_ids), pattern.pattern
    for entity_id in GATES:  # the reference map and Acme's over Modbus, the back gate over MQTT
        assert entity_id in entity_ids
    # Cars went through both main lanes, let in and out by parking (barrier.open on the reference
    # controller and on the Acme one, each with its reason); the guard raised lane 1's arm for
    # visitors at most.
    assert all(lane.passed for lane in main_lanes)
    entering, leaving = main_lanes
    assert any(car.who.startswith("resident") for car in entering.passed)
    assert entering.guard_opened <= sum(car.who == "visitor" for car in entering.passed) + 1
    assert leaving.guard_opened == 0
    # Residents went through doors and gates on real decisions, each with its reason and rule.
    granted = [d for d in decisions if d["granted"]]
    assert {d["door"] for d in granted} >= {"main-1"} and any(d["door"].startswith("gate-") for d in granted)
    assert all(d["reason"].startswith("granted: ") and d["rule"].startswith("group:") for d in granted)
    assert not [d for d in decisions if d["type"] in ("card", "face") and not d["granted"]]  # every resident known
    assert {"opening", "open", "closed"} <= set(changes["barrier.main_1"])
    assert {"opening", "open", "closed"} <= set(changes["barrier.main_gate_lane_2"])
    assert sum(sim.log.counts.values()) > 20
    # The POS terminals' charges were answered by the card centre, paid from the opening balances.
    assert sum(results["ok"] for results in pos_results) > 0, pos_results
    assert sum(results["unanswered"] for results in pos_results) == 0, pos_results
    # Staff clocked in at the gates, the attendance terminals.
    assert punches and {r.subject for r in punches} <= staff
    assert {r.data["terminal"] for r in punches} <= {"gate-1", "gate-2"}
    assert entity_ids <= listed  # GET /api/states lists every entity the state machine holds
    # Every service a running hub registers was declared for check-config (xiaoqu_services)
    assert registered - declared == set()


def test_check_config_on_the_demo_warns_of_nothing(tmp_path):
    """Every service the demo's automations call is declared by a plugin the demo loads: the
    entity services by their domains' integrations, set up as dependencies of what the
    demo configures (``barrier.open`` comes from ``barrier``, which acme_barrier needs)."""
    shutil.copy(DEMO, tmp_path / "config.yaml")
    result = subprocess.run([sys.executable, "-m", "xiaoqu.core.cli", "check-config", "-c", "config.yaml"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith(("warning:", "error:"))] == []
