"""Run modes: single, restart, queued and parallel, with max and max_exceeded."""
from __future__ import annotations

import logging

SLOW = """
        - id: slow
          mode: {mode}
          {extra}
          triggers: {{trigger: event, event_type: go}}
          actions:
            - action: test.record
              data: {{start: "{{{{ trigger.event.data.n }}}}"}}
            - delay: 10
            - action: test.record
              data: {{end: "{{{{ trigger.event.data.n }}}}"}}
"""


async def fire_three(hub, clock) -> None:
    for n in (1, 2, 3):
        hub.bus.fire("go", {"n": n})
        await hub.block_till_done()
        clock.advance(1)
    for _ in range(2):  # a queued run starts once the one before it has ended, then waits its own delay
        clock.advance(60)
        await hub.block_till_done()


def executions(engine) -> list[str]:
    return [trace["script_execution"] for trace in reversed(engine.traces("slow"))]


async def test_single_refuses_while_running(hub, clock, automations, calls, caplog):
    engine = await automations(SLOW.format(mode="single", extra=""))
    with caplog.at_level(logging.WARNING):
        await fire_three(hub, clock)
    assert calls.data == [{"start": 1}, {"end": 1}]
    assert executions(engine) == ["finished", "failed_single", "failed_single"]
    assert "Automation slow: already running; this trigger is dropped" in caplog.text


async def test_single_with_max_exceeded_silent_logs_nothing(hub, clock, automations, caplog):
    await automations(SLOW.format(mode="single", extra="max_exceeded: silent"))
    with caplog.at_level(logging.DEBUG):
        await fire_three(hub, clock)
    assert "already running" not in caplog.text


async def test_restart_cancels_the_run_going_on(hub, clock, automations, calls):
    engine = await automations(SLOW.format(mode="restart", extra=""))
    await fire_three(hub, clock)
    assert calls.data == [{"start": 1}, {"start": 2}, {"start": 3}, {"end": 3}]
    assert executions(engine) == ["cancelled", "cancelled", "finished"]


async def test_queued_runs_in_turn_up_to_max(hub, clock, automations, calls):
    engine = await automations(SLOW.format(mode="queued", extra="max: 2"))
    await fire_three(hub, clock)
    assert calls.data == [{"start": 1}, {"end": 1}, {"start": 2}, {"end": 2}]
    assert executions(engine) == ["finished", "finished", "failed_max_runs"]


async def test_parallel_runs_at_once_up_to_max(hub, clock, automations, calls):
    engine = await automations(SLOW.format(mode="parallel", extra="max: 2"))
    await fire_three(hub, clock)
    assert calls.data == [{"start": 1}, {"start": 2}, {"end": 1}, {"end": 2}]
    assert executions(engine) == ["finished", "finished", "failed_max_runs"]
    assert hub.states.get("automation.slow").attributes["current"] == 0
