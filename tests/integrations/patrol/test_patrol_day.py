"""A simulated day of patrol, judged exactly as the table below says.

One missed checkpoint (the 20:00 night round skips 2号楼), one late round (22:00: two
checkpoints late), one batch upload from an offline wand (wand-2 docks after the 08:00 round
and uploads over MQTT with its send time), one wand with a wrong clock (wand-3 runs two
hours fast: its first upload, without a send time, is refused as in the future; the second,
with one, is corrected). Live scans go through a real broker.
"""
from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.patrol.conftest import Site, at, site
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.patrol.const import SCAN_KIND

ROOT = "xiaoqu/demo"

#: route, start, round status, then each checkpoint: (checkpoint, status, scanned at HH:MM or None).
TABLE: list[tuple[str, str, str, list[tuple[str, str, str | None]]]] = [
    ("day", "08:00", "on_time", [("cp-gate", "on_time", "08:01"), ("cp-b1", "on_time", "08:14")]),
    ("day", "12:00", "early", [("cp-gate", "early", "11:50"), ("cp-b1", "on_time", "12:15")]),
    ("day", "16:00", "on_time", [("cp-gate", "on_time", "16:02"), ("cp-b1", "on_time", "16:16")]),
    ("night", "20:00", "incomplete", [("cp-gate", "on_time", "20:00"), ("cp-b1", "on_time", "20:11"),
                                      ("cp-b2", "missed", None), ("cp-pump", "on_time", "20:33")]),
    ("night", "22:00", "late", [("cp-gate", "on_time", "22:02"), ("cp-b1", "late", "22:22"),
                                ("cp-b2", "late", "22:28"), ("cp-pump", "on_time", "22:31")]),
]


async def scans_kept(place: Site, count: int) -> None:
    for _ in range(500):
        await place.hub.recorder.flush()
        if await place.hub.recorder.count(SCAN_KIND) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"expected {count} scans kept, have {await place.hub.recorder.count(SCAN_KIND)}")


async def live(place: Site, probe: MqttProbe, wand: str, checkpoint: str, hour: int, minute: int,
               kept: list[int]) -> None:
    """The wand reads ``checkpoint`` at hour:minute and sends it at once."""
    await place.move(at(hour, minute))
    ts = at(hour, minute).isoformat()
    await probe.publish(f"{ROOT}/patrol/{wand}/scan", json.dumps({"checkpoint": checkpoint, "ts": ts,
                                                                  "scan_id": f"{wand}-{hour:02d}{minute:02d}"}))
    kept[0] += 1
    await scans_kept(place, kept[0])


def table_of(rounds: list[dict[str, Any]], route: str) -> list[tuple[str, str, str, list[tuple[str, str, str | None]]]]:
    return [(route, r["start"][11:16], r["status"],
             [(c["checkpoint"], c["status"], c["scanned_at"][11:16] if c["scanned_at"] else None)
              for c in r["checkpoints"]]) for r in rounds]


