"""The ``cctv:`` section of config.yaml, each ``cctv.*`` service's data, and the status message a
camera's NVR (or a plugin) sends.

    cctv:
      max_span: {hours: 24}       # the longest span one request may ask for
      valid_for: {days: 7}        # how long after approval the footage may be viewed (or exported)
      check_interval: 60          # seconds between reachability checks (per camera: check_interval)
      check_timeout: 3            # seconds a TCP connect may take
      stale_after: 300            # a camera whose status is pushed is offline after this long unheard
      nvrs:
        - id: nvr-1
          name: 一号录像机 NVR 1
          vendor: generic         # "generic" (the URL templates), or a vendor plugin's name
          playback_url: "rtsp://{username}:{password}@10.0.1.5:554/Streaming/tracks/{channel}01?starttime={start:%Y%m%dT%H%M%SZ}&endtime={end:%Y%m%dT%H%M%SZ}"
          username: !secret nvr1_user
          password: !secret nvr1_password
      cameras:
        - {id: gate-1, name: 南门 South gate, location: South gate, area: the gate and its lanes,
           nvr: nvr-1, channel: 1, retention_days: 30, address: "10.0.1.21:554"}

A camera with ``address`` is checked by a TCP connect; one without has its status pushed
(``xiaoqu/<site>/cctv/<camera>/status``, or a plugin through ``get_cctv(hub).report``).
"""
from __future__ import annotations

import re
import string as strings
from datetime import date, datetime, time, timedelta
from typing import Any, Final

from xiaoqu.core.validation import boolean, ensure_list, name, number, positive_int, string, time_period, vol

from .const import (
    DEFAULT_CHECK_INTERVAL,
    DEFAULT_CHECK_TIMEOUT,
    DEFAULT_MAX_SPAN_HOURS,
    DEFAULT_STALE_AFTER,
    DEFAULT_VALID_DAYS,
    STATUSES,
)

