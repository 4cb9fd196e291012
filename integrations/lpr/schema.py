"""The ``lpr:`` section of config.yaml and the data of each ``lpr.*`` service.

    lpr:
      min_confidence: 0.8        # below: plate_read_uncertain until a second read agrees
      fold_seconds: 5            # the same plate at the same camera within 5 s is one read
      cameras:
        - {id: cam-1, name: 正门入口, lane: main-1, direction: in}              # format mqtt
        - {id: cam-3, name: 北门出口, direction: out, format: vzenith, secret: !secret cam3_secret}
"""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.validation import name, positive_int, string, vol

from .const import CODE_TABLES, FORMATS, HTTP_FORMATS, MQTT
from .plate_rules import COLOURS

#: A camera id is its device id on the device protocol: letters, digits, - and _.
CAMERA_ID: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9_-]{1,64}$",
                                             msg="expected a camera id of letters, digits, - and _ (cam-1)"))
#: A camera's secret goes in the URL typed into its web page: URL-safe, long enough not to be guessed.
MIN_SECRET: Final = 16


def secret(value: Any) -> str:
    text = string(value)
    if len(text) < MIN_SECRET or len(text) > 128 or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in text):
        raise vol.Invalid(f"expected a secret of {MIN_SECRET} to 128 letters, digits, - and _ "
                          "(python3 -c 'import secrets; print(secrets.token_urlsafe(24))' makes one)")
    return text


def _pushes_have_secrets(camera: dict[str, Any]) -> dict[str, Any]:
    if camera["format"] in HTTP_FORMATS and "secret" not in camera:
        raise vol.Invalid(f"a {camera['format']} camera pushes over HTTP and needs a secret for its URL",
                          path=["secret"])
    if camera["format"] == MQTT and "secret" in camera:
        raise vol.Invalid("an mqtt camera is known by its broker account; a secret is for HTTP pushes only",
                          path=["secret"])
    return camera


CAMERA_SCHEMA: Final = vol.All(
    vol.Schema({
        vol.Required("id"): CAMERA_ID,
        vol.Optional("name"): name,
        #: The lane (an access entry, a parking lane) the camera watches, for parking.
        vol.Optional("lane"): CAMERA_ID,
        #: Which way cars pass it: in or out (cameras report motion, not in or out).
        vol.Optional("direction"): vol.In(("in", "out")),
        vol.Optional("format", default=MQTT): vol.In(FORMATS),
        vol.Optional("secret"): secret,
        #: Vzenith-compatible cameras' code tables (千熠 numbers its types differently).
        vol.Optional("codes", default="vzenith"): vol.In(CODE_TABLES),
        #: What a confidence of 1.0 is on this camera: Dahua's TollgateInfo counts to 255.
        vol.Optional("confidence_scale"): vol.All(vol.Coerce(float), vol.Range(min=1, max=1000)),
    }),
    _pushes_have_secrets,
)


def _unique_cameras(cameras: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    for index, camera in enumerate(cameras):
        if camera["id"] in seen:
            raise vol.Invalid(f"camera {camera['id']} is listed twice", path=[index, "id"])
        seen.add(camera["id"])
    return cameras


_SECONDS: Final = vol.All(vol.Coerce(float), vol.Range(min=0, max=600))

CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("cameras", default=[]): vol.All([CAMERA_SCHEMA], _unique_cameras),
        vol.Optional("min_confidence", default=0.8): vol.All(vol.Coerce(float), vol.Range(min=0, max=1)),
        vol.Optional("fold_seconds", default=5.0): _SECONDS,
        #: How long an HTTP push waits for parking's answer (open, LED) before the camera is
        #: answered without one: below the camera's own timeout (Vzenith's offline check).
        vol.Optional("reply_timeout", default=1.5): vol.All(vol.Coerce(float), vol.Range(min=0, max=10)),
        vol.Optional("snapshot_max_kb", default=2048): vol.All(positive_int, vol.Range(max=8192)),
        vol.Optional("snapshot_keep_days", default=30): positive_int,
        #: How long each read stays in the recorder (plates masked).
        vol.Optional("keep_days", default=90): positive_int,
    }),
)

NORMALIZE_SCHEMA: Final = vol.Schema({
    vol.Required("plate"): vol.All(string, vol.Length(max=64)),
    vol.Optional("colour"): vol.In(COLOURS),
})
CORRECT_SCHEMA: Final = vol.Schema({
    vol.Required("read_id"): vol.All(string, vol.Match(r"^[A-Za-z0-9_.-]{1,120}$", msg="expected a read id")),
    vol.Required("plate"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Required("reason"): vol.All(name, vol.Length(min=2)),
})
