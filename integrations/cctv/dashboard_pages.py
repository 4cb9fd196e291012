"""The cctv pages on the staff dashboard: the cameras (state, retention against the days
required, backup); the footage requests (a form to ask, the list filtered and exported); and one
request with what may be done with it (a manager's approve or refuse, the requester's viewing
and export) and its audit trail.

Every act is the service as the signed-in user (``page.call``), so the role's permission, the
rules (never one's own request, only the requester views) and the audit apply as through the
API, and a refusal comes back as the service's sentence.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.validation import vol
from xiaoqu.integrations.dashboard import N_, Feed, Form, Page, PageRequest
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked
from xiaoqu.integrations.dashboard.registry import DEVICES, LOGS

from .const import (
    APPROVED,
    DECIDE_PERMISSION,
    DOMAIN,
    EVENT_CAMERA_OFFLINE,
    EVENT_CAMERA_ONLINE,
    EVENT_NOT_RECORDING,
    EVENT_REQUEST_DECIDED,
    EVENT_RETENTION_SHORT,
    KIND_EXPORT,
    KIND_FOOTAGE,
    PENDING,
    SERVICE_CAMERAS,
    SERVICE_DECIDE,
    SERVICE_EXPORT,
    SERVICE_REQUEST_EXPORT,
    SERVICE_REQUEST_FOOTAGE,
    SERVICE_REQUESTS,
    SERVICE_VIEW,
)
from .requests import RequestNotFound
from .runtime import get_cctv
from .schema import MAX_LIST_LIMIT, REQUEST_ID

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.bus import Event

CAMERAS: Final = f"{DOMAIN}.{SERVICE_CAMERAS}"
REQUESTS: Final = f"{DOMAIN}.{SERVICE_REQUESTS}"
STATE_LABELS: Final = {"recording": N_("Recording"), "online": N_("Online"), "not_recording": N_("Not recording"),
                       "offline": N_("Offline"), "unknown": N_("Not known yet")}
STATE_BADGES: Final = {"recording": "ok", "online": "", "not_recording": "bad", "offline": "bad", "unknown": ""}
STATUS_LABELS: Final = {"pending": N_("Waiting for a manager"), "approved": N_("Approved"),
                        "refused": N_("Refused"), "expired": N_("Approval ended")}
STATUS_BADGES: Final = {"pending": "warn", "approved": "ok", "refused": "bad", "expired": ""}
KIND_LABELS: Final = {KIND_FOOTAGE: N_("Viewing"), KIND_EXPORT: N_("Export")}
FILTERS: Final = ("status", "camera", "requester")
PAGE_SIZE: Final = 100
#: The list's columns, in order (the page's and the export's).
COLUMNS: Final = (("created_at", N_("Asked")), ("request_id", N_("Request")), ("kind", N_("Kind")),
                  ("camera", N_("Camera")), ("start", N_("From")), ("end", N_("To")), ("reason", N_("Reason")),
                  ("requester", N_("Asked by")), ("authority", N_("Authority")), ("status", N_("Status")),
                  ("decided_by", N_("Decided by")), ("valid_until", N_("Valid until")))
#: The fields of an audit record the request page's trail shows beside the act and who.
TRAIL_DETAILS: Final = ("decision", "note", "export_id", "refused", "why", "valid_until")
#: The request form's fields, as ``cctv.request_footage`` takes them.
AUTHORITY_FIELDS: Final = ("name", "document", "approver")


def _status(page: PageRequest, shown: dict[str, Any]) -> dict[str, Any]:
    authority = shown.get("authority") or {}
    return {**shown, "status_label": page.gettext(STATUS_LABELS[shown["status"]]),
            "badge": STATUS_BADGES[shown["status"]], "kind_label": page.gettext(KIND_LABELS[shown["kind"]]),
            "authority_text": " · ".join(authority[key] for key in AUTHORITY_FIELDS if authority.get(key))}


async def cameras_page(page: PageRequest) -> web.Response:
    answer = await page.call(DOMAIN, SERVICE_CAMERAS, {}, return_response=True) or {}
    rows = [{**row, "state_label": page.gettext(STATE_LABELS[row["state"]]), "badge": STATE_BADGES[row["state"]]}
            for row in answer["cameras"]]
    return page.render("cctv/cameras.html", cameras=rows)


def _fields(page: PageRequest) -> tuple[Field, ...]:
    cctv = get_cctv(page.hub)
    return (Field("status", N_("Status"), choices=tuple(STATUS_LABELS.items())),
            Field("camera", N_("Camera"), choices=tuple((c.id, c.name) for c in cctv.cameras.values())),
            Field("requester", N_("Asked by"), maxlength=64))


async def requests_page(page: PageRequest) -> web.Response:
    """The form to ask, and the requests the user may see, filtered; ``?format=csv|xlsx`` downloads them."""
    filters = asked(page, FILTERS)
    fmt = wants_export(page)
    answer = await page.call(DOMAIN, SERVICE_REQUESTS, {**filters, "limit": MAX_LIST_LIMIT if fmt else PAGE_SIZE},
                             return_response=True) or {}
    rows = [_status(page, shown) for shown in answer["requests"]]
    if fmt is not None:
        return export_response(page, "footage-requests", [page.gettext(heading) for _, heading in COLUMNS],
                               ([_cell(row, name) for name, _ in COLUMNS] for row in rows), fmt)
    csv_url, xlsx_url = export_urls(page)
    cctv = get_cctv(page.hub)
    return page.render("cctv/requests.html", requests=rows, fields=_fields(page), asked=filters, csv_url=csv_url,
                       xlsx_url=xlsx_url, columns=COLUMNS, cameras=cctv.cameras,
                       may_ask=page.allows(f"{DOMAIN}.{SERVICE_REQUEST_FOOTAGE}"))


def _cell(row: dict[str, Any], name: str) -> Any:
    return {"status": row["status_label"], "kind": row["kind_label"], "authority": row["authority_text"]}.get(
        name, row.get(name))


async def ask(page: PageRequest) -> web.Response:
    """A footage request from the form; an outside authority's three fields go together."""
    form = await Form.of(page)
    data: dict[str, Any] = {"camera": form.required("camera", N_("Camera")),
                            "start": form.required("start", N_("From")), "end": form.required("end", N_("To")),
                            "reason": form.required("reason", N_("Reason"))}
    authority = {key: form.text(f"authority_{key}", N_("Authority"), required=False) for key in AUTHORITY_FIELDS}
    if any(authority.values()):
        data["authority"] = {key: value for key, value in authority.items() if value}
    viewers = form.text("viewers", N_("Also viewed by"), required=False)
    if viewers:
        data["viewers"] = [name.strip() for name in viewers.replace("，", ",").split(",") if name.strip()]
    answer = await page.call(DOMAIN, SERVICE_REQUEST_FOOTAGE, data, return_response=True) or {}
    return page.redirect(f"{_root(page)}/request?id={answer['request_id']}")


