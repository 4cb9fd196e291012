"""The gate model every barrier shares, on a gate the test plays (no transport): states and
attributes, a person's act refused without a reason and audited with one, fault episodes,
auto-close, and open commands confirmed by the gate or refused naming it."""
from __future__ import annotations

import asyncio

import pytest

from tests.conftest import START
from xiaoqu.core.auth.audit import KIND as AUDIT
from xiaoqu.core.bus import Context
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.entity import ServiceNotSupported
from xiaoqu.core.errors import HubError, ServiceValidationError, Unauthorized
from xiaoqu.integrations.barrier import (
    BarrierEntity,
    BarrierNotOpened,
    BarrierState,
    GateOptions,
    NotOpenedWhy,
    get_barriers,
)

from .conftest import Gate, fired, gate_hub, person, record

GATE = "barrier.north_gate"
AUTOMATION = Context(source="automation")


class Plain(BarrierEntity):
    """A barrier whose driver says nothing of how to reach it."""

    _attr_name = "Plain"


async def test_the_state_and_attributes_come_from_the_fields(tmp_path):
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate, clock=ManualClock(START)) as hub:
        assert hub.states.get(GATE).state == "unknown"
        gate.report(BarrierState.FAULT, vehicle=True, fault="arm breakaway")
        state = hub.states.get(GATE)
        assert state.state == "fault"
        assert (state.attributes["vehicle_present"], state.attributes["fault"]) == (True, "arm breakaway")
        assert state.attributes["fault_since"] == START.isoformat()
        gate.silent("modbus hub 'gates', device 1, input registers 0-5: no answer within 1 s")
        state = hub.states.get(GATE)
        assert state.state == "unavailable" and state.attributes["fault"].endswith("no answer within 1 s")


async def test_a_service_the_barrier_cannot_run_is_refused_naming_it(tmp_path):
    plain, stoppable = Plain(), Gate("Stoppable")
    async with gate_hub(tmp_path, plain, stoppable) as hub:
        plain._attr_supported_features = 0
        # stop is optional: refused for a barrier without the feature, before any barrier acts
        with pytest.raises(ServiceNotSupported, match=r"^barrier\.plain does not support barrier\.stop$"):
            await hub.services.call("barrier", "stop", {"entity_id": ["barrier.stoppable", "barrier.plain"]})
        assert stoppable.commands == []
        # ... and left out, not refused, when the call targets every barrier
        await hub.services.call("barrier", "stop", {"entity_id": "all"})
        assert stoppable.commands == ["stop"]
        # close is not optional, but a driver that does not say how to send it is refused alike
        with pytest.raises(ServiceNotSupported, match=r"^barrier\.plain does not support barrier\.close$"):
            await hub.services.call("barrier", "close", {"entity_id": "barrier.plain"})


async def test_a_person_raises_a_gate_only_with_a_reason_and_is_audited_and_logged(tmp_path):
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate) as hub:
        guard = await person(hub, "wangfang")
        with pytest.raises(ServiceValidationError, match=r"^barrier\.open: say why barrier\.north_gate is raised by hand "
                                                         r"\(reason: \.\.\.\); a person's act on a gate is recorded"):
            await hub.services.call("barrier", "open", {"entity_id": GATE}, context=guard)
        assert gate.commands == []
        await hub.services.call("barrier", "open", {"entity_id": GATE, "reason": "delivery van 粤B12345"}, context=guard)
        assert gate.commands == ["open"]
        state = hub.states.get(GATE)
        assert state.state == "opening"
        assert (state.attributes["last_command"], state.attributes["command_by"]) == ("open", "wangfang")
        assert "12345" not in state.attributes["command_reason"]  # the plate is masked on the state
        await hub.recorder.flush()
        (audit,) = [r.data for r in await hub.recorder.query(AUDIT, where={"act": "barrier_open"})]
        assert (audit["by"], audit["entity_id"], audit["reason"]) == ("wangfang", GATE, "delivery van 粤B12345")
        (line,) = [r.data for r in await hub.recorder.query("logbook", subject=GATE)]
        assert line["message"] == "raised by wangfang: delivery van 粤B1***5" and line["u"] == guard.user_id


