"""The cctv services, one table: the contract's ``request_footage``, ``decide`` and ``view``;
export on its own approval (``request_export``, then ``export``); the lists of requests and
cameras; and a status reported by a plugin or an automation."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from .const import (
    SERVICE_CAMERAS,
    SERVICE_DECIDE,
    SERVICE_EXPORT,
    SERVICE_REPORT_STATUS,
    SERVICE_REQUEST_EXPORT,
    SERVICE_REQUEST_FOOTAGE,
    SERVICE_REQUESTS,
    SERVICE_VIEW,
)
from .models import FootageRequest
from .runtime import get_cctv
from .schema import (
    CAMERAS_SCHEMA,
    DECIDE_SCHEMA,
    LIST_SCHEMA,
    REPORT_STATUS_SCHEMA,
    REQUEST_EXPORT_SCHEMA,
    REQUEST_FOOTAGE_SCHEMA,
    REQUEST_SCHEMA,
)
from .views import camera_row


def _shown(call: ServiceCall, request: FootageRequest) -> dict[str, Any]:
    return request.shown(call.hub.clock.tz, call.hub.clock.time())


async def request_footage(call: ServiceCall) -> dict[str, Any]:
    requests = get_cctv(call.hub).requests
    request = await requests.request_footage(call.data, requests.who(call.context, SERVICE_REQUEST_FOOTAGE))
    return {"request_id": request.id, "request": _shown(call, request)}


async def decide(call: ServiceCall) -> dict[str, Any]:
    requests = get_cctv(call.hub).requests
    request = await requests.decide(call.data["request_id"], call.data["approve"], call.data.get("note"),
                                    requests.who(call.context, SERVICE_DECIDE))
    return {"request_id": request.id, "status": request.status, "request": _shown(call, request)}


def view(call: ServiceCall) -> dict[str, Any]:
    requests = get_cctv(call.hub).requests
    request, reference = requests.view(call.data["request_id"], requests.who(call.context, SERVICE_VIEW))
    shown = _shown(call, request)
    return {"request_id": request.id, "camera": request.camera, "start": shown["start"], "end": shown["end"],
            "valid_until": shown["valid_until"], "playback": reference}


async def request_export(call: ServiceCall) -> dict[str, Any]:
    requests = get_cctv(call.hub).requests
    request = await requests.request_export(call.data["request_id"], call.data["reason"],
                                            requests.who(call.context, SERVICE_REQUEST_EXPORT))
    return {"request_id": request.id, "request": _shown(call, request)}


def export(call: ServiceCall) -> dict[str, Any]:
    requests = get_cctv(call.hub).requests
    request, reference = requests.export(call.data["request_id"], requests.who(call.context, SERVICE_EXPORT))
    shown = _shown(call, request)
    return {"request_id": request.id, "parent": request.parent, "camera": request.camera, "start": shown["start"],
            "end": shown["end"], "valid_until": shown["valid_until"], "export": reference}


def request_list(call: ServiceCall) -> dict[str, Any]:
    requests = get_cctv(call.hub).requests
    found = requests.find(call.data, requests.who(call.context, SERVICE_REQUESTS))
    return {"requests": [_shown(call, request) for request in found]}


def cameras(call: ServiceCall) -> dict[str, Any]:
    cctv = get_cctv(call.hub)
    return {"cameras": [camera_row(cctv, camera) for camera in cctv.cameras.values()]}


def report_status(call: ServiceCall) -> dict[str, Any]:
    status = {key: value for key, value in call.data.items() if key != "camera"}
    return {"camera": call.data["camera"], "fired": get_cctv(call.hub).report(call.data["camera"], status)}


SERVICES: Final = [
    ServiceSpec(SERVICE_REQUEST_FOOTAGE, request_footage, REQUEST_FOOTAGE_SCHEMA,
                "Ask to view a camera's span, saying why (an outside authority's document recorded); a manager decides",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_DECIDE, decide, DECIDE_SCHEMA,
                "Approve or refuse a footage or export request (a manager; never their own request)",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_VIEW, view, REQUEST_SCHEMA,
                "The playback reference of an approved request, for its requester or named viewers (audited)",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_REQUEST_EXPORT, request_export, REQUEST_EXPORT_SCHEMA,
                "Ask to export an approved request's footage; the export needs its own approval",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_EXPORT, export, REQUEST_SCHEMA,
                "The export reference of an approved export request, for the one who asked (audited)",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_REQUESTS, request_list, LIST_SCHEMA,
                "Footage and export requests, newest first (a manager sees all; others their own)",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_CAMERAS, cameras, CAMERAS_SCHEMA,
                "Every camera: its state, retention against the days required, backup", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_REPORT_STATUS, report_status, REPORT_STATUS_SCHEMA,
                "A camera's status from its NVR (online, recording, retention_days, backup), as cctv/<camera>/status",
                SupportsResponse.OPTIONAL),
]