async def request_page(page: PageRequest) -> web.Response:
    """One request (``?id=``) with its audit trail; without an id, the form to open one by its number."""
    request_id = page.query.get("id", "").strip()
    if not request_id:
        return page.render("cctv/request.html", shown=None, trail=[], request_id="")
    try:
        REQUEST_ID(request_id)
        request = get_cctv(page.hub).requests.get(request_id)
    except (vol.Invalid, RequestNotFound):  # a number typed wrong or unknown: said as one
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("No request with that number."))
    requests = get_cctv(page.hub).requests
    decider = page.allows(DECIDE_PERMISSION)
    mine = request.may_see(page.user.id, page.user.name)
    if not (decider or mine):
        return page.message(HTTPStatus.FORBIDDEN, page.gettext("Only its requester, its viewers and managers "
                                                               "see a footage request."))
    shown = _status(page, request.shown(page.hub.clock.tz, page.hub.clock.time()))
    exports = [_status(page, other.shown(page.hub.clock.tz, page.hub.clock.time()))
               for other in requests.requests.values() if other.parent == request.id]
    own = page.user.id == request.requester_id
    return page.render(
        "cctv/request.html", shown=shown, exports=exports, request_id=request.id,
        trail=[{**record, "detail": _said(record)} for record in await requests.trail(request)],
        may_decide=decider and shown["status"] == PENDING and not own,
        may_view=mine and request.kind == KIND_FOOTAGE and shown["status"] == APPROVED
        and page.allows(f"{DOMAIN}.{SERVICE_VIEW}"),
        may_ask_export=own and request.kind == KIND_FOOTAGE and shown["status"] == APPROVED
        and page.allows(f"{DOMAIN}.{SERVICE_REQUEST_EXPORT}"),
        may_export=own and request.kind == KIND_EXPORT and shown["status"] == APPROVED
        and page.allows(f"{DOMAIN}.{SERVICE_EXPORT}"))


