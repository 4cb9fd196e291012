"""Time triggers at an entity's time with an ``offset`` — the "Sensors of datetime device class
with offsets" and "Multiple times" sections of Home Assistant's automation/trigger page, on a
manual clock that starts on Monday 2026-03-02 08:00 (Asia/Shanghai)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from xiaoqu.core.hub import Hub


@pytest.fixture
def lights(hub: Hub) -> list[dict]:
    turned_on: list[dict] = []
    hub.services.register("light", "turn_on", lambda call: turned_on.append(dict(call.data)))
    return turned_on


async def test_five_minutes_before_the_phone_alarm_as_documented(hub, clock, automations, lights, traces):
    hub.states.set("sensor.phone_next_alarm", "2026-03-02T01:30:00+00:00", {"device_class": "timestamp"})  # 09:30
    await automations("""
        - triggers:
            - trigger: time
              at:
                entity_id: sensor.phone_next_alarm
                offset: -00:05:00
          actions:
            - action: light.turn_on
              target:
                entity_id: light.bedroom
    """)
    clock.advance(timedelta(minutes=84))  # 09:24
    await hub.block_till_done()
    assert lights == []
    clock.advance(timedelta(minutes=1))  # 09:25
    await hub.block_till_done()
    assert lights == [{"entity_id": "light.bedroom"}]
    trigger = traces.element(traces.last("automation_1"), "trigger/0")
    assert trigger["result"]["description"] == "time set in sensor.phone_next_alarm"

    # The alarm goes off and the phone reports the next one: the trigger follows, 5 minutes before.
    hub.states.set("sensor.phone_next_alarm", "2026-03-03T06:45:00+08:00", {"device_class": "timestamp"})
    clock.advance(timedelta(hours=21, minutes=14))  # Tuesday 06:39
    await hub.block_till_done()
    assert len(lights) == 1
    clock.advance(timedelta(minutes=1))  # 06:40
    await hub.block_till_done()
    assert len(lights) == 2


async def test_multiple_times_intermixed_as_documented(hub, clock, automations, calls):
    hub.states.set("input_datetime.leave_for_work", "08:45:00")
    hub.states.set("sensor.bus_arrival", "2026-03-02T09:00:00+08:00")
    await automations("""
        - id: multiple_times
          mode: parallel
          triggers:
            - trigger: time
              at:
                - input_datetime.leave_for_work
                - "18:30:00"
                - entity_id: sensor.bus_arrival
                  offset: "-00:10:00"
          actions:
            - action: test.record
              data: {at: "{{ trigger.now.strftime('%H:%M') }}", from: "{{ trigger.entity_id }}"}
    """)
    clock.advance(timedelta(hours=11))
    await hub.block_till_done()
    assert calls.data == [
        {"at": "08:45", "from": "input_datetime.leave_for_work"},
        {"at": "08:50", "from": "sensor.bus_arrival"},
        {"at": "18:30", "from": None},
    ]


async def test_an_offset_on_a_daily_time_wraps_round_midnight(hub, clock, automations, calls):
    hub.states.set("input_datetime.quiet_hours", "00:02:00")
    await automations("""
        - id: before_quiet_hours
          triggers:
            - trigger: time
              at:
                entity_id: input_datetime.quiet_hours
                offset: {minutes: -5}
          actions:
            - action: test.record
              data: {at: "{{ trigger.now.strftime('%a %H:%M') }}"}
    """)
    for _day in range(2):
        clock.advance(timedelta(hours=24))
        await hub.block_till_done()
    assert calls.data == [{"at": "Mon 23:57"}, {"at": "Tue 23:57"}]


async def test_a_moment_already_past_after_its_offset_does_not_fire(hub, clock, automations, calls):
    hub.states.set("sensor.delivery", "2026-03-02T08:03:00+08:00")
    await automations("""
        - id: too_late
          triggers:
            - trigger: time
              at: {entity_id: sensor.delivery, offset: "-00:05:00"}
          actions: {action: test.record}
    """)
    clock.advance(timedelta(hours=1))
    await hub.block_till_done()
    assert calls.data == []


async def test_mistakes_are_named_with_their_line(hub, automations):
    hub.states.set("sensor.phone_next_alarm", "2026-03-02T09:30:00+08:00")
    engine = await automations("""
        - id: bad_offset
          triggers:
            - trigger: time
              at:
                entity_id: sensor.phone_next_alarm
                offset: soon
          actions: {action: test.record}
        - id: no_entity
          triggers:
            - trigger: time
              at: {offset: "-00:05:00"}
          actions: {action: test.record}
        - id: typo
          triggers:
            - trigger: time
              at: {entity_id: sensor.phone_next_alarn, offset: "-00:05:00"}
          actions: {action: test.record}
    """)
    [bad_offset] = [str(e) for e in engine.get("bad_offset").errors]
    assert bad_offset == ("automations.yaml:5: automation[0].triggers[0].at[0].offset: expected a time period: "
                          "seconds (90), 'HH:MM', 'HH:MM:SS' or a mapping of days/hours/minutes/seconds/milliseconds")
    [no_entity] = [str(e) for e in engine.get("no_entity").errors]
    assert no_entity == "automations.yaml:12: automation[1].triggers[0].at[0].entity_id: required key not provided"
    assert [str(w) for w in engine.get("typo").warnings] == [
        "automations.yaml:17: automation[2].triggers[0].at[0].entity_id: unknown entity sensor.phone_next_alarn "
        "(no entity has this id yet) (did you mean 'sensor.phone_next_alarm'?)"
    ]