async def test_a_day_of_patrol_evaluates_as_the_table_says(tmp_path: Path, broker: BrokerProcess) -> None:
    (tmp_path / "site").mkdir()
    async with MqttProbe(broker, f"{ROOT}/patrol/#") as probe, \
            site(tmp_path / "site", at(7, 30), mqtt=broker.hub_config()) as place:
        await mqtt.wait_connected(place.hub)
        await mqtt.get(place.hub).client.wait_subscribed()
        kept = [0]

        # 08:00 day round: wand-2 is offline; it docks at 08:20 and uploads the round in one message.
        await place.move(at(8, 20))
        batch = {"sent": at(8, 20).isoformat(), "scans": [
            {"checkpoint": "cp-gate", "ts": at(8, 1).isoformat(), "scan_id": "w2-1"},
            {"checkpoint": "cp-b1", "ts": at(8, 14).isoformat(), "scan_id": "w2-2"}]}
        await probe.publish(f"{ROOT}/patrol/wand-2/upload", json.dumps(batch))
        kept[0] += 2
        await scans_kept(place, kept[0])

        # 12:00 day round, live: the gate ten minutes early.
        await live(place, probe, "wand-1", "cp-gate", 11, 50, kept)
        await live(place, probe, "wand-1", "cp-b1", 12, 15, kept)

        # 16:00 day round: wand-3's clock is two hours fast. Without its send time the upload is
        # refused (in the future); with it, the hub measures the offset and corrects the times.
        await place.move(at(16, 30))
        wand3 = [{"checkpoint": "cp-gate", "ts": at(18, 2).isoformat(), "scan_id": "w3-1"},
                 {"checkpoint": "cp-b1", "ts": at(18, 16).isoformat(), "scan_id": "w3-2"}]
        refused = await place.call("upload", {"wand": "wand-3", "scans": wand3})
        assert (refused["accepted"], refused["duplicates"]) == (0, 0)
        assert [r["reason"] for r in refused["rejected"]] == ["ts in the future", "ts in the future"]
        taken = await place.call("upload", {"wand": "wand-3", "scans": wand3, "sent": at(18, 30).isoformat()})
        assert (taken["accepted"], taken["duplicates"], taken["rejected"]) == (2, 0, [])
        assert taken["clock"]["offset_seconds"] == 7200 and taken["clock"]["corrected"] is True
        kept[0] += 2

        # 20:00 night round: 2号楼 skipped.
        for checkpoint, hour, minute in (("cp-gate", 20, 0), ("cp-b1", 20, 11), ("cp-pump", 20, 33)):
            await live(place, probe, "wand-1", checkpoint, hour, minute, kept)
        # 22:00 night round: 1号楼 and 2号楼 late (2号楼's tag is tag-b2).
        for checkpoint, hour, minute in (("cp-gate", 22, 2), ("cp-b1", 22, 22), ("tag-b2", 22, 28),
                                         ("cp-pump", 22, 31)):
            await live(place, probe, "wand-1", checkpoint, hour, minute, kept)

        await place.move(at(23, 59))
        day = (await place.call("evaluate", {"route": "day", "date": "2026-03-02"}))["rounds"]
        night = (await place.call("evaluate", {"route": "night", "date": "2026-03-02"}))["rounds"]
        assert table_of(day, "day") + table_of(night, "night") == TABLE

        # The corrected round says how it was corrected; the late one why it is late.
        gate = day[2]["checkpoints"][0]
        assert gate["clock_offset_seconds"] == 7200 and gate["wand_time"].startswith("2026-03-02T18:02")
        assert "wand-3's clock was 120 min ahead: its 18:02 read as 16:02" in gate["why"]
        assert night[1]["checkpoints"][1]["why"] == ("expected 22:10 (±5 min on time, early up to 15, late up to 30); "
                                                     "scanned 22:22, 12 min late")
        assert night[0]["checkpoints"][2]["why"].endswith("no scan from 20:05 to 20:50")

        # Each round's events fired once, when its window closed (and settled).
        missed = place.fired("patrol.checkpoint_missed")
        assert [(e["route"], e["round_start"][11:16], e["checkpoint"]) for e in missed] == [("night", "20:00", "cp-b2")]
        assert [(e["route"], e["round_start"][11:16]) for e in place.fired("patrol.round_late")] == [("night", "22:00")]
        completed = place.fired("patrol.round_completed")
        assert [(e["route"], e["round_start"][11:16], e["status"]) for e in completed] == [
            (route, start, status) for route, start, status, _ in TABLE]
        clock = place.fired("patrol.wand_clock_off")
        assert [(e["wand"], e["offset_seconds"], e["corrected"]) for e in clock] == [
            ("wand-3", None, False), ("wand-3", 7200, True)]
        assert clock[0]["at_least_seconds"] >= 5500

        # The office's report: the one missed checkpoint, whose it was.
        report = await place.call("report", {"kind": "missed", "start": "2026-03-02", "end": "2026-03-02"})
        assert [(r["route"], r["checkpoint"], r["patrollers"]) for r in report["rows"]] == [("night", "cp-b2", "S000001")]
        assert report["totals"] == {"missed": 1, "rounds": 5}

        # A day on: nothing fires again for the 2nd; the 3rd's five rounds, never walked, are missed.
        await place.move(at(23, 59, day=3))
        later = place.fired("patrol.round_completed")[5:]
        assert [(e["round_start"][:16], e["status"]) for e in later] == [
            (f"2026-03-03T{start}", "missed") for _, start, _, _ in TABLE]


async def test_repeated_uploads_are_duplicates_live_or_uploaded(tmp_path: Path, broker: BrokerProcess) -> None:
    (tmp_path / "site").mkdir()
    async with MqttProbe(broker, f"{ROOT}/patrol/#") as probe, \
            site(tmp_path / "site", at(7, 30), mqtt=broker.hub_config()) as place:
        await mqtt.wait_connected(place.hub)
        await mqtt.get(place.hub).client.wait_subscribed()
        kept = [0]
        await live(place, probe, "wand-1", "cp-gate", 8, 1, kept)
        # The same read sent again over MQTT, then uploaded from the wand's memory: one scan.
        await probe.publish(f"{ROOT}/patrol/wand-1/scan", json.dumps(
            {"checkpoint": "cp-gate", "ts": at(8, 1).isoformat(), "scan_id": "wand-1-0801", "offline": True}))
        await asyncio.sleep(0.3)
        again = await place.call("upload", {"wand": "wand-1", "scans": [
            {"checkpoint": "cp-gate", "ts": at(8, 1).isoformat(), "scan_id": "wand-1-0801"},
            {"checkpoint": "cp-b1", "ts": at(8, 14).isoformat(), "scan_id": "wand-1-0814"},
            {"checkpoint": "cp-b1", "ts": at(8, 14).isoformat(), "scan_id": "wand-1-0814"}]})
        assert (again["accepted"], again["duplicates"], again["rejected"]) == (1, 2, [])
        assert await place.hub.recorder.count(SCAN_KIND) == 2
        assert [e["duplicates"] for e in place.fired("patrol.uploaded")] == [1]
