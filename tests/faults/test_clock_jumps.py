"""The wall clock corrected (an NTP step) backward and forward while schedules wait.

``ManualClock.jump`` moves the site's time as a correction does: timers keep waiting on the
loop's own clock, then look at the new time (core/clock.py states the rules). With automations
on a daily ``time`` trigger and a ``time_pattern``:

- set back before a schedule's time, the schedule does not run early, and runs once when its
  time comes; set back after it ran, it does not run again;
- set forward over a schedule's time, it runs once, within a minute of the jump, and the jump
  is logged (nothing is skipped silently); a pattern every ten minutes runs once for the hour
  jumped over, not six times.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from tests.conftest import SITE_TZ
from xiaoqu.core.clock import RECHECK, ManualClock
from xiaoqu.core.testing import running_hub

AUTOMATIONS = """
automation:
  - id: nine
    triggers: {trigger: time, at: "09:00:00"}
    actions: {event: faults_tick, event_data: {which: nine, due: "{{ trigger.now.strftime('%H:%M') }}"}}
  - id: every_ten
    mode: parallel
    triggers: {trigger: time_pattern, minutes: "/10"}
    actions: {event: faults_tick, event_data: {which: ten, due: "{{ trigger.now.strftime('%H:%M') }}"}}
http: {server_port: 0}
"""


def at(hour: int, minute: int = 0, day: int = 2) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SITE_TZ)


class Ticks:
    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.seen: list[tuple[str, str, str]] = []  # (which, the time it was due, the wall time it ran)

    def __call__(self, event: Any) -> None:
        self.seen.append((event.data["which"], event.data["due"], self.clock.now().strftime("%H:%M")))

    def of(self, which: str) -> list[tuple[str, str]]:
        return [(due, ran) for kind, due, ran in self.seen if kind == which]


async def walk(hub: Any, clock: ManualClock, until: datetime, step: float = 30) -> None:
    """Let time pass to ``until`` in steps, as it does on site (timers run as they fall due)."""
    while clock.now() < until:
        clock.advance(min(step, (until - clock.now()).total_seconds()))
        await hub.block_till_done()


async def test_set_back_a_schedule_neither_runs_early_nor_twice(tmp_path):
    clock = ManualClock(at(8, 0), SITE_TZ)
    async with running_hub(tmp_path, AUTOMATIONS, clock=clock) as hub:
        ticks = Ticks(clock)
        hub.bus.listen("faults_tick", ticks)
        await walk(hub, clock, at(8, 55))
        clock.jump(at(8, 25))  # set back half an hour, five minutes before nine
        await walk(hub, clock, at(8, 59))
        assert ticks.of("nine") == []  # the old code's timer had run at 08:30 by the wall clock: early
        await walk(hub, clock, at(9, 1))
        assert ticks.of("nine") == [("09:00", "09:00")]
        clock.jump(at(8, 40))  # set back again, after it ran
        await walk(hub, clock, at(9, 30))
        assert ticks.of("nine") == [("09:00", "09:00")]  # not twice
        tens = [due for due, _ran in ticks.of("ten")]
        assert tens == sorted(set(tens)), tens  # every ten minutes, none repeated
        assert all(ran >= due for due, ran in ticks.of("ten"))  # none ran before its time


async def test_set_forward_over_a_schedule_runs_it_once_and_says_so(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="xiaoqu.core.clock")
    clock = ManualClock(at(8, 0), SITE_TZ)
    async with running_hub(tmp_path, AUTOMATIONS, clock=clock) as hub:
        ticks = Ticks(clock)
        hub.bus.listen("faults_tick", ticks)
        await walk(hub, clock, at(8, 31))
        assert ticks.of("ten") == [("08:10", "08:10"), ("08:20", "08:20"), ("08:30", "08:30")]
        clock.jump(at(9, 35))  # an hour and four minutes forward, over nine and six ten-minute marks
        clock.advance(RECHECK)
        await hub.block_till_done()
        assert [ran for _due, ran in ticks.of("nine")] == ["09:36"]  # once, within a minute of the jump
        assert [due for due, _ran in ticks.of("ten")][3:] == ["08:40"]  # once for the gap, late
        await walk(hub, clock, at(10, 1), step=60)
        assert [due for due, _ran in ticks.of("ten")][3:] == ["08:40", "09:40", "09:50", "10:00"]
        await walk(hub, clock, at(9, 1, day=3), step=600)
        assert [due for due, _ran in ticks.of("nine")] == ["09:36", "09:00"]  # the next day at nine, once
    jumped = [r.getMessage() for r in caplog.records if r.name == "xiaoqu.core.clock"]
    assert len(jumped) == 1 and jumped[0].startswith("The clock jumped forward"), jumped


async def test_a_timer_for_the_past_is_not_a_jump(tmp_path, caplog):
    """Something set for a time already gone runs at once and is not reported as a jump."""
    caplog.set_level(logging.WARNING, logger="xiaoqu.core.clock")
    clock = ManualClock(at(8, 0), SITE_TZ)
    ran: list[float] = []
    clock.call_at(at(7, 0), lambda: ran.append(clock.time()))
    clock.advance(1)
    assert ran == [at(8, 0).timestamp()] and caplog.records == []
    clock.call_later(timedelta(minutes=5), lambda: ran.append(clock.time()))
    clock.jump(at(7, 0))
    clock.advance(timedelta(minutes=59))
    assert len(ran) == 1  # set back an hour: the five minutes are counted by the new time
    clock.advance(timedelta(minutes=7))
    assert ran[1] == at(8, 5).timestamp() + 1  # five minutes after 08:00:01, by the corrected clock