def _said(record: dict[str, Any]) -> str:
    """What an audit record adds to the request it is about: a decision and its note, an export's
    id, why an act was refused."""
    return " · ".join(str(record[key]) for key in TRAIL_DETAILS if record.get(key))


async def decide(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    approve = form.choice("approve", N_("Decision"), ("yes", "no")) == "yes"
    note = form.text("note", N_("Note"), required=False)
    request_id = page.request.match_info["request"]
    await page.call(DOMAIN, SERVICE_DECIDE, {"request_id": request_id, "approve": approve,
                                             **({"note": note} if note else {})})
    return page.redirect(_back(page, request_id))


async def view(page: PageRequest) -> web.Response:
    """The playback reference (audited by the service); asked with a POST, so no prefetch views it."""
    answer = await page.call(DOMAIN, SERVICE_VIEW, {"request_id": page.request.match_info["request"]},
                             return_response=True) or {}
    return page.render("cctv/reference.html", answer=answer, reference=answer["playback"],
                       back=_back(page, answer["request_id"]))


async def ask_export(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    reason = form.required("reason", N_("Reason"))
    answer = await page.call(DOMAIN, SERVICE_REQUEST_EXPORT, {"request_id": page.request.match_info["request"],
                                                              "reason": reason}, return_response=True) or {}
    return page.redirect(_back(page, answer["request_id"]))


async def export(page: PageRequest) -> web.Response:
    answer = await page.call(DOMAIN, SERVICE_EXPORT, {"request_id": page.request.match_info["request"]},
                             return_response=True) or {}
    return page.render("cctv/reference.html", answer=answer, reference=answer["export"],
                       back=_back(page, answer["request_id"]))


def _root(page: PageRequest) -> str:
    """``/dashboard/cctv``, from any of its pages' paths."""
    path = page.request.path
    return path[: path.index("/cctv/") + len("/cctv")]


def _back(page: PageRequest, request_id: str) -> str:
    return f"{_root(page)}/request?id={request_id}"


def _detail(event: Event) -> str:
    data = event.data
    return " · ".join(str(part) for part in (data.get("camera"), data.get("name"), data.get("reason"),
                                             data.get("days"), data.get("decision")) if part)


PAGES: Final = (
    Page("cctv/cameras", cameras_page, permission=CAMERAS, title=N_("Cameras"), order=60, group=DEVICES),
    Page("cctv/requests", requests_page, permission=REQUESTS, title=N_("Footage requests"), order=45, group=LOGS),
    Page("cctv/requests/new", ask, permission=f"{DOMAIN}.{SERVICE_REQUEST_FOOTAGE}", method="POST"),
    Page("cctv/request", request_page, permission=REQUESTS),
    Page("cctv/requests/{request}/decide", decide, permission=DECIDE_PERMISSION, method="POST"),
    Page("cctv/requests/{request}/view", view, permission=f"{DOMAIN}.{SERVICE_VIEW}", method="POST"),
    Page("cctv/requests/{request}/export", ask_export, permission=f"{DOMAIN}.{SERVICE_REQUEST_EXPORT}",
         method="POST"),
    Page("cctv/requests/{request}/download", export, permission=f"{DOMAIN}.{SERVICE_EXPORT}", method="POST"),
)
FEEDS: Final = (Feed(EVENT_CAMERA_OFFLINE, N_("Camera offline"), _detail, CAMERAS),
                Feed(EVENT_CAMERA_ONLINE, N_("Camera back online"), _detail, CAMERAS),
                Feed(EVENT_NOT_RECORDING, N_("Camera not recording"), _detail, CAMERAS),
                Feed(EVENT_RETENTION_SHORT, N_("Footage kept too short"), _detail, CAMERAS),
                Feed(EVENT_REQUEST_DECIDED, N_("Footage request decided"), _detail, REQUESTS))
