"""Dahua ITSAPI pushes through the hub's HTTP server: TollgateInfo (the reconstructed Chinese
sample and the real anonymised capture), KeepAlive, a GB2312 and a hex plate."""
from __future__ import annotations

import binascii
import json
from pathlib import Path

from xiaoqu.integrations.lpr import GateReply

from .conftest import fixture_bytes, lpr_site

TOLLGATE = "/NotificationInfo/TollgateInfo"


async def test_a_tollgate_read_and_the_reply_parking_gives(tmp_path: Path) -> None:
    async with lpr_site(tmp_path, lpr={"min_confidence": 0.3}) as site:  # 85 of 255
        site.hub.bus.listen("plate_read", lambda e: site.lpr.set_reply(e.data["read_id"], GateReply(open=True)))
        status, body = await site.post("dh-1", fixture_bytes("dahua_itc_sample.json"), tail=TOLLGATE)
        assert status == 200
        assert json.loads(body) == {"Result": True, "DeviceID": "69c87cc1-testing", "PlateNumber": "苏AD12345",
                                    "OpenStrobe": True}
        [read] = site.fired("plate_read")
        # ShadowGreen is a small new-energy plate; 85 of 255 is the camera's own scale
        assert (read["plate"], read["kind"], read["colour"], read["confidence"]) == (
            "苏AD12345", "new_energy", "green", round(85 / 255, 3))
        assert read["camera_time"] == "2026-01-14T16:02:58.157000+08:00"  # local time, the site's zone


async def test_the_real_capture_is_read_and_its_foreign_plate_refused(tmp_path: Path) -> None:
    async with lpr_site(tmp_path, lpr={"min_confidence": 0.3}) as site:
        status, body = await site.post("dh-1", fixture_bytes("dahua_itsapi_tollgate_capture.json"), tail=TOLLGATE)
        assert status == 200 and json.loads(body)["OpenStrobe"] is False
        [unreadable] = site.fired("plate_unreadable")  # TEST-123, a Brazilian test plate
        assert unreadable["raw"] == "TEST-123" and "province" in unreadable["reason"]


async def test_keepalive_and_device_info(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        _, body = await site.post("dh-1", fixture_bytes("dahua_itsapi_keepalive_capture.json"),
                                  tail="/NotificationInfo/KeepAlive")
        assert json.loads(body) == {"Active": True, "DeviceID": "69c87cc1-testing"}
        _, body = await site.post("dh-1", b'{"DeviceName":"ITC","DeviceID":"x"}', tail="/NotificationInfo/DeviceInfo")
        assert json.loads(body) == {"Result": True, "Message": ""}
        assert site.events == []


async def test_gb2312_bodies_and_hex_plates(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        sample = json.loads(fixture_bytes("dahua_itc_sample.json"))
        sample["Picture"]["Plate"].update(PlateNumber="粤B12345", PlateColor="Blue", Confidence=250, UploadNum=91)
        await site.post("dh-1", json.dumps(sample, ensure_ascii=False).encode("gb2312"), tail=TOLLGATE)
        site.clock.advance(10)
        hexed = binascii.hexlify("沪A54321".encode("gb2312")).decode().upper()
        sample["Picture"]["Plate"].update(PlateNumber=hexed, UploadNum=92)
        await site.post("dh-1", json.dumps(sample).encode(), tail=TOLLGATE)
        assert [r["plate"] for r in site.fired("plate_read")] == ["粤B12345", "沪A54321"]
        sample["Picture"]["Plate"].update(IsExist=False, PlateNumber="", UploadNum=93)
        await site.post("dh-1", json.dumps(sample).encode(), tail=TOLLGATE)
        assert site.fired("plate_unreadable")[0]["reason"].startswith("no plate")
