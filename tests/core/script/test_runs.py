"""A script's runs: its entity while they go on, its modes, turn_off and toggle, and the runs
of automations that call it (``action: script.x`` waits, ``script.turn_on`` does not)."""
from __future__ import annotations

import logging

import pytest

from tests.core.script.conftest import call, settle
from xiaoqu.core.errors import ServiceValidationError

SLOW = """
script:
  patrol_light:
    alias: Patrol light
    mode: {mode}
    {extra}
    sequence:
      - event: light_on
        event_data: {{n: "{{{{ n }}}}"}}
      - delay: 10
      - event: light_off
        event_data: {{n: "{{{{ n }}}}"}}
"""


def executions(hub) -> list[str]:
    return [trace["script_execution"] for trace in reversed(hub.data["script"].traces("patrol_light"))]


async def test_on_while_running_with_its_attributes(start, seen_on, clock):
    async with start(SLOW.format(mode="queued", extra="max: 3")) as hub:
        first, second = call(hub, "script.patrol_light", {"n": 1}), call(hub, "script.patrol_light", {"n": 2})
        await settle(hub)
        state = hub.states.get("script.patrol_light")
        assert state.state == "on"
        assert state.attributes == {"friendly_name": "Patrol light", "last_triggered": "2026-03-02T08:00:00+08:00",
                                    "mode": "queued", "current": 2, "max": 3}
        clock.advance(10)
        await settle(hub)
        assert await first is None and not second.done()  # the queued call waits for its own run's end
        clock.advance(10)
        await hub.block_till_done()
        assert await second is None
        state = hub.states.get("script.patrol_light")
        assert state.state == "off" and state.attributes["current"] == 0
        assert state.attributes["last_triggered"] == "2026-03-02T08:00:00+08:00"  # asked at 8:00, as in HA


async def test_single_refuses_a_second_call_at_once(start, seen_on, clock, caplog):
    async with start(SLOW.format(mode="single", extra="")) as hub:
        seen = seen_on(hub)
        seen.listen("light_on", "light_off")
        first = call(hub, "script.patrol_light", {"n": 1})
        await settle(hub)
        with caplog.at_level(logging.WARNING):
            assert await hub.services.call("script", "patrol_light", {"n": 2}, return_response=True) == {}
        assert "Script Patrol light: already running; this call is dropped" in caplog.text
        clock.advance(10)
        await hub.block_till_done()
        await first
        assert [(e.event_type, e.data["n"]) for e in seen.events] == [("light_on", 1), ("light_off", 1)]
        assert executions(hub) == ["finished", "failed_single"]


async def test_parallel_up_to_max(start, seen_on, clock):
    async with start(SLOW.format(mode="parallel", extra="max: 2")) as hub:
        seen = seen_on(hub)
        seen.listen("light_on")
        for n in (1, 2, 3):
            await hub.services.call("script", "turn_on", {"entity_id": "script.patrol_light", "variables": {"n": n}})
        await hub.block_till_done()
        assert [e.data["n"] for e in seen.events] == [1, 2]
        assert hub.states.get("script.patrol_light").attributes["current"] == 2
        clock.advance(10)
        await hub.block_till_done()
        assert executions(hub) == ["finished", "finished", "failed_max_runs"]


async def test_turn_off_stops_every_run_and_the_queue(start, seen_on, clock):
    async with start(SLOW.format(mode="queued", extra="")) as hub:
        seen = seen_on(hub)
        seen.listen("light_off")
        waiting = [call(hub, "script.patrol_light", {"n": n}) for n in (1, 2)]
        await settle(hub)
        await hub.services.call("script", "turn_off", {"entity_id": "script.patrol_light"})
        await hub.block_till_done()
        assert [await task for task in waiting] == [None, None]  # the callers go on
        assert hub.states.get("script.patrol_light").state == "off"
        assert executions(hub) == ["cancelled", "cancelled"]
        clock.advance(10)
        await hub.block_till_done()
        assert seen.events == []


async def test_toggle_starts_and_stops(start, clock):
    async with start(SLOW.format(mode="single", extra="")) as hub:
        await hub.services.call("script", "toggle", {"entity_id": "script.patrol_light"})
        await hub.block_till_done()
        assert hub.states.get("script.patrol_light").state == "on"
        await hub.services.call("script", "toggle", {"entity_id": "script.patrol_light"})
        await hub.block_till_done()
        assert hub.states.get("script.patrol_light").state == "off"
        assert executions(hub) == ["cancelled"]


async def test_targets_must_be_scripts(start):
    async with start(SLOW.format(mode="single", extra="")) as hub:
        with pytest.raises(ServiceValidationError, match="script: no script script.nope"):
            await hub.services.call("script", "turn_on", {"entity_id": ["script.patrol_light", "script.nope"]})
        with pytest.raises(ServiceValidationError, match="script: no script light.porch"):
            await hub.services.call("script", "turn_off", {"entity_id": "light.porch"})
        await hub.services.call("script", "turn_off", {"entity_id": "all"})


# --- scripts that call themselves -------------------------------------------------------------

RECURSIVE = """
script:
  countdown:
    mode: {mode}
    sequence:
      - event: tick
        event_data: {{left: "{{{{ left }}}}"}}
      - if: "{{{{ left > 0 }}}}"
        then:
          - action: {call}
            data: {data}
"""