#: The most requests one ``cctv.requests`` call answers.
MAX_LIST_LIMIT: Final = 1000
#: A reason, a note, a document's number: a sentence or two, never a file.
MAX_TEXT: Final = 500
#: The fields a URL template may use; nothing else (no attribute or index of them).
URL_FIELDS: Final = ("username", "password", "channel", "camera", "start", "end", "start_local", "end_local")
#: A request's id: ``R`` (footage) or ``X`` (export) and eight hexadecimal digits, drawn at random.
REQUEST_ID: Final = vol.All(string, vol.Match(r"^[RX][0-9A-F]{8}$", msg="expected a request id such as R1A2B3C4D"))
_ID: Final = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def moment(value: Any) -> datetime:
    """A date and time (naive: the site's local time), as ``2026-03-02 18:00`` or ISO 8601."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise vol.Invalid("expected a date and time, like 2026-03-02 18:00")


def object_id(value: Any) -> str:
    """A camera's or an NVR's id: lower-case letters, digits, ``-`` and ``_`` (it is in topics and
    entity ids)."""
    text = string(value).strip()
    if not _ID.match(text):
        raise vol.Invalid("expected an id of lower-case letters, digits, - and _, like gate-1")
    return text


def text(value: Any) -> str:
    """A line or two of text (a reason, a note): not empty, at most ``MAX_TEXT`` characters."""
    said = string(value).strip()
    if not said:
        raise vol.Invalid("expected some words, not nothing")
    if len(said) > MAX_TEXT:
        raise vol.Invalid(f"at most {MAX_TEXT} characters")
    return said


def url_template(value: Any) -> str:
    """A URL with ``{channel}``, ``{start:%Y%m%dT%H%M%SZ}``...: only the fields of ``URL_FIELDS``."""
    said = string(value).strip()
    try:
        fields = [field for _, field, _, _ in strings.Formatter().parse(said) if field is not None]
    except ValueError as err:
        raise vol.Invalid(f"not a URL template: {err}") from None
    for field in fields:
        if field not in URL_FIELDS:
            raise vol.Invalid(f"a URL template may use {', '.join('{' + f + '}' for f in URL_FIELDS)} only, "
                              f"not {{{field}}}")
    return said


def address(value: Any) -> tuple[str, int]:
    """``host:port`` (an IPv6 host in brackets): where a reachability check connects."""
    said = string(value).strip()
    host, sep, port = said.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise vol.Invalid("expected host:port, like 10.0.1.21:554")
    return host, int(port)


def _positive_period(value: Any) -> timedelta:
    period = time_period(value)
    if period <= timedelta(0):
        raise vol.Invalid("expected a duration above zero, like {hours: 24}")
    return period


def _seconds(value: Any) -> float:
    seconds = number(value)
    if seconds <= 0:
        raise vol.Invalid("expected seconds above zero")
    return seconds


NVR_SCHEMA: Final = vol.Schema({
    vol.Required("id"): object_id,
    vol.Optional("name"): name,
    vol.Optional("vendor", default="generic"): object_id,
    vol.Optional("playback_url"): url_template,
    vol.Optional("export_url"): url_template,
    vol.Optional("username", default=""): string,
    vol.Optional("password", default=""): string,
})

CAMERA_SCHEMA: Final = vol.Schema({
    vol.Required("id"): object_id,
    vol.Optional("name"): name,
    vol.Optional("location"): name,
    #: What the camera sees, in the office's words ("the south gate's lanes").
    vol.Optional("area"): name,
    vol.Required("nvr"): object_id,
    vol.Required("channel"): vol.All(positive_int, vol.Range(min=1, max=9999)),
    #: The days of footage the rules ask this camera's NVR to keep (at least).
    vol.Required("retention_days"): vol.All(positive_int, vol.Range(min=1, max=3650)),
    vol.Optional("address"): address,
    vol.Optional("check_interval"): _seconds,
    vol.Optional("stale_after"): _seconds,
})


def _known_nvrs(section: dict[str, Any]) -> dict[str, Any]:
    nvrs = {nvr["id"] for nvr in section["nvrs"]}
    for index, camera in enumerate(section["cameras"]):
        if camera["nvr"] not in nvrs:
            raise vol.Invalid(f"no NVR {camera['nvr']!r} in cctv.nvrs (known: {', '.join(sorted(nvrs)) or 'none'})",
                              path=["cameras", index, "nvr"])
    for what in ("nvrs", "cameras"):
        ids = [item["id"] for item in section[what]]
        if len(ids) != len(set(ids)):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise vol.Invalid(f"ids used twice: {', '.join(twice)}", path=[what])
    return section


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        vol.Optional("max_span", default={"hours": DEFAULT_MAX_SPAN_HOURS}): _positive_period,
        vol.Optional("valid_for", default={"days": DEFAULT_VALID_DAYS}): _positive_period,
        vol.Optional("check_interval", default=DEFAULT_CHECK_INTERVAL): _seconds,
        vol.Optional("check_timeout", default=DEFAULT_CHECK_TIMEOUT): _seconds,
        vol.Optional("stale_after", default=DEFAULT_STALE_AFTER): _seconds,
        vol.Optional("nvrs", default=list): vol.All(ensure_list, [NVR_SCHEMA]),
        vol.Optional("cameras", default=list): vol.All(ensure_list, [CAMERA_SCHEMA]),
    }),
    _known_nvrs,
)

AUTHORITY_SCHEMA: Final = vol.Schema({
    #: The outside authority asking (a police station, a court).
    vol.Required("name"): text,
    #: Their document: its number or title (协助调查通知书 No. ...).
    vol.Required("document"): text,
    #: Who at the authority approved the request, as the document names them.
    vol.Required("approver"): text,
})

REQUEST_FOOTAGE_SCHEMA: Final = vol.Schema({
    vol.Required("camera"): object_id,
    vol.Required("start"): moment,
    vol.Required("end"): moment,
    vol.Required("reason"): text,
    vol.Optional("authority"): AUTHORITY_SCHEMA,
    #: Other users who may view the footage once approved (the approver sees them named).
    vol.Optional("viewers", default=list): vol.All(ensure_list, [vol.All(string, vol.Length(min=1, max=64))],
                                                   vol.Length(max=10)),
})
DECIDE_SCHEMA: Final = vol.Schema({
    vol.Required("request_id"): REQUEST_ID,
    vol.Required("approve"): boolean,
    vol.Optional("note"): text,
})
REQUEST_SCHEMA: Final = vol.Schema({vol.Required("request_id"): REQUEST_ID})
REQUEST_EXPORT_SCHEMA: Final = vol.Schema({vol.Required("request_id"): REQUEST_ID, vol.Required("reason"): text})
LIST_SCHEMA: Final = vol.Schema({
    vol.Optional("status"): vol.In(STATUSES),
    vol.Optional("camera"): object_id,
    vol.Optional("requester"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("limit", default=100): vol.All(positive_int, vol.Range(min=1, max=MAX_LIST_LIMIT)),
})
CAMERAS_SCHEMA: Final = vol.Schema({})

BACKUP_SCHEMA: Final = vol.Schema({
    vol.Required("ok"): boolean,
    vol.Optional("last"): moment,
    vol.Optional("detail"): vol.All(string, vol.Length(max=200)),
})
#: What a status report holds: every field optional, each one says what it says.
STATUS_FIELDS: Final[dict[Any, Any]] = {
    vol.Optional("online"): boolean,
    vol.Optional("recording"): boolean,
    vol.Optional("retention_days"): vol.All(positive_int, vol.Range(min=0, max=3650)),
    vol.Optional("backup"): BACKUP_SCHEMA,
    vol.Optional("reason"): vol.All(string, vol.Length(max=200)),
}
REPORT_STATUS_SCHEMA: Final = vol.Schema({vol.Required("camera"): object_id, **STATUS_FIELDS})

#: The device-protocol schema of ``cctv/<camera>/status`` (docs/cctv.md shows it).
STATUS_MESSAGE: Final = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Camera status",
    "description": "A camera's NVR (or a bridge) reports the camera: reachable, recording, the days it keeps, its backup.",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "online": {"type": "boolean"},
        "recording": {"type": "boolean"},
        "retention_days": {"type": "integer", "minimum": 0, "maximum": 3650},
        "backup": {
            "type": "object",
            "required": ["ok"],
            "additionalProperties": False,
            "properties": {
                "ok": {"type": "boolean"},
                "last": {"type": "string", "maxLength": 40},
                "detail": {"type": "string", "maxLength": 200},
            },
        },
        "reason": {"type": "string", "maxLength": 200},
        "ts": {"oneOf": [{"type": "number", "minimum": 0, "maximum": 4102444800},
                         {"type": "string", "maxLength": 40}]},
    },
}
