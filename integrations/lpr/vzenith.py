"""Vzenith ``AlarmInfoPlate`` pushes (臻识, and the cameras that copy it: 千熠, Alphadigi, ym).

The camera POSTs ``{"AlarmInfoPlate": {..., "result": {"PlateResult": {...}}}}`` (UTF-8
JSON) to the URL typed into its web page, and does what the JSON answering it says:
``{"Response_AlarmInfoPlate": {"info": "ok"}}`` pulses its relay (the gate), ``serialData``
goes to its RS-485 port (the LED and voice boards), ``playserver_json_request`` is spoken.
An offline re-send (``isoffline: 1``) is acknowledged with ``ContinuePushOffline`` and
nothing else: the car passed long ago. Heartbeats come as forms and are answered empty
(the camera ignores the answer unless it is in comet mode, which xiaoqu does not use).

Sources: the Vzenith HTTP push protocol (V1.8–1.9.7) and the 千熠 variant, notes in
docs/lpr.md; samples in tests/fixtures/lpr/.
"""
from __future__ import annotations

import base64
from typing import Any, Final

from .const import VZENITH
from .decoding import PushError, json_object, number_of, ratio, text_of
from .models import Camera, GateReply, Read
from .push import Answer, Push, fixed, json_answer

#: ``colorType``: 1 blue, 2 yellow, 3 white, 4 black, 5 green, 6 yellow-green (large NEV); 0 unknown.
COLOURS: Final = {1: "blue", 2: "yellow", 3: "white", 4: "black", 5: "green", 6: "green"}
#: ``type`` codes by maker: which mean a new-energy plate, which a two-row plate.
NEW_ENERGY_TYPES: Final = {"vzenith": frozenset({19, 20, 24}), "qianyi": frozenset({11, 12})}
DOUBLE_ROW_TYPES: Final = {"vzenith": frozenset({4, 9, 15, 17}), "qianyi": frozenset({7})}
#: Alphadigi cameras resend until the answer's ``content`` says this (others ignore ``content``).
STOP_RESENDING: Final = "retransfer_stop"
FORM_TYPES: Final = ("multipart/form-data", "application/x-www-form-urlencoded")
EMPTY: Final = json_answer({})


def parse(camera: Camera, content_type: str, body: bytes) -> Push:
    """A push from a Vzenith-compatible camera; :class:`PushError` if it cannot be read."""
    if content_type.startswith(FORM_TYPES):  # heartbeat or registration (it carries the admin password: never logged)
        return Push(None, fixed(EMPTY))
    data = json_object(body)
    alarm = data.get("AlarmInfoPlate")
    if alarm is None:  # an IO trigger (AlarmGioIn), RS-485 data (SerialData)...
        return Push(None, fixed(EMPTY))
    if not isinstance(alarm, dict):
        raise PushError("AlarmInfoPlate is not an object")
    result = alarm.get("result")
    plate = result.get("PlateResult") if isinstance(result, dict) else None
    if not isinstance(plate, dict):
        raise PushError("AlarmInfoPlate has no result.PlateResult")
    return _plate_push(camera, alarm, plate)


def _plate_push(camera: Camera, alarm: dict[str, Any], result: dict[str, Any]) -> Push:
    plate_type = int(number_of(result.get("type")))
    colour = COLOURS.get(int(number_of(result.get("colorType"))))
    if plate_type in NEW_ENERGY_TYPES[camera.codes]:
        colour = "green"
    plate_id = result.get("plateid")
    key = f"{text_of(alarm.get('serialno'))}:{plate_id}" if isinstance(plate_id, int) else None
    offline = number_of(result.get("isoffline")) == 1
    image_path = text_of(result.get("imagePath"))
    address = text_of(alarm.get("ipaddr"))
    read = Read(
        camera, VZENITH, text_of(result.get("license")), ratio(result.get("confidence"), camera.confidence_scale),
        colour=colour, camera_time=_seconds(result), key=key, offline=offline,
        double_row=plate_type in DOUBLE_ROW_TYPES[camera.codes],
        image=text_of(result.get("imageFile")) or text_of(result.get("imageFragmentFile")) or None,
        image_url=f"http://{address}/{image_path.lstrip('/')}" if image_path and address else None,
    )
    if offline:
        ack = {"ContinuePushOffline": {"plateid": plate_id, "continue": 1}}
        return Push(read, fixed(json_answer({"Response_AlarmInfoPlate": ack})))
    return Push(read, lambda reply: answer(reply, plate_id))


def _seconds(result: dict[str, Any]) -> float | None:
    """``timeStamp.Timeval.sec`` (UTC; the ``dec*`` fields are the camera's local time)."""
    stamp = result.get("timeStamp")
    timeval = stamp.get("Timeval") if isinstance(stamp, dict) else None
    if not isinstance(timeval, dict):
        return None
    seconds = number_of(timeval.get("sec")) + number_of(timeval.get("usec")) / 1_000_000
    return seconds if 0 < seconds < 4102444800 else None


def answer(reply: GateReply, plate_id: Any = None) -> Answer:
    """The ``Response_AlarmInfoPlate`` for parking's reply."""
    response: dict[str, Any] = {"info": "ok" if reply.open else "no", "content": STOP_RESENDING}
    if plate_id is not None:
        response["plateid"] = plate_id
    if reply.open:
        response["channelNum"] = reply.channel
    if reply.serial_data:  # dataLen is the decoded length: the firmware copies that many bytes
        response["serialData"] = [{"serialChannel": 0, "data": base64.b64encode(frame).decode(), "dataLen": len(frame)}
                                  for frame in reply.serial_data]
    if reply.voice:
        response["playserver_json_request"] = {
            "type": "ps_voice_play", "voice": base64.b64encode(reply.voice.encode()).decode(),
            "voice_interval": 0, "voice_volume": 100, "voice_male": 0,
        }
    return json_answer({"Response_AlarmInfoPlate": response})
