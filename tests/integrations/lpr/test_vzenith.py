"""Vzenith AlarmInfoPlate pushes through the hub's HTTP server: the real samples, the reply
parking gives on the same request, offline re-sends, duplicates, heartbeats."""
from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

from xiaoqu.integrations.lpr import GateReply
from xiaoqu.integrations.lpr.snapshots import JPEG_MAGIC

from .conftest import fixture_bytes, jsonc, lpr_site

JPEG = JPEG_MAGIC + b"\xe0" + b"\x00" * 64 + b"\xff\xd9"


def _push(license: str = "粤B12345", confidence: int = 95, plateid: int = 1, **extra: object) -> bytes:
    sample = json.loads(fixture_bytes("vzenith_alarminfoplate_sample.json"))
    result = sample["AlarmInfoPlate"]["result"]["PlateResult"]
    result.update(license=license, confidence=confidence, plateid=plateid, **extra)
    return json.dumps(sample, ensure_ascii=False).encode()


async def test_the_real_sample_fires_a_plate_read_as_the_contract_says(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        status, body = await site.post("vz-1", fixture_bytes("vzenith_alarminfoplate_sample.json"))
        assert status == 200
        [read] = site.fired("plate_read")
        assert {k: read[k] for k in ("camera", "plate", "raw", "confidence", "colour", "direction", "snapshot",
                                     "source")} == {
            "camera": "vz-1", "plate": "鲁VF0050", "raw": "鲁VF0050", "confidence": 0.94, "colour": "blue",
            "direction": "in", "snapshot": None, "source": "vzenith"}
        assert read["time"] == site.clock.now().isoformat()
        assert read["camera_time"] == "2022-02-28T23:59:59.638740+08:00"  # sec is UTC; the site is UTC+8
        assert read["image_url"] == "http://192.168.22.2/picture/0/0f823866-d2dc45ab/20220228/23/20220228_235959_638.jpg"
        assert read["read_id"].startswith("vz-1-20260302-080000-")
        # nobody answered within reply_timeout: the gate stays shut, the plate id is echoed
        assert json.loads(body) == {"Response_AlarmInfoPlate": {"info": "no", "content": "retransfer_stop",
                                                                "plateid": 90813}}


async def test_parking_answers_on_the_same_request(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        frame = base64.b64decode("AGT//zAUAbu206254sHZLMfryOuzoc2js7WpNg==")  # the LED frame of the reply sample

        async def decide(event: object) -> None:
            await asyncio.sleep(0.05)  # parking takes its time, within the timeout
            assert site.lpr.set_reply(event.data["read_id"], GateReply(open=True, serial_data=(frame,)))  # type: ignore[attr-defined]

        site.hub.bus.listen("plate_read", decide)
        _, body = await site.post("vz-1", _push())
        answer = json.loads(body)["Response_AlarmInfoPlate"]
        expected = json.loads(fixture_bytes("vzenith_reply_open_gate_with_led.json"))["Response_AlarmInfoPlate"]
        assert answer["info"] == "ok" and answer["channelNum"] == 0
        assert answer["serialData"] == expected["serialData"]  # dataLen is the decoded length (28), as the sample's


async def test_a_repeat_gets_the_first_reads_answer_and_fires_nothing(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        site.hub.bus.listen("plate_read", lambda e: site.lpr.set_reply(e.data["read_id"], GateReply(open=True)))
        await site.post("vz-1", _push(plateid=1))
        site.clock.advance(1)
        _, body = await site.post("vz-1", _push(plateid=2))  # the loop trigger after the video trigger
        _, again = await site.post("vz-1", _push(plateid=2))  # resent after a slow answer: same plate id
        assert len(site.fired("plate_read")) == 1
        assert json.loads(body)["Response_AlarmInfoPlate"]["info"] == "ok"
        assert json.loads(again)["Response_AlarmInfoPlate"]["info"] == "ok"
        assert site.lpr.counts["folded"] == 1 and site.lpr.counts["duplicate"] == 1


async def test_an_offline_resend_is_acknowledged_and_never_opens(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        site.hub.bus.listen("plate_read", lambda e: site.lpr.set_reply(e.data["read_id"], GateReply(open=True)))
        _, body = await site.post("vz-1", _push(plateid=123, isoffline=1))
        assert json.loads(body) == json.loads(jsonc("vzenith_reply_continue_offline.jsonc"))
        [read] = site.fired("plate_read")
        assert read["offline"] is True


async def test_the_doc_example_macau_plate_and_the_no_plate_samples(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        await site.post("vz-1", jsonc("vzenith_alarminfoplate_doc_example.jsonc"))
        [read] = site.fired("plate_read")
        assert (read["plate"], read["kind"], read["colour"]) == ("粤Z9065澳", "macau", "black")
        status, body = await site.post("qy-1", fixture_bytes("qianyi_alarminfoplate_noplate_sample.json"))
        assert status == 200 and json.loads(body)["Response_AlarmInfoPlate"]["info"] == "no"
        [none] = site.fired("plate_unreadable")
        assert none["plate"] is None and none["reason"].startswith("no plate")


async def test_a_picture_is_kept_as_a_file_and_referenced(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        await site.post("vz-1", _push(imageFile=base64.b64encode(JPEG).decode()))
        [read] = site.fired("plate_read")
        assert read["snapshot"] == f"lpr/snapshots/2026-03-02/{read['read_id']}.jpg"
        assert (tmp_path / ".xiaoqu" / read["snapshot"]).read_bytes() == JPEG
        assert "imageFile" not in json.dumps(read)


async def test_a_new_energy_type_read_short_is_truncated_and_waits(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        await site.post("vz-1", _push("粤BD1234", colorType=5, type=19, plateid=1))
        [doubt] = site.fired("plate_read_uncertain")
        assert doubt["truncated"] is True and doubt["plate"] == "粤BD1234"
        assert not site.fired("plate_read")
        site.clock.advance(1)
        await site.post("vz-1", _push("粤BD12345", colorType=5, type=19, plateid=2))
        [read] = site.fired("plate_read")
        assert read["plate"] == "粤BD12345" and read["agreed_with"] == doubt["read_id"]


async def test_gbk_bodies_and_heartbeats(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        status, _ = await site.post("vz-1", _push("皖A7XG66").decode().encode("gbk"))
        assert status == 200 and site.fired("plate_read")[0]["plate"] == "皖A7XG66"
        form = b"device_name=IVS&ipaddr=192.168.1.9&user_name=admin&pass_wd=admin&serialno=x"
        status, body = await site.post("vz-1", form, "application/x-www-form-urlencoded")
        assert (status, json.loads(body)) == (200, {})
