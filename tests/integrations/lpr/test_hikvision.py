"""Hikvision ANPR pushes through the hub's HTTP server: the real XML captures, the multipart
capture (truncated picture, no closing boundary), a multipart with a real JPEG, heartbeats,
and XML that declares entities."""
from __future__ import annotations

from pathlib import Path

from xiaoqu.integrations.lpr import GateReply
from xiaoqu.integrations.lpr.snapshots import JPEG_MAGIC

from .conftest import fixture_bytes, lpr_site

BOUNDARY = "-------------------------7e13971310878"  # the capture's parameter (25 dashes)
JPEG = JPEG_MAGIC + b"\xe0" + bytes(range(256)) * 4 + b"\xff\xd9"


def multipart(xml: bytes, pictures: dict[str, bytes], boundary: str = "boundary") -> tuple[bytes, str]:
    """A body as the cameras frame it: the XML part, then each picture, CRLF, a closing boundary."""
    parts = [b'Content-Disposition: form-data; name="anpr.xml"; filename="anpr.xml"\r\n'
             b'Content-Type: application/xml; charset="UTF-8"\r\nContent-Length: %d\r\n\r\n%s' % (len(xml), xml)]
    for name, data in pictures.items():
        parts.append(b'Content-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: image/jpeg\r\n'
                     b"Content-Length: %d\r\n\r\n%s" % (name.encode(), name.encode(), len(data), data))
    delimiter = b"--" + boundary.encode()
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts) + delimiter + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary}"


async def test_the_real_xml_capture(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        status, body = await site.post("hik-1", fixture_bytes("hikvision_anpr_sample.xml"), "application/xml")
        assert (status, body) == (200, b"")
        [read] = site.fired("plate_read")
        assert (read["plate"], read["raw"], read["colour"], read["confidence"], read["direction"], read["source"]) == (
            "皖A7XG66", "蓝皖A7XG66", "blue", 0.97, "out", "hikvision")
        assert read["fixes"] == ["colour word 蓝 removed"]


async def test_the_multipart_capture_with_its_truncated_picture(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        body = fixture_bytes("hikvision_anpr_multipart_capture.txt")
        status, _ = await site.post("hik-1", body, f"multipart/form-data; boundary={BOUNDARY}")
        assert status == 200
        # confidence 78 is below 0.8: uncertain, and its placeholder picture is no JPEG (not kept)
        [doubt] = site.fired("plate_read_uncertain")
        assert (doubt["plate"], doubt["confidence"], doubt["snapshot"]) == ("苏A8HK52", 0.78, None)
        # the camera posts the same alert again (activePostCount): the UUID makes it a duplicate
        await site.post("hik-1", body, f"multipart/form-data; boundary={BOUNDARY}")
        assert len(site.events) == 1 and site.lpr.counts["duplicate"] == 1


async def test_a_picture_part_becomes_the_snapshot_and_no_reply_is_carried(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        replies = []
        site.hub.bus.listen("plate_read", lambda e: replies.append(site.lpr.set_reply(e.data["read_id"], GateReply(True))))
        body, content_type = multipart(fixture_bytes("hikvision_anpr_sample.xml"),
                                       {"licensePlatePicture.jpg": JPEG[:200], "detectionPicture.jpg": JPEG})
        await site.post("hik-1", body, content_type)
        [read] = site.fired("plate_read")
        assert (tmp_path / ".xiaoqu" / read["snapshot"]).read_bytes() == JPEG  # the scene, not the close-up
        assert replies == [False]  # Hikvision ignores the answer: parking opens the barrier itself


async def test_heartbeats_and_other_events_fire_nothing(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        xml = fixture_bytes("hikvision_anpr_sample.xml").replace(b"<eventState>active", b"<eventState>inactive")
        assert (await site.post("hik-1", xml, "application/xml"))[0] == 200
        other = fixture_bytes("hikvision_anpr_sample.xml").replace(b"<eventType>ANPR", b"<eventType>VMD")
        assert (await site.post("hik-1", other, "application/xml"))[0] == 200
        assert site.events == []


async def test_entities_and_garbage_are_refused(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        bomb = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                b"<EventNotificationAlert><eventType>ANPR</eventType><ANPR><licensePlate>&b;</licensePlate></ANPR>"
                b"</EventNotificationAlert>")
        status, body = await site.post("hik-1", bomb, "application/xml")
        assert status == 400 and b"refused" in body
        external = (b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><EventNotificationAlert>'
                    b"<eventType>ANPR</eventType><ANPR><licensePlate>&x;</licensePlate></ANPR></EventNotificationAlert>")
        assert (await site.post("hik-1", external, "application/xml"))[0] == 400
        assert (await site.post("hik-1", b"not xml at all", "application/xml"))[0] == 400
        assert site.events == []


async def test_gbk_xml_and_a_new_energy_plate_read_short(tmp_path: Path) -> None:
    async with lpr_site(tmp_path) as site:
        xml = fixture_bytes("hikvision_anpr_sample.xml").decode().replace('encoding="UTF-8"', 'encoding="GBK"')
        xml = xml.replace("蓝皖A7XG66", "绿皖AD12345").replace("98,99,99,99,99,99,99", "98,99,99,99,99,99,99,99")
        await site.post("hik-1", xml.encode("gbk"), "application/xml; charset=GBK")
        [read] = site.fired("plate_read")
        assert (read["plate"], read["kind"], read["colour"]) == ("皖AD12345", "new_energy", "green")
        site.clock.advance(60)
        short = xml.replace("绿皖AD12345", "皖AD1234").replace("<UUID>2023", "<UUID>2024")
        await site.post("hik-1", short.encode("gbk"), "application/xml")
        [doubt] = site.fired("plate_read_uncertain")  # eight character confidences, seven characters read
        assert doubt["truncated"] is True