async def test_automations_need_no_reason_and_stop_is_never_refused(tmp_path):
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate) as hub:
        guard = await person(hub, "wangfang")
        await hub.services.call("barrier", "open", {"entity_id": GATE}, context=AUTOMATION)
        await hub.services.call("barrier", "stop", {"entity_id": GATE}, context=guard)  # an emergency waits for nobody
        with pytest.raises(ServiceValidationError, match="say why barrier.north_gate is lowered by hand"):
            await hub.services.call("barrier", "close", {"entity_id": GATE}, context=guard)
        await hub.services.call("barrier", "close", {"entity_id": GATE, "reason": "tailgater"}, context=guard)
        assert gate.commands == ["open", "stop", "close"]
        await hub.recorder.flush()
        acts = [(r.data["act"], r.data["reason"]) for r in await hub.recorder.query(AUDIT, newest_first=False)
                if r.data["act"].startswith("barrier_")]
        assert acts == [("barrier_stop", None), ("barrier_close", "tailgater")]  # the automation's is not a person's


async def test_guards_and_managers_may_move_gates_and_residents_may_not(tmp_path):
    async with gate_hub(tmp_path, Gate("North gate")) as hub:
        resident = await person(hub, "resident1", "resident")
        with pytest.raises(Unauthorized):
            await hub.services.call("barrier", "open", {"entity_id": GATE, "reason": "me"}, context=resident)
        manager = await person(hub, "manager1", "manager")
        await hub.services.call("barrier", "open", {"entity_id": GATE, "reason": "fire drill"}, context=manager)


async def test_a_fault_or_silence_is_one_episode_with_one_event_each_way(tmp_path):
    clock = ManualClock(START)
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate, clock=clock) as hub:
        events = record(hub)
        gate.report(BarrierState.CLOSED)
        clock.advance(60)
        gate.report(BarrierState.FAULT, fault="motor overload")
        gate.report(BarrierState.FAULT, fault="motor overload")  # the controller repeats itself
        gate.silent()  # ... then falls silent: the same episode
        clock.advance(90)
        gate.report(BarrierState.FAULT, fault="motor overheated")
        assert fired(events) == [("barrier_fault", "motor overload")]
        (fault,) = [e.data for e in events]
        assert fault == {"entity_id": GATE, "name": "North gate", "fault": "motor overload",
                         "since": "2026-03-02T08:01:00+08:00"}
        gate.report(BarrierState.CLOSED)
        gate.report(BarrierState.CLOSED)
        assert fired(events) == [("barrier_fault", "motor overload"), ("barrier_recovered", "motor overheated")]
        recovered = events[1].data
        assert (recovered["since"], recovered["seconds"]) == ("2026-03-02T08:01:00+08:00", 90)
        gate.silent("nothing heard from the gate for 180 s")  # a new episode
        assert fired(events)[-1] == ("barrier_fault", "nothing heard from the gate for 180 s")


async def test_a_gate_not_heard_from_yet_neither_begins_nor_ends_an_episode(tmp_path):
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate) as hub:
        events = record(hub)
        gate.silent()
        gate._attr_available = True
        gate.write_state()  # available again, but it has said nothing: the episode goes on
        assert fired(events) == [("barrier_fault", "no answer within 1 s")]


# --- auto-close ----------------------------------------------------------------------------

