"""Footage requests: who asks for which camera's span and why, a manager's decision, the viewing
within its window, and export on its own approval — each step durable in ``cctv.db`` before it is
answered, and written to the audit log with who, which camera, which span and why.

The rules, each refused with the reason and the figures:
- a request names a known camera, a span that ends after it starts and no later than now, no
  longer than ``max_span``, and not older than the footage the camera's NVR keeps (the days it
  reports, else the days the rules require);
- a decision is a manager's (the permission ``cctv.decide``), on a pending request, never the
  decider's own;
- a viewing is the requester's or a viewer they named, of an approved request, before its
  window (``valid_for`` from the approval) ends; an export is its own request, made by the
  footage request's requester while that is approved, decided the same way, and taken by them.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.audit import KIND as AUDIT_KIND
from xiaoqu.core.errors import HubError, ServiceValidationError, Unauthorized

from .const import (
    APPROVED,
    AUDIT_DECIDED,
    AUDIT_EXPORT_REQUESTED,
    AUDIT_EXPORTED,
    AUDIT_REFUSED,
    AUDIT_REQUESTED,
    AUDIT_VIEWED,
    DECIDE_PERMISSION,
    EVENT_REQUEST_DECIDED,
    KIND_EXPORT,
    KIND_FOOTAGE,
    PENDING,
    REFUSED,
    TABLE_REQUESTS,
)
from .models import Camera, FootageRequest, Nvr
from .playback import EXPORT, PLAYBACK, Players

if TYPE_CHECKING:
    from xiaoqu.core.auth.manager import User
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub
    from xiaoqu.core.rowstore import RowStore

    from .health import Health


class RequestNotFound(ServiceValidationError):
    """No request has that id."""


class NotAllowed(HubError):
    """The request exists, but is not approved for this act now (pending, refused, expired)."""


@dataclass(frozen=True, slots=True)
class Who:
    """The person acting: a hub user (footage is asked for, decided and seen by people)."""

    user: User
    context: Context

    @property
    def name(self) -> str:
        return self.user.name


def _epoch(when: datetime, tz: tzinfo) -> float:
    """A typed time (naive: the site's local time) as epoch seconds."""
    return (when if when.tzinfo is not None else when.replace(tzinfo=tz)).timestamp()


def span(seconds: float) -> str:
    """``26 h 30 min``: a duration as the refusals say it."""
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


class Requests:
    def __init__(self, hub: Hub, config: dict[str, Any], cameras: dict[str, Camera], health: dict[str, Health],
                 nvrs: dict[str, Nvr], rows: RowStore, players: Players) -> None:
        self.hub = hub
        self.max_span: timedelta = config["max_span"]
        self.valid_for: timedelta = config["valid_for"]
        self.cameras = cameras
        self.health = health
        self.nvrs = nvrs
        self.rows = rows
        self.players = players
        self.requests: dict[str, FootageRequest] = {}

    async def load(self) -> None:
        self.requests = {key: FootageRequest.of(doc) for key, doc in await self.rows.load(TABLE_REQUESTS)}

    # --- who ----------------------------------------------------------------------------

    def who(self, context: Context, act: str) -> Who:
        """The user of ``context``; a call without one (an automation) is refused."""
        user = get_auth(self.hub).manager.user(context.user_id)
        if user is None:
            raise Unauthorized(f"cctv.{act} is a person's act: call it as a signed-in user, not from an automation")
        return Who(user, context)

    def is_decider(self, who: Who) -> bool:
        return get_auth(self.hub).allows(who.user, DECIDE_PERMISSION)

    def _audit(self, audit_act: str, who: Who, request: FootageRequest, **details: Any) -> None:
        """``audit_act`` on ``request`` as ``who``'s, with the camera, the span, why and who asked (an
        export's records carry its footage request's id, so the request's trail holds them)."""
        shown = request.shown(self.hub.clock.tz, self.hub.clock.time())
        authority = request.authority or {}
        said = {"request_id": request.parent or request.id,
                "export_id": request.id if request.kind == KIND_EXPORT else None,
                "camera": request.camera, "start": shown["start"], "end": shown["end"], "reason": request.reason,
                "requester": request.requester, "authority": authority.get("name"),
                "document": authority.get("document"), "authority_approver": authority.get("approver"), **details}
        get_auth(self.hub).record(audit_act, who.context, **{key: value for key, value in said.items() if value is not None})

    def _refuse(self, who: Who, request: FootageRequest, error: HubError, act: str) -> HubError:
        self._audit(AUDIT_REFUSED, who, request, refused=act, why=str(error))
        return error

    # --- requests -----------------------------------------------------------------------

    def get(self, request_id: str) -> FootageRequest:
        request = self.requests.get(request_id)
        if request is None:
            raise RequestNotFound(f"request_id: no request {request_id}")
        return request

    def _checked_span(self, camera_id: str, start: datetime, end: datetime) -> tuple[Camera, float, float]:
        camera = self.cameras.get(camera_id)
        if camera is None:
            raise ServiceValidationError(f"camera: no camera {camera_id} (known: {', '.join(sorted(self.cameras))})")
        tz, now = self.hub.clock.tz, self.hub.clock.time()
        first, last = _epoch(start, tz), _epoch(end, tz)
        if last <= first:
            raise ServiceValidationError(f"end: {end:%Y-%m-%d %H:%M} is not after start {start:%Y-%m-%d %H:%M}")
        if last > now:
            raise ServiceValidationError(f"end: {end:%Y-%m-%d %H:%M} has not come yet; footage ends now "
                                         f"({datetime.fromtimestamp(now, tz):%Y-%m-%d %H:%M})")
        if last - first > self.max_span.total_seconds():
            raise ServiceValidationError(f"end: the span is {span(last - first)}; a request may span at most "
                                         f"{span(self.max_span.total_seconds())} (cctv.max_span)")
        kept, said = self._kept_days(camera)
        oldest = now - kept * 86_400
        if first < oldest:
            raise ServiceValidationError(
                f"start: {start:%Y-%m-%d %H:%M} is older than camera {camera.id} keeps: {said} {kept} days, so its "
                f"footage starts at {datetime.fromtimestamp(oldest, tz):%Y-%m-%d %H:%M}")
        return camera, first, last

    def _kept_days(self, camera: Camera) -> tuple[int, str]:
        """The days of footage there is: what the NVR reports, else what the rules require."""
        reported = self.health[camera.id].retention_days
        if reported is not None:
            return reported, "its NVR reports keeping"
        return camera.required_days, "the rules ask it to keep (its NVR has not reported)"

    async def request_footage(self, data: Mapping[str, Any], who: Who) -> FootageRequest:
        camera, first, last = self._checked_span(data["camera"], data["start"], data["end"])
        manager = get_auth(self.hub).manager
        viewers = list(dict.fromkeys(name for name in data["viewers"] if name != who.name))
        for name in viewers:
            if manager.user_by_name(name) is None:
                raise ServiceValidationError(f"viewers: no user {name}")
        request = FootageRequest(self._new_id("R"), KIND_FOOTAGE, camera.id, first, last, data["reason"],
                                 who.user.id, who.name, self.hub.clock.time(), PENDING, viewers,
                                 data.get("authority"))
        await self._save(request)
        self._audit(AUDIT_REQUESTED, who, request, viewers=viewers)
        return request

    async def request_export(self, request_id: str, reason: str, who: Who) -> FootageRequest:
        parent = self.get(request_id)
        if parent.kind != KIND_FOOTAGE:
            raise ServiceValidationError(f"request_id: {request_id} is an export request; ask an export of the "
                                         "footage request it was made on")
        if who.user.id != parent.requester_id:
            raise self._refuse(who, parent, Unauthorized(
                f"user {who.name} did not make request {parent.id}; its requester ({parent.requester}) asks for "
                "its export"), "request_export")
        self._approved(parent, who, "request_export")
        request = FootageRequest(self._new_id("X"), KIND_EXPORT, parent.camera, parent.start, parent.end, reason,
                                 who.user.id, who.name, self.hub.clock.time(), PENDING, authority=parent.authority,
                                 parent=parent.id)
        await self._save(request)
        self._audit(AUDIT_EXPORT_REQUESTED, who, request)
        return request

    async def decide(self, request_id: str, approve: bool, note: str | None, who: Who) -> FootageRequest:
        request = self.get(request_id)
        if who.user.id == request.requester_id:
            raise self._refuse(who, request, Unauthorized(
                f"user {who.name} made request {request.id}: a requester cannot decide their own request; "
                "another manager decides it"), "decide")
        if request.status != PENDING:
            raise NotAllowed(f"request {request.id} was already {request.status} by {request.decided_by} at "
                             f"{request.shown(self.hub.clock.tz, self.hub.clock.time())['decided_at']}")
        now = self.hub.clock.time()
        request.status = APPROVED if approve else REFUSED
        request.decided_at, request.decided_by, request.decided_by_id, request.note = now, who.name, who.user.id, note
        request.valid_until = now + self.valid_for.total_seconds() if approve else None
        await self._save(request)
        shown = request.shown(self.hub.clock.tz, now)
        self._audit(AUDIT_DECIDED, who, request, decision=request.status, note=note, valid_until=shown["valid_until"])
        self.hub.bus.fire(EVENT_REQUEST_DECIDED, {"request_id": request.id, "kind": request.kind,
                                                  "camera": request.camera, "decision": request.status,
                                                  "by": who.name, "valid_until": shown["valid_until"]},
                          context=who.context)
        return request

    def _approved(self, request: FootageRequest, who: Who, act: str) -> None:
        """Refuse (audited) unless ``request`` is approved and within its window."""
        now = self.hub.clock.time()
        shown = request.shown(self.hub.clock.tz, now)
        status = request.status_at(now)
        if status == APPROVED:
            return
        if status == PENDING:
            why = f"request {request.id} is not approved yet (asked {shown['created_at']}, waiting for a manager)"
        elif status == REFUSED:
            why = (f"request {request.id} was refused by {request.decided_by} at {shown['decided_at']}"
                   + (f": {request.note}" if request.note else ""))
        else:
            why = f"request {request.id}'s approval ended at {shown['valid_until']}; ask again"
        raise self._refuse(who, request, NotAllowed(why), act)

    def view(self, request_id: str, who: Who) -> tuple[FootageRequest, dict[str, Any]]:
        """The playback reference of an approved footage request, for its requester or a named viewer."""
        request = self.get(request_id)
        if request.kind != KIND_FOOTAGE:
            raise ServiceValidationError(f"request_id: {request_id} is an export request; cctv.export takes it")
        if not request.may_see(who.user.id, who.name):
            raise self._refuse(who, request, Unauthorized(
                f"user {who.name} did not make request {request.id} and is not named a viewer of it"), "view")
        self._approved(request, who, "view")
        reference = self._reference(request, PLAYBACK)
        self._audit(AUDIT_VIEWED, who, request, viewer=who.name, nvr=reference["nvr"], channel=reference["channel"])
        return request, reference

    def export(self, request_id: str, who: Who) -> tuple[FootageRequest, dict[str, Any]]:
        """The export reference of an approved export request, for the one who asked it."""
        request = self.get(request_id)
        if request.kind != KIND_EXPORT:
            raise ServiceValidationError(f"request_id: {request_id} is a footage request; an export needs its own "
                                         "approval (cctv.request_export)")
        if who.user.id != request.requester_id:
            raise self._refuse(who, request, Unauthorized(
                f"user {who.name} did not ask for export {request.id}"), "export")
        self._approved(request, who, "export")
        reference = self._reference(request, EXPORT)
        self._audit(AUDIT_EXPORTED, who, request, exported_by=who.name, nvr=reference["nvr"],
                    channel=reference["channel"])
        return request, reference

    def _reference(self, request: FootageRequest, purpose: str) -> dict[str, Any]:
        camera = self.cameras.get(request.camera)
        if camera is None:
            raise NotAllowed(f"camera {request.camera} of request {request.id} is no longer configured")
        return self.players.reference(self.nvrs[camera.nvr], camera, request.start, request.end, self.hub.clock.tz,
                                      purpose)

    # --- lists --------------------------------------------------------------------------

    def find(self, filters: Mapping[str, Any], who: Who) -> list[FootageRequest]:
        """Newest first; a decider sees every request, anyone else those they asked or may view."""
        now = self.hub.clock.time()
        everyone = self.is_decider(who)
        found: Iterable[FootageRequest] = sorted(self.requests.values(), key=lambda r: r.created_at, reverse=True)
        found = (r for r in found if everyone or r.may_see(who.user.id, who.name))
        if "status" in filters:
            found = (r for r in found if r.status_at(now) == filters["status"])
        if "camera" in filters:
            found = (r for r in found if r.camera == filters["camera"])
        if "requester" in filters:
            found = (r for r in found if r.requester == filters["requester"])
        return [r for _, r in zip(range(filters.get("limit", 100)), found, strict=False)]

    async def trail(self, request: FootageRequest) -> list[dict[str, Any]]:
        """The audit log's records of ``request`` (and of its exports), oldest first."""
        root = self.requests[request.parent or request.id]
        await self.hub.recorder.flush()
        records = await self.hub.recorder.query(AUDIT_KIND, since=root.created_at, where={"request_id": root.id},
                                                newest_first=False, limit=None)
        return [dict(record.data, time=record.time) for record in records]

    # --- store --------------------------------------------------------------------------

    def _new_id(self, prefix: str) -> str:
        while (found := f"{prefix}{secrets.token_hex(4).upper()}") in self.requests:
            continue
        return found

    async def _save(self, request: FootageRequest) -> None:
        self.requests[request.id] = request
        await self.rows.put(TABLE_REQUESTS, request.id, request.doc())
