"""Dahua ITSAPI pushes: ``TollgateInfo`` (a read), ``KeepAlive``, ``DeviceInfo``.

The camera POSTs JSON to ``<its platform URL>/NotificationInfo/<message>``; the pictures
are base64 inside (``NormalPic`` the scene, ``CutoutPic`` the plate). The plate's encoding
is a camera setting (UTF-8, GB2312 or hex of GB2312), its confidence counts to 255, its
time is local without an offset (read in the site's time zone). The spec's answer to a read,
``{"Result": true, "DeviceID", "PlateNumber", "OpenStrobe"}``, carries parking's decision;
whether a camera opens on ``OpenStrobe`` is not confirmed on a device (docs/lpr.md), so
parking should also open the barrier itself.

Sources: the ITSAPI models (spec §5.1–5.5) and captures in the research notes; docs/lpr.md.
"""
from __future__ import annotations

import binascii
from datetime import datetime, tzinfo
from typing import Any, Final

from .const import DAHUA
from .decoding import PushError, json_object, ratio, text_of
from .models import Camera, GateReply, Read
from .plate_rules import PROVINCES
from .push import Answer, Push, fixed, json_answer

COLOURS: Final = {"blue": "blue", "yellow": "yellow", "white": "white", "black": "black", "green": "green",
                  "shadowgreen": "green", "yellowgreen": "green"}
OK: Final = json_answer({"Result": True, "Message": ""})


def parse(camera: Camera, tail: str, body: bytes, tz: tzinfo) -> Push:
    """A push from a Dahua camera to ``<route>/NotificationInfo/<message>`` (``tail``)."""
    message = tail.rstrip("/").rsplit("/", 1)[-1].lower()
    data = json_object(body)
    if message == "keepalive":
        return Push(None, fixed(json_answer({"Active": True, "DeviceID": text_of(data.get("DeviceID"))})))
    if message != "tollgateinfo":
        return Push(None, fixed(OK))  # DeviceInfo, ParkingInfo, AlarmInfo: taken, nothing to do
    picture = data.get("Picture")
    if not isinstance(picture, dict) or not isinstance(picture.get("Plate"), dict):
        raise PushError("TollgateInfo without Picture.Plate")
    return _tollgate(camera, picture, tz)


def _tollgate(camera: Camera, picture: dict[str, Any], tz: tzinfo) -> Push:
    plate = picture["Plate"]
    found = picture.get("SnapInfo")
    snap: dict[str, Any] = found if isinstance(found, dict) else {}
    device = text_of(snap.get("DeviceID"))
    number = plate_number(text_of(plate.get("PlateNumber"))) if plate.get("IsExist", True) is not False else ""
    upload = plate.get("UploadNum")
    read = Read(
        camera, DAHUA, number, ratio(plate.get("Confidence"), camera.confidence_scale),
        colour=COLOURS.get(text_of(plate.get("PlateColor")).lower()),
        camera_time=_local_time(text_of(snap.get("AccurateTime")) or text_of(snap.get("SnapTime")), tz),
        key=f"{device}:{upload}" if isinstance(upload, int) else None,
        double_row="double" in text_of(plate.get("PlateType")).lower(),
        image=_content(picture, "NormalPic") or _content(picture, "CutoutPic"),
    )

    def answer(reply: GateReply) -> Answer:
        return json_answer({"Result": True, "DeviceID": device, "PlateNumber": number, "OpenStrobe": reply.open})

    return Push(read, answer)


def plate_number(text: str) -> str:
    """The plate as the camera wrote it, its hex form (the "hex" encoding setting) decoded."""
    if len(text) >= 8 and len(text) % 2 == 0 and all(ch in "0123456789abcdefABCDEF" for ch in text):
        try:
            decoded = binascii.unhexlify(text).decode("gb18030")
        except (binascii.Error, UnicodeDecodeError):
            return text
        if decoded[:1] in PROVINCES:
            return decoded
    return text


def _content(picture: dict[str, Any], name: str) -> str | None:
    part = picture.get(name)
    return text_of(part.get("Content")) or None if isinstance(part, dict) else None


def _local_time(text: str, tz: tzinfo) -> float | None:
    for pattern in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=tz).timestamp()
        except ValueError:
            continue
    return None
