"""Plate cameras' HTTP pushes (Vzenith JSON, Hikvision XML and multipart, Dahua JSON), mutated
from the real samples: each parser gives a push it can answer or a PushError saying what is
wrong, never another exception; over HTTP the camera gets 200 or 400, and the hub goes on."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.badinput.common import bounded, byte_mutations, mutated
from tests.conftest import SITE_TZ
from tests.integrations.lpr.conftest import fixture_bytes, jsonc, lpr_site
from xiaoqu.integrations.lpr import dahua, hikvision, vzenith
from xiaoqu.integrations.lpr.decoding import PushError
from xiaoqu.integrations.lpr.models import NO_REPLY, Camera, GateReply
from xiaoqu.integrations.lpr.push import Push

VZENITH = Camera("vz-1", "north in", "vzenith", "north-in", "in", "s")
QIANYI = Camera("qy-1", "back", "vzenith", codes="qianyi")
HIKVISION = Camera("hik-1", "main out", "hikvision", "main-out", "out", "s")
DAHUA = Camera("dh-1", "east in", "dahua", direction="in", confidence_scale=255.0)
BOUNDARY = "-------------------------7e13971310878"
REPLIES = (NO_REPLY, GateReply(True, (b"\x00\xff" * 40,), "欢迎 " * 50, "x" * 5000))

VZ_JSON = [json.loads(fixture_bytes("vzenith_alarminfoplate_sample.json")),
           json.loads(jsonc("vzenith_alarminfoplate_offline_doc_example.jsonc")),
           json.loads(fixture_bytes("qianyi_alarminfoplate_noplate_sample.json"))]
DAHUA_JSON = [json.loads(fixture_bytes("dahua_itc_sample.json")),
              json.loads(fixture_bytes("dahua_itsapi_tollgate_capture.json"))]
HIK_XML = fixture_bytes("hikvision_anpr_sample.xml")
HIK_MULTIPART = fixture_bytes("hikvision_anpr_multipart_capture.txt")


def _checked(parse: Any) -> Push | None:
    """The parser's push, checked whole; None when it refused with a reason."""
    try:
        push = parse()
    except PushError as err:
        assert str(err), "a refusal says what is wrong"
        return None
    read = push.read
    if read is not None:
        assert isinstance(read.raw, str) and isinstance(read.confidence, float)
        assert math.isfinite(read.confidence), read.confidence
        assert read.camera_time is None or math.isfinite(read.camera_time)
        assert read.key is None or isinstance(read.key, str)
    for reply in REPLIES:
        answer = push.answer(reply)
        assert isinstance(answer.body, bytes) and answer.content_type
    return push


def _body(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


@bounded(250)
@given(st.sampled_from(VZ_JSON).flatmap(mutated), st.sampled_from([VZENITH, QIANYI]))
def test_vzenith_json_with_any_value_anywhere(document: Any, camera: Camera) -> None:
    _checked(lambda: vzenith.parse(camera, "application/json", _body(document)))


@bounded(150)
@given(byte_mutations(fixture_bytes("vzenith_alarminfoplate_sample.json")))
def test_vzenith_bytes_cut_and_flipped(body: bytes) -> None:
    _checked(lambda: vzenith.parse(VZENITH, "application/json", body))


@bounded(250)
@given(st.sampled_from(DAHUA_JSON).flatmap(mutated),
       st.sampled_from(["/NotificationInfo/TollgateInfo", "/NotificationInfo/KeepAlive", "/x", ""]))
def test_dahua_json_with_any_value_anywhere(document: Any, tail: str) -> None:
    _checked(lambda: dahua.parse(DAHUA, tail, _body(document), SITE_TZ))


@bounded(100)
@given(byte_mutations(fixture_bytes("dahua_itsapi_tollgate_capture.json")))
def test_dahua_bytes_cut_and_flipped(body: bytes) -> None:
    _checked(lambda: dahua.parse(DAHUA, "/NotificationInfo/TollgateInfo", body, SITE_TZ))


_TEXTS = re.compile(rb">([^<]*)<")


@bounded(200)
@given(st.data())
def test_hikvision_xml_with_any_text_in_any_element(data: st.DataObject) -> None:
    """Each element's text replaced by random text (numbers where a number was, a date where a date)."""
    spans = [m.span(1) for m in _TEXTS.finditer(HIK_XML) if m.group(1).strip()]
    start, end = data.draw(st.sampled_from(spans))
    text = data.draw(st.text(alphabet=st.characters(blacklist_characters="<&"), max_size=30)
                     | st.sampled_from(["-1", "1e999", "NaN", "99999999999999999999", "2026-02-30T25:00:00", ""]))
    body = HIK_XML[:start] + text.encode("utf-8", "surrogatepass") + HIK_XML[end:]
    _checked(lambda: hikvision.parse(HIKVISION, "application/xml", body))


@bounded(200)
@given(st.sampled_from([HIK_XML, HIK_MULTIPART]).flatmap(byte_mutations),
       st.sampled_from([f"multipart/form-data; boundary={BOUNDARY}", "multipart/form-data", "application/xml", ""]))
def test_hikvision_bytes_cut_and_flipped(body: bytes, content_type: str) -> None:
    _checked(lambda: hikvision.parse(HIKVISION, content_type, body))


def test_hikvision_xml_that_declares_entities_is_refused() -> None:
    bomb = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b"<EventNotificationAlert><eventType>&b;</eventType></EventNotificationAlert>")
    assert _checked(lambda: hikvision.parse(HIKVISION, "application/xml", bomb)) is None


async def test_garbage_over_http_is_answered_400_and_counted_nowhere_else(tmp_path: Path) -> None:
    """Through the hub's own route: each bad push a 400 naming the problem, each heartbeat a 200,
    and the hub still takes a good read afterwards."""
    garbage = [(b"", "application/json"), (b"\xff\xfe\x00", "application/json"), (b"[1]", "application/json"),
               (b'{"AlarmInfoPlate": 5}', "application/json"), (b"<a>" * 5000, "application/xml"),
               (b"--b\r\n\r\n", "multipart/form-data; boundary=b"), (b"{" * 100_000, "application/json")]
    async with lpr_site(tmp_path) as site:
        for camera in ("vz-1", "hik-1", "dh-1"):
            for body, content_type in garbage:
                status, answer = await site.post(camera, body, content_type, tail="/NotificationInfo/TollgateInfo"
                                                 if camera == "dh-1" else "")
                assert status in (200, 400), (camera, body[:20], status)
                if status == 400:
                    assert b"cannot be read" in answer
        assert site.events == []
        status, _ = await site.post("vz-1", fixture_bytes("vzenith_alarminfoplate_sample.json"))
        assert status == 200 and len(site.events) == 1