@pytest.mark.parametrize("mode", ["queued", "restart"])
async def test_a_script_cannot_wait_for_itself(start, seen_on, mode, caplog):
    text = RECURSIVE.format(mode=mode, call="script.countdown", data='{left: "{{ left - 1 }}"}')
    async with start(text) as hub:
        seen = seen_on(hub)
        seen.listen("tick")
        with caplog.at_level(logging.WARNING):
            await hub.services.call("script", "countdown", {"left": 2})
        assert [e.data["left"] for e in seen.events] == [2]
        assert [t["script_execution"] for t in hub.data["script"].traces("countdown")] == [
            "disallowed_recursion_detected", "finished"]
        assert f"would wait for itself forever ({mode} mode)" in caplog.text


ECHO = """
script:
  announce:
    mode: queued
    sequence:
      - event: announced
        event_data: {n: "{{ n }}"}
automation:
  - id: echo
    triggers: {trigger: event, event_type: announced, event_data: {n: 1}}
    actions:
      - action: script.announce
        data: {n: 2}
"""


async def test_a_script_run_by_an_automation_its_own_event_triggered_is_no_recursion(start, seen_on):
    async with start(ECHO) as hub:
        seen = seen_on(hub)
        seen.listen("announced")
        await hub.services.call("script", "announce", {"n": 1})
        await hub.block_till_done()
        assert [e.data["n"] for e in seen.events] == [1, 2]  # the first run did not wait for the echo
        assert [t["script_execution"] for t in hub.data["script"].traces("announce")] == ["finished", "finished"]


async def test_a_script_may_start_itself_without_waiting(start, seen_on):
    text = RECURSIVE.format(mode="queued", call="script.turn_on",
                            data='{entity_id: script.countdown, variables: {left: "{{ left - 1 }}"}}')
    async with start(text) as hub:
        seen = seen_on(hub)
        seen.listen("tick")
        await hub.services.call("script", "countdown", {"left": 2})
        await hub.block_till_done()
        assert [e.data["left"] for e in seen.events] == [2, 1, 0]


# --- called from automations ----------------------------------------------------------------

FROM_AUTOMATIONS = """
script:
  ring_guard_room:
    mode: parallel
    fields:
      gate: {required: true}
    sequence:
      - event: bell_rings
        event_data: {gate: "{{ gate }}"}
      - delay: 60
      - event: bell_stops
        event_data: {gate: "{{ gate }}"}
automation:
  - id: waits
    mode: restart
    triggers: {trigger: event, event_type: gate_forced}
    actions:
      - action: script.ring_guard_room
        data: {gate: "{{ trigger.event.data.gate }}"}
      - event: guard_told
  - id: does_not_wait
    triggers: {trigger: event, event_type: gate_left_open}
    actions:
      - action: script.turn_on
        target: {entity_id: script.ring_guard_room}
        data: {variables: {gate: "{{ trigger.event.data.gate }}"}}
      - event: guard_told
"""


async def test_an_automation_waits_for_script_name_and_not_for_turn_on(start, seen_on, clock):
    async with start(FROM_AUTOMATIONS) as hub:
        seen = seen_on(hub)
        seen.listen("bell_rings", "bell_stops", "guard_told")
        hub.bus.fire("gate_forced", {"gate": "north"})
        await hub.block_till_done()  # does not wait for the delay: the waiting automation is not busy
        assert [e.event_type for e in seen.events] == ["bell_rings"]
        assert hub.states.get("automation.waits").attributes["current"] == 1

        clock.advance(30)
        hub.bus.fire("gate_left_open", {"gate": "east"})
        await hub.block_till_done()
        assert sorted(e.event_type for e in seen.events) == ["bell_rings", "bell_rings", "guard_told"]

        clock.advance(30)
        await hub.block_till_done()
        assert [(e.event_type, e.data.get("gate")) for e in seen.events[3:]] == [("bell_stops", "north"),
                                                                                ("guard_told", None)]
        clock.advance(30)
        await hub.block_till_done()
        assert [(e.event_type, e.data.get("gate")) for e in seen.events[5:]] == [("bell_stops", "east")]
        run = hub.data["script"].trace("ring_guard_room")
        assert run["context"]["source"] == "script.ring_guard_room"
        caller = hub.data["automation"].trace("does_not_wait")
        assert run["context"]["parent_id"] == caller["context"]["id"]


async def test_a_caller_stopped_while_waiting_stops_the_script_run(start, seen_on, clock):
    async with start(FROM_AUTOMATIONS) as hub:
        seen = seen_on(hub)
        seen.listen("bell_stops", "guard_told")
        hub.bus.fire("gate_forced", {"gate": "north"})
        await hub.block_till_done()
        hub.bus.fire("gate_forced", {"gate": "south"})  # restart: the first run and its script run end
        await hub.block_till_done()
        assert [(t["state"], t["script_execution"]) for t in hub.data["script"].traces("ring_guard_room")] == [
            ("running", None), ("stopped", "cancelled")]
        clock.advance(60)
        await hub.block_till_done()
        assert seen.data("bell_stops") == [{"gate": "south"}]
        assert len(seen.data("guard_told")) == 1