async def test_the_hub_closes_the_arm_once_the_car_has_passed(tmp_path):
    clock = ManualClock(START)
    gate = Gate("North gate", options=GateOptions(auto_close=30, close_after_pass=1))
    async with gate_hub(tmp_path, gate, clock=clock) as hub:
        gate.report(BarrierState.CLOSED, vehicle=True)  # a car on the loop
        await get_barriers(hub).open(GATE, reason="resident")
        gate.report(BarrierState.OPEN, vehicle=True)
        clock.advance(300)  # a slow driver: never lowered onto the car
        await hub.block_till_done()
        assert gate.commands == ["open"]
        gate.report(BarrierState.OPEN, vehicle=False)
        clock.advance(0.9)
        await hub.block_till_done()
        assert gate.commands == ["open"]
        clock.advance(0.1)
        await hub.block_till_done()
        assert gate.commands == ["open", "close"]
        state = hub.states.get(GATE)
        assert (state.state, state.attributes["command_reason"]) == ("closing", "auto-close: the car has passed")


async def test_the_hub_closes_an_arm_no_car_went_through_after_n_seconds(tmp_path):
    clock = ManualClock(START)
    gate = Gate("North gate", options=GateOptions(auto_close=20))
    async with gate_hub(tmp_path, gate, clock=clock) as hub:
        gate.report(BarrierState.CLOSED)
        await get_barriers(hub).open(GATE, reason="visitor")
        gate.report(BarrierState.OPEN)
        clock.advance(19)
        await hub.block_till_done()
        assert gate.commands == ["open"]
        clock.advance(1)
        await hub.block_till_done()
        assert gate.commands == ["open", "close"]
        assert hub.states.get(GATE).attributes["command_reason"] == "auto-close: no car passed within 20 s"


async def test_a_close_the_controller_ignores_is_tried_again_and_a_stopped_arm_is_left_alone(tmp_path):
    clock = ManualClock(START)
    gate = Gate("North gate", obeys=False, options=GateOptions(auto_close=10))
    async with gate_hub(tmp_path, gate, clock=clock) as hub:
        gate.report(BarrierState.OPEN)
        for _ in range(2):
            clock.advance(10)
            await hub.block_till_done()
        assert gate.commands == ["close", "close"]
        gate.report(BarrierState.STOPPED)  # halted by hand: the hub keeps out of it
        clock.advance(600)
        await hub.block_till_done()
        assert gate.commands == ["close", "close"]


async def test_auto_close_off_leaves_the_arm_up(tmp_path):
    clock = ManualClock(START)
    gate = Gate("North gate", options=GateOptions(auto_close=None, close_after_pass=None))
    async with gate_hub(tmp_path, gate, clock=clock) as hub:
        gate.report(BarrierState.OPEN, vehicle=True)
        gate.report(BarrierState.OPEN, vehicle=False)
        clock.advance(3600)
        await hub.block_till_done()
        assert gate.commands == []


# --- open, confirmed -----------------------------------------------------------------------

async def test_open_resolves_when_the_gate_says_its_arm_is_rising(tmp_path):
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate) as hub:
        gate.report(BarrierState.CLOSED)
        opened = await get_barriers(hub).open(GATE, reason="resident 粤B12345", context=Context(source="parking"))
        assert (opened.entity_id, opened.state, opened.already) == (GATE, "opening", False)
        assert 0 < opened.seconds < 1
        assert hub.states.get(GATE).attributes["command_by"] == "parking"
        gate.report(BarrierState.OPEN)
        again = await get_barriers(hub).open(GATE, reason="the next car")
        assert (again.state, again.already, again.seconds) == ("open", True, 0)
        assert gate.commands == ["open", "open"]  # sent all the same: it restarts the controller's wait


async def test_open_names_the_gate_and_the_wait_when_it_does_not_confirm(tmp_path):
    gate = Gate("North gate", obeys=False, options=GateOptions(confirm_timeout=0.1))
    async with gate_hub(tmp_path, gate) as hub:
        gate.report(BarrierState.CLOSED)
        with pytest.raises(BarrierNotOpened, match=r"^barrier\.north_gate did not confirm opening within 0\.1 s "
                                                   r"\(it reports closed\)$") as caught:
            await get_barriers(hub).open(GATE, reason="resident")
        assert (caught.value.entity_id, caught.value.why) == (GATE, NotOpenedWhy.TIMEOUT)
        assert gate.commands == ["open"]


