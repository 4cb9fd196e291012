"""The checks every dashboard page passes before its handler runs: a live session, the CSRF
token on anything that changes something, the area the page belongs to, and the page's
permission from the one table.

Refusals are audited as the API's are; the service a page calls is then checked again by the
permission check every user's call passes, so a page cannot grant what the API refuses.

One sign-in serves several *areas*: the staff's pages under ``/dashboard/`` (:data:`STAFF`)
and, when the portal integration adds its :class:`Area`, the residents' under ``/portal/``.
Each area admits its roles only; anyone else signed in gets a 403 page in their own area's
look, audited, and lands in their own area after signing in.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from aiohttp import hdrs, web

from xiaoqu.core.auth.permissions import SCOPED_ROLES
from xiaoqu.core.bus import Context
from xiaoqu.core.http import hub_of, public
from xiaoqu.core.hub_data import HubKey

from .const import (
    AUDIT_CSRF_REFUSED,
    AUDIT_PAGE_DENIED,
    CSRF_FIELD,
    CSRF_HEADER,
    DATA_DASHBOARD,
    LOGIN_PATH,
    ROOT,
    SESSION_COOKIE,
    SOURCE_DASHBOARD,
)
from .request import PageRequest, ServiceRefused, read_form

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

    from xiaoqu.core.auth import User
    from xiaoqu.core.hub import Hub

    from .registry import Page


def _as_is(page: PageRequest) -> PageRequest:
    return page


@dataclass(frozen=True, slots=True)
class Area:
    """A part of the site behind the one sign-in, under ``root``, for the roles it ``admits``.

    ``enter`` turns a checked request into the one the area's handlers take (a subclass of
    :class:`PageRequest` with what the area knows about the user), or answers instead (a
    resident whose household is gone). ``source`` is the ``Context.source`` of what users do
    there, as the audit log names it.
    """

    root: str
    admits: Callable[[User], bool]
    enter: Callable[[PageRequest], PageRequest | web.StreamResponse] = _as_is
    source: str = SOURCE_DASHBOARD


#: The staff's dashboard: every role but the scoped ones (residents reach only their own things).
STAFF: Final = Area(ROOT, lambda user: user.role not in SCOPED_ROLES)
#: The areas beside the staff's, in the order added (the portal adds the residents').
_AREAS: Final[HubKey[list[Area]]] = HubKey("dashboard_areas")


def add_area(hub: Hub, area: Area) -> None:
    """Serve ``area`` behind the one sign-in: its users land on ``area.root`` after signing in."""
    hub.data.setdefault(_AREAS, []).append(area)


def area_of(hub: Hub, user: User) -> Area | None:
    """The area ``user`` lands in; None when none admits them (a resident on a hub with no portal)."""
    return next((area for area in (*hub.data.get(_AREAS, ()), STAFF) if area.admits(user)), None)


def guarded(page: Page, area: Area = STAFF) -> Handler:
    """``page``'s aiohttp handler in ``area``. Public to the API's bearer-token check: the
    session cookie is checked here instead."""

    @public(max_body=page.max_body)
    async def handle(request: web.Request) -> web.StreamResponse:
        dashboard = hub_of(request).data[DATA_DASHBOARD]
        session = dashboard.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None:
            return _to_login(request)
        user = session.user
        home = area_of(dashboard.hub, user)
        own = home or area  # where a refusal is shown: the user's own pages, if any
        context = Context(user_id=user.id, source=own.source)
        page_request = PageRequest(request, dashboard, user, session, context,
                                   dashboard.preferences.language(user.id))
        dashboard.access.note_origin(context.id, request.remote)
        form_read = request.method == hdrs.METH_POST and CSRF_HEADER not in request.headers
        try:
            if request.method == hdrs.METH_POST and not session.checks(await _csrf_token(request)):
                dashboard.access.record(AUDIT_CSRF_REFUSED, context, page=page.path, area=area.root)
                return _refusal(own, page_request, page_request.gettext(
                    "This form has expired or did not come from this dashboard. Reload the page and try again."))
            if not area.admits(user):
                dashboard.access.record(AUDIT_PAGE_DENIED, context, page=page.path, area=area.root)
                return _refusal(own, page_request, page_request.gettext(
                    "These pages are not for your role; yours are at %(home)s/.") % {"home": home.root}
                    if home is not None else page_request.gettext("Your role may not open this page."))
            entered = area.enter(page_request)
            if isinstance(entered, web.StreamResponse):
                return entered
            if not entered.allows(page.permission):
                dashboard.access.record(AUDIT_PAGE_DENIED, context, page=page.path, permission=page.permission)
                return entered.message(HTTPStatus.FORBIDDEN, entered.gettext("Your role may not open this page."))
            try:
                return await page.handler(entered)
            except ServiceRefused as refused:
                return refused.response
        finally:
            dashboard.access.forget_origin(context.id)
            if form_read:
                await _close_uploads(request)

    return handle


def _refusal(own: Area, page: PageRequest, text: str) -> web.StreamResponse:
    """A 403 page saying ``text`` in the look of the user's own area; when that area will not
    have them either (a resident with no household), its own page says why."""
    entered = own.enter(page)
    if isinstance(entered, web.StreamResponse):
        return entered
    return entered.message(HTTPStatus.FORBIDDEN, text)


async def _csrf_token(request: web.Request) -> object:
    """The token an htmx request sends in its header, or a form in its field."""
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    return (await read_form(request)).get(CSRF_FIELD)


async def _close_uploads(request: web.Request) -> None:
    """Close the files a form read here uploaded (``post()`` answers from its cache). aiohttp
    closes them only on the request it made, and the handler was given a copy (the body
    limit's), so a page refused after its form was read (a wrong token, a role refused) would
    leave them open until collected."""
    for value in (await read_form(request)).values():
        if isinstance(value, web.FileField):
            value.file.close()


def _to_login(request: web.Request) -> web.Response:
    """Not signed in (or no longer): a page goes to the sign-in form and back; htmx is told to
    load it whole; anything else is refused."""
    target = f"{LOGIN_PATH}?next={quote(request.path_qs, safe='')}"
    if request.headers.get("HX-Request"):
        return web.Response(status=HTTPStatus.UNAUTHORIZED, headers={"HX-Redirect": target})
    if request.method == hdrs.METH_GET:
        return web.Response(status=HTTPStatus.SEE_OTHER, headers={"Location": target})
    return web.Response(status=HTTPStatus.UNAUTHORIZED, text="Sign in again.", content_type="text/plain")
