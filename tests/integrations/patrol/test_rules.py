"""Bad input, each refused by its rule; the verdicts a simulated day did not need; schedules; exports."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tests.integrations.patrol.conftest import PATROL, at, site
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.validation import humanize_error, vol
from xiaoqu.integrations.patrol import get_patrol
from xiaoqu.integrations.patrol.const import REJECTED_KIND, SCAN_KIND
from xiaoqu.integrations.patrol.schema import CONFIG_SCHEMA


def scan(checkpoint: str, hour: int, minute: int, scan_id: str, day: int = 2) -> dict[str, Any]:
    return {"checkpoint": checkpoint, "ts": at(hour, minute, day).isoformat(), "scan_id": scan_id}


@pytest.mark.parametrize(("change", "path", "message"), [
    ({"routes": [{"id": "r", "checkpoints": [{"checkpoint": "cp-roof", "offset_minutes": 0}]}]},
     "routes.0.checkpoints.0.checkpoint", "no checkpoint cp-roof"),
    ({"schedules": [{"route": "evening", "times": ["18:00"]}]}, "schedules.0.route", "no route evening"),
    ({"schedules": [{"route": "day"}]}, "schedules.0", "needs times or every_hours"),
    ({"schedules": [{"route": "day", "times": ["25:00"]}]}, "schedules.0.times.0", ""),
    ({"patrollers": [{"person": "S1", "wand": "w", "routes": ["evening"]}]}, "patrollers.0.routes.0", "no route"),
    ({"patrollers": [{"person": "S1", "wand": "w"}, {"person": "S2", "wand": "w"}]}, "patrollers.1.wand",
     "already defined"),
    ({"routes": [{"id": "r", "tolerance_minutes": 20, "early_limit_minutes": 10,
                  "checkpoints": [{"checkpoint": "cp-gate", "offset_minutes": 0}]}]},
     "routes.0.checkpoints.0.tolerance_minutes", "wider than the route's early or late limit"),
    ({"routes": [{"id": "r", "checkpoints": [{"checkpoint": "cp-gate", "offset_minutes": 10},
                                             {"checkpoint": "cp-b1", "offset_minutes": 5}]}]},
     "routes.0.checkpoints", "must not go down"),
    ({"checkpoints": [{"id": "cp gate"}]}, "checkpoints.0.id", "letters, digits"),
])
def test_the_config_names_the_path_of_each_mistake(change: dict[str, Any], path: str, message: str) -> None:
    config = {**PATROL, **change}
    with pytest.raises(vol.Invalid) as caught:
        CONFIG_SCHEMA(config)
    assert ".".join(str(p) for p in caught.value.path) == path
    assert message in humanize_error(config, caught.value)


async def test_each_bad_scan_is_refused_with_its_reason_and_the_rest_kept(tmp_path: Path) -> None:
    async with site(tmp_path, at(8, 30)) as place:
        result = await place.call("upload", {"wand": "wand-2", "scans": [
            scan("cp-gate", 8, 1, "a"),
            scan("cp-roof", 8, 5, "b"),                                    # no checkpoint has this tag
            {"checkpoint": "cp-b1", "ts": "2026-02-30T08:00:00+08:00", "scan_id": "c"},  # no such day
            {"checkpoint": "cp-b1", "ts": "2026-03-02T08:00:00", "scan_id": "d"},        # no offset
            {"checkpoint": "cp-b1", "ts": True, "scan_id": "e"},
            {"checkpoint": "cp-b1", "ts": 1772409600},                     # no scan_id
            scan("cp-b1", 9, 30, "f"),                                     # an hour ahead: offset unknown
        ]})
        assert result["accepted"] == 1 and result["duplicates"] == 0
        assert [(r["scan_id"], r["reason"]) for r in result["rejected"]] == [
            ("b", "unknown tag"), ("c", "bad ts"), ("d", "bad ts"), ("e", "bad ts"), (None, "invalid"),
            ("f", "ts in the future")]
        assert "no checkpoint has tag cp-roof" in result["rejected"][0]["detail"]
        assert "no offset" in result["rejected"][2]["detail"]
        assert "scan_id" in result["rejected"][4]["detail"]
        assert result["clock"]["at_least_seconds"] == 3600 and result["clock"]["corrected"] is False

        stranger = await place.call("upload", {"wand": "wand-9", "scans": [scan("cp-gate", 8, 1, "x")]})
        assert stranger["accepted"] == 0 and stranger["rejected"][0]["reason"] == "unknown wand"
        await place.hub.recorder.flush()
        assert await place.hub.recorder.count(SCAN_KIND) == 1
        assert await place.hub.recorder.count(REJECTED_KIND) == 7  # kept for the office to see

        for data, message in (({"scans": []}, "wand"), ({"wand": "wand-1", "scans": "x"}, "scans"),
                              ({"wand": "wand-1", "scans": [], "sent": [1]}, "sent")):
            with pytest.raises(ServiceValidationError, match=message):
                await place.call("upload", data)
        with pytest.raises(ServiceValidationError, match="route: no route evening"):
            await place.call("evaluate", {"route": "evening", "date": "2026-03-02"})
        with pytest.raises(ServiceValidationError, match="date"):
            await place.call("evaluate", {"route": "day", "date": "2026-02-30"})
        with pytest.raises(ServiceValidationError, match="end"):
            await place.call("report", {"start": "2026-03-02", "end": "2026-03-01"})
        with pytest.raises(ServiceValidationError, match="patroller: no patroller S9"):
            await place.call("report", {"start": "2026-03-02", "end": "2026-03-02", "patroller": "S9"})


async def test_a_clock_behind_is_seen_from_a_live_reference_and_corrected(tmp_path: Path) -> None:
    async with site(tmp_path, at(12, 30)) as place:
        behind = await place.call("upload", {"wand": "wand-1", "sent": at(12, 0).isoformat(),
                                             "scans": [scan("cp-gate", 11, 32, "g"), scan("cp-b1", 11, 45, "h")]})
        assert behind["clock"]["offset_seconds"] == -1800
        rounds = (await place.call("evaluate", {"route": "day", "date": "2026-03-02"}))["rounds"]
        noon = rounds[1]
        assert [(c["status"], c["scanned_at"][11:16]) for c in noon["checkpoints"]] == [("on_time", "12:02"),
                                                                                       ("on_time", "12:15")]
        assert "wand-1's clock was 30 min behind: its 11:32 read as 12:02" in noon["checkpoints"][0]["why"]
        # The next upload without a send time uses the offset measured half an hour ago.
        later = await place.call("upload", {"wand": "wand-1", "scans": [scan("cp-gate", 15, 31, "i")]})
        assert later["clock"]["offset_seconds"] == -1800 and later["accepted"] == 1


async def test_out_of_order_and_a_checkpoint_not_on_the_route(tmp_path: Path) -> None:
    async with site(tmp_path, at(23, 30)) as place:
        await place.call("upload", {"wand": "wand-1", "scans": [
            scan("cp-gate", 22, 0, "1"), scan("tag-b2", 22, 9, "2"), scan("cp-b1", 22, 12, "3"),
            scan("cp-pump", 22, 30, "4")]})
        await place.call("upload", {"wand": "wand-1", "scans": [scan("cp-pump", 20, 18, "5"), scan("cp-b1", 19, 50, "7")]})
        night = (await place.call("evaluate", {"route": "night", "date": "2026-03-02"}))["rounds"]
        late_round = night[1]
        assert [(c["checkpoint"], c["status"]) for c in late_round["checkpoints"]] == [
            ("cp-gate", "on_time"), ("cp-b1", "on_time"), ("cp-b2", "out_of_order"), ("cp-pump", "on_time")]
        assert "before cp-b1 at 22:12: the route is walked in order" in late_round["checkpoints"][2]["why"]
        assert late_round["status"] == "out_of_order"
        # 20:00 round: 水泵房 12 min early (within the 15-minute early limit); 1号楼 at 19:50 is 20 min
        # before its 20:10, beyond the limit: no scan of this round, so missed.
        assert [c["status"] for c in night[0]["checkpoints"]] == ["missed", "missed", "missed", "early"]

        await place.call("upload", {"wand": "wand-1", "scans": [scan("cp-pump", 16, 5, "6")]})
        day = (await place.call("evaluate", {"route": "day", "date": "2026-03-02"}))["rounds"]
        strays = [c for c in day[2]["checkpoints"] if c["status"] == "unknown_checkpoint"]
        assert [(c["checkpoint"], c["scanned_at"][11:16]) for c in strays] == [("cp-pump", "16:05")]
        assert strays[0]["why"].startswith("cp-pump is not on route day; scanned by wand-1 at 16:05")
        assert day[2]["status"] == "missed"  # its own two checkpoints were not scanned


async def test_a_round_under_way_is_open_not_missed(tmp_path: Path) -> None:
    async with site(tmp_path, at(8, 10)) as place:
        await place.call("upload", {"wand": "wand-1", "sent": at(8, 10).isoformat(),
                                    "scans": [scan("cp-gate", 8, 2, "1")]})
        first = (await place.call("evaluate", {"route": "day", "date": "2026-03-02"}))["rounds"][0]
        assert first["status"] == "open"
        assert first["checkpoints"][1]["status"] == "pending"
        assert first["checkpoints"][1]["why"].endswith("not scanned yet, counts until 08:45")


async def test_schedules_follow_weekdays_and_the_site_calendar(tmp_path: Path) -> None:
    schedules = [{"route": "day", "times": ["09:00"], "days": "workdays"},
                 {"route": "night", "every_hours": 6, "from": "01:00", "until": "14:00", "weekdays": ["sat", "sun"]}]
    async with site(tmp_path, at(8, 0), patrol={**PATROL, "schedules": schedules}) as place:
        async def starts(route: str, on: str) -> list[str]:
            rounds = (await place.call("evaluate", {"route": route, "date": on}))["rounds"]
            return [r["start"][11:16] for r in rounds]

        assert await starts("day", "2026-10-01") == []           # National Day: a holiday
        assert await starts("day", "2026-10-12") == ["09:00"]    # a Monday
        assert await starts("night", "2026-10-10") == ["01:00", "07:00", "13:00"]  # a Saturday
        assert await starts("night", "2026-10-12") == []


async def test_the_missed_report_per_patroller_exports_to_csv(tmp_path: Path) -> None:
    async with site(tmp_path, at(23, 59)) as place:
        await place.call("upload", {"wand": "wand-2", "scans": [scan("cp-gate", 8, 0, "1")]})
        report = await place.call("report", {"start": "2026-03-02", "end": "2026-03-02", "patroller": "S000002"})
        # wand-2 scanned in the 08:00 round: that round's missed 1号楼 is S000002's; the 12:00 and 16:00
        # rounds, never walked, are every day patroller's.
        assert [(r["round_start"][11:16], r["checkpoint"]) for r in report["rows"]] == [
            ("08:00", "cp-b1"), ("12:00", "cp-gate"), ("12:00", "cp-b1"), ("16:00", "cp-gate"), ("16:00", "cp-b1")]
        assert report["rows"][0]["patrollers"] == "S000002"
        assert report["rows"][1]["patrollers"] == "S000001, S000002, S000003"
        out = await place.call("export", {"start": "2026-03-02", "end": "2026-03-02", "route": "day",
                                          "file": "missed.csv"})
        rows = list(csv.reader(Path(out["path"]).read_text(encoding="utf-8-sig").splitlines()))
        assert rows[0][:4] == ["date", "route", "round_start", "checkpoint"] and len(rows) == 1 + 5
        with pytest.raises(ServiceValidationError, match="without a folder"):
            await place.call("export", {"start": "2026-03-02", "end": "2026-03-02", "file": "../x.csv"})


async def test_a_live_scan_delivered_late_keeps_its_time_one_from_the_future_corrects_the_clock(tmp_path: Path) -> None:
    async with site(tmp_path, at(8, 30)) as place:
        intake = get_patrol(place.hub).intake
        # Read at 08:01, delivered at 08:30 (the broker held it while the hub was away): a slow clock
        # or a late delivery, which one cannot be told, so the scan keeps its time and nothing is reported.
        held = await intake.take("wand-1", [scan("cp-gate", 8, 1, "late")], source="live")
        assert held.accepted == 1 and held.clock is None
        # A live scan stamped 09:10 arriving at 08:30 can only be a fast clock: measured and corrected.
        fast = await intake.take("wand-1", [scan("cp-b1", 9, 10, "fast")], source="live")
        assert fast.clock is not None and fast.clock["offset_seconds"] == 2400
        rounds = (await place.call("evaluate", {"route": "day", "date": "2026-03-02"}))["rounds"]
        assert [(c["checkpoint"], c["status"], c["scanned_at"][11:16]) for c in rounds[0]["checkpoints"]] == [
            ("cp-gate", "on_time", "08:01"), ("cp-b1", "late", "08:30")]
        assert [e["offset_seconds"] for e in place.fired("patrol.wand_clock_off")] == [2400]
