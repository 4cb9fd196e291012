"""``/portal/join``: a resident makes their own account with the office's one-time code.

The form is public, so it is treated as a sign-in form is: its own CSRF token (a cookie and a
field), at most 4 KiB (the API's limit for a public route: a larger body is refused before it
is read, and counts toward the address's ban), and every code that does not admit — mistyped,
used, replaced, expired, forged — counts toward the same ban as a wrong password and is
audited. The code is checked before anything else about the account is said, so a stranger
learns nothing (not even whether a user name is taken) without a good code. An account is a
``resident`` user with the password rules of ``xiaoqu user add``, linked to the invited person.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import web

from xiaoqu.core.auth import Actor, AuthError
from xiaoqu.core.auth.crypto import check_password_strength
from xiaoqu.core.auth.manager import check_user_name
from xiaoqu.core.http import hub_of, public
from xiaoqu.core.http.const import DATA_SERVER
from xiaoqu.integrations.dashboard import N_
from xiaoqu.integrations.dashboard.const import AUDIT_CSRF_REFUSED, CSRF_FIELD, DATA_DASHBOARD, LANGUAGES, LOGIN_PATH
from xiaoqu.integrations.dashboard.login import MAX_FIELD, form_token, form_token_matches
from xiaoqu.integrations.dashboard.request import HTML, PAGE_HEADERS, read_form
from xiaoqu.integrations.residents import ResidentsError, get_residents
from xiaoqu.integrations.residents.invites import InviteError
from xiaoqu.integrations.residents.runtime import get_invites

from .const import AUDIT_JOIN_REFUSED, AUDIT_JOINED, JOIN_PATH, RESIDENT, ROOT, SOURCE_PORTAL, STATIC

if TYPE_CHECKING:
    from multidict import MultiMapping

    from xiaoqu.integrations.dashboard.runtime import Dashboard
    from xiaoqu.integrations.residents.invites import Invite, Invites

FIELDS = ("code", "username", "password", "again")


class Refused(Exception):
    """The form's answer: ``status`` and a message id."""

    def __init__(self, status: int, message: str, **values: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.values = values


def _language(dashboard: Dashboard, request: web.Request) -> str:
    """The page's language: ``?lang=`` when it names one, else the site's."""
    asked = request.query.get("lang")
    return asked if asked in LANGUAGES else dashboard.preferences.default


def _page(dashboard: Dashboard, request: web.Request, status: int = HTTPStatus.OK, *, error: Refused | None = None,
          joined: str | None = None) -> web.Response:
    language = _language(dashboard, request)
    catalogue = dashboard.catalogues[language]
    response = web.Response(status=status, content_type=HTML, headers=PAGE_HEADERS)
    response.text = dashboard.environments[language].get_template("portal/join.html").render(
        language=language, languages=LANGUAGES, csrf_field=CSRF_FIELD, csrf_token=form_token(response, request, JOIN_PATH),
        error=error and catalogue.gettext(error.message) % error.values, joined=joined, site=dashboard.hub.config.name,
        action=request.path_qs, join=JOIN_PATH, sign_in=f"{LOGIN_PATH}?next={ROOT}/", static=STATIC)
    return response


@public
async def join_form(request: web.Request) -> web.Response:
    return _page(hub_of(request).data[DATA_DASHBOARD], request)


@public
async def join(request: web.Request) -> web.Response:
    dashboard = hub_of(request).data[DATA_DASHBOARD]
    try:
        name = await _join(dashboard, request, await read_form(request))
    except Refused as refused:
        return _page(dashboard, request, refused.status, error=refused)
    return _page(dashboard, request, joined=name)


def _fields(form: MultiMapping[Any]) -> dict[str, str]:
    values = {key: form.get(key) for key in FIELDS}
    if not all(isinstance(value, str) and value and len(value) <= MAX_FIELD for value in values.values()):
        raise Refused(HTTPStatus.BAD_REQUEST, N_("Fill in every field."))
    return {key: str(value) for key, value in values.items()}


def _account(fields: dict[str, str]) -> None:
    """What can be said of the account without a good code: the name's form, the password's."""
    try:
        check_user_name(fields["username"])
        check_password_strength(fields["password"])
    except AuthError:
        raise Refused(HTTPStatus.BAD_REQUEST, N_("A user name is 1 to 64 characters: lower-case letters, digits "
                                                  "and _ . @ - (wang.fang, 13812345678).")) from None
    except ValueError:
        raise Refused(HTTPStatus.BAD_REQUEST, N_("A password has at least 8 characters, and no spaces at either "
                                                  "end.")) from None
    if fields["password"] != fields["again"]:
        raise Refused(HTTPStatus.BAD_REQUEST, N_("The two passwords differ."))


async def _join(dashboard: Dashboard, request: web.Request, form: MultiMapping[Any]) -> str:
    """Make the account the form asks for; its user name, or :class:`Refused`."""
    hub = dashboard.hub
    anonymous = Actor(SOURCE_PORTAL, None, None, request.remote)
    if not form_token_matches(request, form):
        dashboard.access.manager.audit.record(AUDIT_CSRF_REFUSED, anonymous, page="portal/join")
        raise Refused(HTTPStatus.FORBIDDEN, N_("This form has expired. Please fill it in again."))
    fields = _fields(form)
    _account(fields)
    attempts = hub.data[DATA_SERVER].attempts
    with attempts.login(request.remote) as allowed:
        if not allowed:
            raise Refused(HTTPStatus.TOO_MANY_REQUESTS, N_("Too many tries at once; wait a moment."))
        invites = get_invites(hub)
        try:
            invite = invites.take(fields["code"])
        except InviteError as err:
            dashboard.access.manager.audit.record(AUDIT_JOIN_REFUSED, anonymous, reason=str(err))
            await attempts.failed(request.remote, "a portal sign-up code that does not admit")
            if attempts.is_banned(request.remote):
                raise Refused(HTTPStatus.FORBIDDEN, N_("Too many failed tries from this address.")) from None
            raise Refused(HTTPStatus.FORBIDDEN, N_("This code is not valid: it was mistyped, already used, replaced "
                                                   "by a newer one or has expired. Ask the property office for a "
                                                   "new one.")) from None
        name = await _make_account(dashboard, request, invites, invite, fields)
        attempts.succeeded(request.remote)
    return name


async def _make_account(dashboard: Dashboard, request: web.Request, invites: Invites, invite: Invite,
                        fields: dict[str, str]) -> str:
    """The user, linked to the invited person; the invitation spent. Anything that fails on the
    way leaves nothing behind, and a code that is still good stays good."""
    manager = dashboard.access.manager
    name = fields["username"]
    anonymous = Actor(SOURCE_PORTAL, None, None, request.remote)
    try:
        user = await manager.add_user(name, RESIDENT, fields["password"], anonymous)
    except (AuthError, ValueError):
        invites.give_back(invite)
        raise Refused(HTTPStatus.BAD_REQUEST, N_("The user name %(name)s is taken; choose another."), name=name) from None
    actor = Actor.for_user(user, SOURCE_PORTAL, request.remote)
    try:
        await get_residents(dashboard.hub).link_user(invite.person, name, actor)
    except ResidentsError:
        await manager.remove_user(name, actor)
        raise Refused(HTTPStatus.CONFLICT, N_("This invitation is no longer valid. Ask the property office for a "
                                              "new one.")) from None
    await invites.spent(invite)
    manager.audit.record(AUDIT_JOINED, actor, person=invite.person, user=name)
    return name