async def test_a_silent_or_faulty_gate_is_refused_at_once_with_since_when(tmp_path):
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate) as hub:
        gate.silent("no answer within 1 s")
        with pytest.raises(BarrierNotOpened, match=r"^barrier\.north_gate cannot open: it is unavailable "
                                                   r"\(no answer within 1 s\) since 20\d\d-") as caught:
            await get_barriers(hub).open(GATE, reason="resident")
        assert caught.value.why is NotOpenedWhy.UNAVAILABLE
        gate.report(BarrierState.FAULT, fault="encoder lost")
        with pytest.raises(BarrierNotOpened, match=r"it reports a fault \(encoder lost\)") as caught:
            await get_barriers(hub).open(GATE, reason="resident")
        assert caught.value.why is NotOpenedWhy.FAULT and gate.commands == []


async def test_a_gate_that_faults_while_an_open_waits_fails_it_at_once(tmp_path):
    gate = Gate("North gate", obeys=False, options=GateOptions(confirm_timeout=5))
    async with gate_hub(tmp_path, gate) as hub:
        gate.report(BarrierState.CLOSED)
        asyncio.get_running_loop().call_later(0.01, lambda: gate.report(BarrierState.FAULT, fault="arm breakaway"))
        with pytest.raises(BarrierNotOpened, match=r"cannot open: it reports a fault \(arm breakaway\)"):
            await asyncio.wait_for(get_barriers(hub).open(GATE, reason="resident"), 1)


async def test_an_unknown_gate_is_named_with_the_gates_there_are(tmp_path):
    async with gate_hub(tmp_path, Gate("North gate")) as hub:
        with pytest.raises(HubError, match=r"^barrier: no barrier barrier\.south_gate; the barriers are: barrier\.north_gate$"):
            await get_barriers(hub).open("barrier.south_gate", reason="resident")


async def test_a_person_through_the_api_of_parking_is_held_to_the_same_rule(tmp_path):
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate) as hub:
        guard = await person(hub, "wangfang")
        with pytest.raises(ServiceValidationError, match="say why"):
            await get_barriers(hub).open(GATE, reason=" ", context=guard)
        await get_barriers(hub).open(GATE, reason="lost ticket", context=guard)
        await hub.recorder.flush()
        assert [r.data["reason"] for r in await hub.recorder.query(AUDIT, where={"act": "barrier_open"})] == ["lost ticket"]


# --- a raise by hand at the gate -----------------------------------------------------------

async def test_an_arm_raised_with_no_command_from_the_hub_is_recorded(tmp_path):
    clock = ManualClock(START)
    gate = Gate("North gate")
    async with gate_hub(tmp_path, gate, clock=clock) as hub:
        raised = record(hub, "barrier_raised_locally")
        gate.report(BarrierState.CLOSED)
        gate.report(BarrierState.OPENING)  # the guard's remote
        gate.report(BarrierState.OPEN)
        assert [e.data for e in raised] == [{"entity_id": GATE, "name": "North gate", "state": "opening"}]
        await hub.recorder.flush()
        (line,) = [r.data for r in await hub.recorder.query("logbook", subject=GATE)]
        assert line["message"] == "raised at the gate, with no command from the hub"
        gate.report(BarrierState.CLOSED)
        await get_barriers(hub).open(GATE, reason="resident")  # the hub's own: not by hand
        clock.advance(8)
        gate.report(BarrierState.OPEN)  # seen late, at the next poll
        gate.report(BarrierState.CLOSING, vehicle=True)
        gate.report(BarrierState.OPENING, vehicle=True)  # the controller's safety reversal over a car
        assert len(raised) == 1
