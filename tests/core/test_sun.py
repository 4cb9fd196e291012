"""core.sun: the sun over the demo's Shanghai site, its entity, trigger and condition on a
real hub with a manual clock (START is Monday 2 March 2026, 08:00 local)."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from tests.conftest import SITE_TZ, START
from xiaoqu.core.testing import running_hub

SHANGHAI = {"time_zone": "Asia/Shanghai", "latitude": 31.23, "longitude": 121.47, "elevation": 4}


def at(hour: int, minute: int) -> time:
    return time(hour, minute)


def local(iso: str) -> datetime:
    return datetime.fromisoformat(iso).astimezone(SITE_TZ)


async def test_sun_entity_says_where_the_sun_is_and_what_comes_next(tmp_path, clock) -> None:
    async with running_hub(tmp_path, {"xiaoqu": SHANGHAI}, clock=clock) as hub:
        state = hub.states.get("sun.sun")
        assert state.state == "above_horizon"  # 08:00, after a 06:20 sunrise
        # Published times for Shanghai on 2 March: sunrise about 06:20, sunset about 17:53.
        assert at(17, 50) <= local(state.attributes["next_setting"]).time() <= at(17, 56)
        assert local(state.attributes["next_setting"]).date() == START.date()
        assert at(6, 17) <= local(state.attributes["next_rising"]).time() <= at(6, 23)
        assert local(state.attributes["next_rising"]).date() == START.date() + timedelta(days=1)
        assert 0 < state.attributes["elevation"] < 30 and 90 < state.attributes["azimuth"] < 135  # low in the east
        assert state.attributes["rising"] is True
        clock.set(START.replace(hour=19))
        await hub.block_till_done()
        assert hub.states.get("sun.sun").state == "below_horizon"
        assert hub.states.get("sun.sun").attributes["rising"] is False


async def test_sun_trigger_fires_at_sunset_with_its_offset_every_day(tmp_path, clock) -> None:
    config = {"xiaoqu": SHANGHAI, "automation": [{
        "id": "path_lights",
        "triggers": [{"trigger": "sun", "event": "sunset", "offset": "-00:30:00"}],
        "actions": [{"event": "lights_on", "event_data": {"why": "{{ trigger.description }}"}}],
    }]}
    async with running_hub(tmp_path, config, clock=clock) as hub:
        fired: list[tuple[datetime, str]] = []
        hub.bus.listen("lights_on", lambda event: fired.append((hub.clock.now(), event.data["why"])))
        for _ in range(2 * 24 * 4):  # two days in quarter hours
            clock.advance(timedelta(minutes=15))
            await hub.block_till_done()
    assert [moment.date() for moment, _ in fired] == [START.date(), START.date() + timedelta(days=1)]
    assert all(at(17, 20) <= moment.time() <= at(17, 30) for moment, _ in fired)  # sunset ~17:53, less 30 min
    assert fired[0][1] == "sun sunset -00:30:00"


async def test_sun_condition_by_day_and_across_midnight(tmp_path, clock) -> None:
    night = {"condition": "sun", "after": "sunset", "before": "sunrise"}
    morning = {"condition": "sun", "after": "sunrise", "after_offset": "01:00:00", "before": "sunset"}
    config = {"xiaoqu": SHANGHAI, "automation": [
        {"id": which, "mode": "parallel", "triggers": [{"trigger": "event", "event_type": "check"}],
         "conditions": [condition], "actions": [{"event": "passed", "event_data": {"which": which}}]}
        for which, condition in (("night", night), ("day", morning))
    ]}
    async with running_hub(tmp_path, config, clock=clock) as hub:
        passed: list[tuple[int, str]] = []
        hub.bus.listen("passed", lambda event: passed.append((hub.clock.now().hour, event.data["which"])))
        for hours in (4, 11, 15, 19, 23, 24):  # 12:00, 19:00, 23:00, then 03:00, 07:00, 08:00 the next day
            clock.set(START + timedelta(hours=hours))
            hub.bus.fire("check")
            await hub.block_till_done()
    # 07:00 is after sunrise (06:20) but not an hour after it.
    assert sorted(passed) == [(3, "night"), (8, "day"), (12, "day"), (19, "night"), (23, "night")]


async def test_without_the_site_place_the_sun_is_refused_with_the_reason(tmp_path, clock, caplog) -> None:
    config = {"automation": [{"id": "dusk", "triggers": [{"trigger": "sun", "event": "sunset"}],
                              "actions": [{"event": "x"}]}]}
    async with running_hub(tmp_path, config, clock=clock) as hub:
        assert hub.states.get("sun.sun") is None
    assert "sun: the site's latitude and longitude are not set (xiaoqu: latitude, longitude" in caplog.text
