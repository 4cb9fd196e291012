"""Wands over the device protocol: ``patrol/<wand>/scan`` and ``patrol/<wand>/upload``.

A scan is live unless it says ``"offline": true`` (read from the wand's memory later); a
scan without ``scan_id`` is known by its checkpoint and time (``<tag>@<ts>``), so the same
read sent twice is one scan. ``upload`` is a docked wand's memory in one message with the
wand's clock at sending (``sent``), which lets the hub measure and correct the wand's clock
(:mod:`.wand_clock`). Neither waits for an answer: the outcome is logged, refusals are
recorded, and ``patrol.uploaded`` tells automations and the dashboard.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.const import DATA_MQTT

from .const import EVENT_UPLOADED, SOURCE_LIVE, SOURCE_OFFLINE, SOURCE_UPLOAD

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .intake import Intake, UploadResult

_LOGGER = logging.getLogger(__name__)

_TS: Final = {"oneOf": [{"type": "number", "minimum": 0, "maximum": 4102444800},
                        {"type": "string", "format": "date-time", "maxLength": 40}]}
#: ``patrol/<wand>/upload``: a docked wand's scans, at most 500 a message.
UPLOAD_MESSAGE_SCHEMA: Final = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Patrol upload",
    "type": "object",
    "required": ["scans"],
    "additionalProperties": False,
    "properties": {
        "sent": _TS,
        "scans": {"type": "array", "maxItems": 500, "items": {
            "type": "object", "required": ["checkpoint", "ts", "scan_id"], "additionalProperties": False,
            "properties": {"checkpoint": {"type": "string", "minLength": 1, "maxLength": 64}, "ts": _TS,
                           "scan_id": {"type": "string", "minLength": 1, "maxLength": 64}}}},
    },
}


def _log(wand: str, result: UploadResult) -> None:
    for refusal in result.rejected:
        _LOGGER.warning("Patrol wand %s: scan %s refused: %s (%s)", wand, refusal["scan_id"], refusal["reason"],
                        refusal["detail"])


def listen(hub: Hub, intake: Intake) -> list[Callable[[], None]]:
    """Take scans and uploads from the broker, when the hub has the device protocol; the undo functions."""
    if DATA_MQTT not in hub.data or mqtt.get(hub).router is None:
        return []

    async def on_scan(message: mqtt.DeviceMessage, _reply: mqtt.Reply) -> None:
        payload = message.payload
        source = SOURCE_OFFLINE if payload.get("offline") else SOURCE_LIVE
        scan = {"checkpoint": payload["checkpoint"], "ts": payload["ts"],
                "scan_id": payload.get("scan_id") or f"{payload['checkpoint']}@{payload['ts']}"}
        result = await intake.take(message.device_id, [scan], source=source, received=message.received_at)
        _log(message.device_id, result)
        if source == SOURCE_OFFLINE:
            hub.bus.fire(EVENT_UPLOADED, {"wand": message.device_id, "source": source, **_counts(result)})

    async def on_upload(message: mqtt.DeviceMessage, _reply: mqtt.Reply) -> None:
        payload = message.payload
        result = await intake.take(message.device_id, payload["scans"], source=SOURCE_UPLOAD,
                                   sent=payload.get("sent"), received=message.received_at)
        _log(message.device_id, result)
        hub.bus.fire(EVENT_UPLOADED, {"wand": message.device_id, "source": SOURCE_UPLOAD, **_counts(result)})

    return [mqtt.register_device_message(hub, "patrol/scan", "patrol_scan", on_scan),
            mqtt.register_device_message(hub, "patrol/upload", UPLOAD_MESSAGE_SCHEMA, on_upload)]


def _counts(result: UploadResult) -> dict[str, Any]:
    return {"accepted": result.accepted, "duplicates": result.duplicates, "rejected": len(result.rejected),
            "clock": result.clock}
