"""The checks every dashboard page passes before its handler runs: a live session, the CSRF
token on anything that changes something, and the page's permission from the one table.

Refusals are audited as the API's are; the service a page calls is then checked again by the
permission check every user's call passes, so a page cannot grant what the API refuses.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import quote

from aiohttp import hdrs, web

from xiaoqu.core.bus import Context
from xiaoqu.core.http import hub_of, public

from .const import (
    AUDIT_CSRF_REFUSED,
    AUDIT_PAGE_DENIED,
    CSRF_FIELD,
    CSRF_HEADER,
    DATA_DASHBOARD,
    LOGIN_PATH,
    SESSION_COOKIE,
    SOURCE_DASHBOARD,
)
from .request import PageRequest, ServiceRefused

if TYPE_CHECKING:
    from aiohttp.typedefs import Handler

    from .registry import Page


def guarded(page: Page) -> Handler:
    """``page``'s aiohttp handler. Public to the API's bearer-token check: the session cookie
    is checked here instead."""

    @public
    async def handle(request: web.Request) -> web.StreamResponse:
        dashboard = hub_of(request).data[DATA_DASHBOARD]
        session = dashboard.sessions.get(request.cookies.get(SESSION_COOKIE))
        user = dashboard.access.manager.user(session.user_id) if session is not None else None
        if session is None or user is None:
            return _to_login(request)
        context = Context(user_id=user.id, source=SOURCE_DASHBOARD)
        page_request = PageRequest(request, dashboard, user, session, context,
                                   dashboard.preferences.language(user.id))
        dashboard.access.note_origin(context.id, request.remote)
        try:
            if request.method == hdrs.METH_POST and not session.checks(await _csrf_token(request)):
                dashboard.access.record(AUDIT_CSRF_REFUSED, context, page=page.path)
                return page_request.message(HTTPStatus.FORBIDDEN, page_request.gettext(
                    "This form has expired or did not come from this dashboard. Reload the page and try again."))
            if not page_request.allows(page.permission):
                dashboard.access.record(AUDIT_PAGE_DENIED, context, page=page.path, permission=page.permission)
                return page_request.message(HTTPStatus.FORBIDDEN, page_request.gettext(
                    "Your role may not open this page."))
            try:
                return await page.handler(page_request)
            except ServiceRefused as refused:
                return refused.response
        finally:
            dashboard.access.forget_origin(context.id)

    return handle


async def _csrf_token(request: web.Request) -> object:
    """The token an htmx request sends in its header, or a form in its field."""
    header = request.headers.get(CSRF_HEADER)
    if header is not None:
        return header
    return (await request.post()).get(CSRF_FIELD)


def _to_login(request: web.Request) -> web.Response:
    """Not signed in (or no longer): a page goes to the sign-in form and back; htmx is told to
    load it whole; anything else is refused."""
    target = f"{LOGIN_PATH}?next={quote(request.path_qs, safe='')}"
    if request.headers.get("HX-Request"):
        return web.Response(status=HTTPStatus.UNAUTHORIZED, headers={"HX-Redirect": target})
    if request.method == hdrs.METH_GET:
        return web.Response(status=HTTPStatus.SEE_OTHER, headers={"Location": target})
    return web.Response(status=HTTPStatus.UNAUTHORIZED, text="Sign in again.", content_type="text/plain")
