"""Signing in and out, and a user's own settings (password, language).

The sign-in form checks passwords as ``/api/auth/login`` does, through the same attempts
counter: failures from an address count toward its ban (``http: login_attempts_threshold``),
however the address tries, and each is audited. The form carries its own CSRF token (a
cookie and a field that must match), so a page elsewhere cannot sign a browser in; other
public forms (the portal's sign-up) use the same pair (:func:`form_token`, :func:`form_token_matches`).

It is the one sign-in for every area (``guard.Area``): staff land on the dashboard, residents
on their portal, so the session cookie is sent to the whole site (``/``) and each area's guard
decides whom it admits.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING

from aiohttp import web

from xiaoqu.core.auth import Actor, AuthError
from xiaoqu.core.auth import audit as acts
from xiaoqu.core.http import hub_of, public
from xiaoqu.core.http.const import DATA_SERVER

from .const import (
    AUDIT_CSRF_REFUSED,
    AUDIT_LANGUAGE,
    CSRF_FIELD,
    DATA_DASHBOARD,
    LANGUAGES,
    LOGIN_COOKIE,
    LOGIN_PATH,
    ROOT,
    SESSION_COOKIE,
    SOURCE_DASHBOARD,
)
from .guard import area_of
from .registry import N_
from .request import HTML, NO_STORE, PAGE_HEADERS, read_form

if TYPE_CHECKING:
    from xiaoqu.core.auth import User
    from xiaoqu.core.hub import Hub

    from .request import PageRequest
    from .runtime import Dashboard

#: The most of a user name or password the form takes (the API's limits are larger; nobody types more).
MAX_FIELD = 256
#: The session cookie goes to every area of the one sign-in (the dashboard, the portal).
SESSION_PATH = "/"


def served_over_tls(request: web.Request) -> bool:
    """Whether the browser reached the hub over TLS: the hub's own, or the reverse proxy's that
    docs/security.md recommends, which says so in ``X-Forwarded-Proto`` (the hub itself then
    speaks plain HTTP to it). Believed from anyone: it only ever makes a cookie stricter."""
    return request.secure or request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"


def _cookie(response: web.StreamResponse, request: web.Request, name: str, value: str, path: str = ROOT) -> None:
    """A cookie only this site's pages send back (never another site's links or forms), never to
    scripts, and over TLS only when the browser came over TLS."""
    response.set_cookie(name, value, path=path, httponly=True, samesite="Strict", secure=served_over_tls(request))


def form_token(response: web.StreamResponse, request: web.Request, path: str) -> str:
    """A public form's CSRF token, set as a cookie for ``path``: the form's field must match it."""
    token = secrets.token_urlsafe(32)
    _cookie(response, request, LOGIN_COOKIE, token, path)
    return token


def form_token_matches(request: web.Request, form: Mapping[str, object]) -> bool:
    """Whether a public form came back with the token its cookie holds (in constant time)."""
    cookie, field = request.cookies.get(LOGIN_COOKIE, ""), form.get(CSRF_FIELD)
    return bool(cookie) and isinstance(field, str) and secrets.compare_digest(cookie.encode(), field.encode())


def within(hub: Hub, user: User, target: object) -> str:
    """``target`` if it is a page of ``user``'s own area, else that area's first page: never
    another site, never an area that would refuse them, never a header broken by a line end or
    another control character (``next=/dashboard/%0d%0a...``: links are made quoted, ASCII)."""
    area = area_of(hub, user)
    root = area.root if area is not None else ROOT
    if isinstance(target, str) and target.startswith(f"{root}/") and target.isascii() and target.isprintable():
        return target
    return f"{root}/"


def _form(dashboard: Dashboard, request: web.Request, status: int = HTTPStatus.OK, error: str | None = None
          ) -> web.Response:
    language = dashboard.preferences.default
    response = web.Response(status=status, content_type=HTML, headers=PAGE_HEADERS)
    env = dashboard.environments[language]
    response.text = env.get_template("login.html").render(
        language=language, csrf_field=CSRF_FIELD, csrf_token=form_token(response, request, ROOT),
        error=error and dashboard.catalogues[language].gettext(error),
        root=ROOT, site=dashboard.hub.config.name, action=request.path_qs)
    return response


@public
async def login_form(request: web.Request) -> web.Response:
    return _form(hub_of(request).data[DATA_DASHBOARD], request)


@public
async def login(request: web.Request) -> web.Response:
    hub = hub_of(request)
    dashboard = hub.data[DATA_DASHBOARD]
    attempts = hub.data[DATA_SERVER].attempts
    form = await read_form(request)
    anonymous = Actor(SOURCE_DASHBOARD, None, None, request.remote)
    if not form_token_matches(request, form):
        dashboard.access.manager.audit.record(AUDIT_CSRF_REFUSED, anonymous, page="login")
        return _form(dashboard, request, HTTPStatus.FORBIDDEN, N_("This form has expired. Please sign in again."))
    name, password = form.get("username"), form.get("password")
    if not isinstance(name, str) or not isinstance(password, str) or len(name) > MAX_FIELD or len(password) > MAX_FIELD:
        return _form(dashboard, request, HTTPStatus.BAD_REQUEST, N_("Enter your user name and password."))
    with attempts.login(request.remote) as allowed:
        if not allowed:
            return _form(dashboard, request, HTTPStatus.TOO_MANY_REQUESTS, N_("Too many sign-ins at once; wait a moment."))
        user = await dashboard.access.manager.check_password(
            name, password, proceed=lambda: not attempts.is_banned(request.remote))
    if user is None:
        dashboard.access.manager.audit.record(acts.LOGIN_FAILED, anonymous, username=name[:64])
        await attempts.failed(request.remote, f"wrong dashboard password for {name[:64]!r}")
        if attempts.is_banned(request.remote):
            return _form(dashboard, request, HTTPStatus.FORBIDDEN, N_("Too many failed sign-ins from this address."))
        return _form(dashboard, request, HTTPStatus.UNAUTHORIZED, N_("Wrong user name or password."))
    attempts.succeeded(request.remote)
    secret, _session = dashboard.sessions.open(user)
    dashboard.access.manager.audit.record(acts.LOGIN, Actor.for_user(user, SOURCE_DASHBOARD, request.remote))
    landing = within(hub, user, request.query.get("next"))
    response = web.Response(status=HTTPStatus.SEE_OTHER, headers={"Location": landing, **NO_STORE})
    _cookie(response, request, SESSION_COOKIE, secret, SESSION_PATH)
    response.del_cookie(LOGIN_COOKIE, path=ROOT)
    return response


async def logout(page: PageRequest) -> web.Response:
    page.dashboard.sessions.close(page.request.cookies.get(SESSION_COOKIE))
    page.dashboard.access.record(acts.LOGOUT, page.context)
    response = page.redirect(LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path=SESSION_PATH)
    return response


async def password_form(page: PageRequest) -> web.Response:
    return page.render("password.html")


async def change_password(page: PageRequest) -> web.Response:
    """The user's own password: the current one first, then the new one twice."""
    form = await page.form()
    current, new, again = (form.get(key) for key in ("current", "new", "again"))
    if not all(isinstance(value, str) and len(value) <= MAX_FIELD for value in (current, new, again)):
        return page.render("password.html", status=HTTPStatus.BAD_REQUEST, error=page.gettext("Fill in every field."))
    manager = page.dashboard.access.manager
    if await manager.check_password(page.user.name, str(current)) is None:
        manager.audit.record(acts.LOGIN_FAILED, Actor.for_user(page.user, SOURCE_DASHBOARD, page.request.remote),
                             username=page.user.name, reason="wrong current password")
        return page.render("password.html", status=HTTPStatus.FORBIDDEN,
                           error=page.gettext("The current password is wrong."))
    if new != again:
        return page.render("password.html", status=HTTPStatus.BAD_REQUEST,
                           error=page.gettext("The new passwords differ."))
    try:
        page.session.user = await manager.set_password(
            page.user.name, str(new), Actor.for_user(page.user, SOURCE_DASHBOARD, page.request.remote))
    except AuthError as err:
        return page.render("password.html", status=HTTPStatus.BAD_REQUEST, error=str(err))
    page.dashboard.sessions.close_user(page.user.id, keep=page.session)  # this one goes on with the new record
    return page.render("password.html", done=True)


async def set_language(page: PageRequest) -> web.Response:
    form = await page.form()
    language = form.get("language")
    if language not in LANGUAGES:
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("Unknown language."))
    await page.dashboard.preferences.set_language(page.user.id, str(language))
    page.dashboard.access.record(AUDIT_LANGUAGE, page.context, language=language)
    return page.redirect(within(page.hub, page.user, form.get("next")))
