"""Today's traffic per hour: counted as decisions are recorded, seeded from the log when the hub
starts, an offline upload counted once, and drawn on the dashboard without reading the log."""
from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tests.integrations.access.conftest import CARD, estate
from tests.integrations.access.test_dashboard_pages import estate_with_entries
from tests.integrations.dashboard.conftest import browser
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.access import Access
from xiaoqu.integrations.access.log import traffic_today
from xiaoqu.integrations.access.offline import Sender
from xiaoqu.integrations.access.traffic import Traffic, day_hours

STRANGER = "DEADBEEF"


def by_hour(access: Access) -> dict[int, tuple[int, int]]:
    """The hours that saw anyone: ``{hour: (granted, denied)}``."""
    return {start.hour: (hour.granted, hour.denied) for start, hour in traffic_today(access) if hour.granted or hour.denied}


async def test_decisions_are_counted_in_the_sites_hour_they_were_made(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, _people):
        access.check("card", CARD, "b1_east")  # 08:00
        access.check("card", STRANGER, "b1_east")
        clock.advance(3599)  # 08:59:59
        access.check("card", CARD, "b1_east")
        clock.advance(1)  # 09:00
        access.check("card", STRANGER, "gate_south")
        access.check("card", CARD, "gate_south", at=clock.time() - 7200)  # asking about another time: no entry
        assert by_hour(access) == {8: (2, 1), 9: (0, 1)}
        assert [start.hour for start, _ in traffic_today(access)] == list(range(24))


async def test_a_restarted_hub_counts_the_day_so_far_from_the_log(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, _people):
        for value in (CARD, CARD, STRANGER):
            access.check("card", value, "b1_east")
        clock.advance(3600)
        access.check("card", STRANGER, "b2_east")
    clock.advance(60)
    async with estate(tmp_path, clock) as (_hub, access, _people):
        assert by_hour(access) == {8: (2, 1), 9: (0, 1)}
        access.check("card", CARD, "b1_east")  # counted on top, not twice
        assert by_hour(access) == {8: (2, 1), 9: (1, 1)}
    clock.advance(86_400)  # tomorrow: a new day, nothing yet
    async with estate(tmp_path, clock) as (_hub, access, _people):
        assert by_hour(access) == {}


async def test_an_offline_upload_is_counted_once_in_the_hour_it_happened(tmp_path: Path, clock: ManualClock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, _people):
        sender = Sender("ctl-b1", frozenset({"b1_east"}), access.whitelist(["b1_east"])["entries"])
        upload: list[dict[str, Any]] = [
            {"event_id": "1", "ts": "2026-03-02T07:50:00+08:00", "door": "b1_east", "type": "card", "value": CARD,
             "granted": True},
            {"event_id": "2", "ts": "2026-03-02T07:51:00+08:00", "door": "b1_east", "type": "card", "value": STRANGER,
             "granted": False},
            {"event_id": "3", "ts": "2026-03-01T23:30:00+08:00", "door": "b1_east", "type": "card", "value": CARD,
             "granted": True},  # yesterday: in the log, not in today's chart
        ]
        assert (await access.record_offline(upload, sender)).recorded == 3
        assert (await access.record_offline(upload, sender)).recorded == 0  # the acknowledgement was lost
        assert by_hour(access) == {7: (1, 1)}


async def test_the_chart_and_the_days_counts_read_no_log(tmp_path: Path, clock: ManualClock) -> None:
    async with estate_with_entries(tmp_path, clock) as hub, browser(hub) as guard:
        await guard.sign_in("guard")

        async def no_counting(*_args: Any, **_kwargs: Any) -> int:
            raise AssertionError("the overview counted the log")

        hub.recorder.count = no_counting  # type: ignore[method-assign]
        for path in ("/dashboard/", "/dashboard/access"):
            status, text, _ = await guard.get(path)
            assert status == 200
            chart = json.loads(re.search(r"data-chart='([^']+)'", text).group(1))  # type: ignore[union-attr]
            granted, denied = (series["data"] for series in chart["series"])
            assert (granted[8], denied[8], sum(granted), sum(denied)) == (1, 2, 1, 2)
            assert [series["stack"] for series in chart["series"]] == ["total", "total"]
            assert chart["xAxis"]["data"][:2] == ["00:00", "01:00"]
            if path == "/dashboard/":
                assert '<span class="count">1</span>' in text and '<span class="count bad">2</span>' in text


def test_an_hour_is_the_sites_even_half_an_hour_off_utc() -> None:
    india = ZoneInfo("Asia/Kolkata")
    traffic = Traffic(india)
    at = datetime(2026, 3, 2, 8, 40, tzinfo=india).timestamp()
    traffic.add(at, True)
    traffic.add(at + 1800, False)  # 09:10: the next hour
    starts = day_hours(at, india)
    assert len(starts) == 24 and starts[0] == datetime(2026, 3, 2, tzinfo=india)
    counts = traffic.hours(start.timestamp() for start in starts)
    assert [(counts[8].granted, counts[8].denied), (counts[9].granted, counts[9].denied)] == [(1, 0), (0, 1)]


def test_a_day_when_clocks_change_has_its_own_number_of_hours() -> None:
    london = ZoneInfo("Europe/London")
    assert len(day_hours(datetime(2026, 3, 29, 12, tzinfo=london).timestamp(), london)) == 23
    assert len(day_hours(datetime(2026, 10, 25, 12, tzinfo=london).timestamp(), london)) == 25
