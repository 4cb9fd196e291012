"""What a page's handler is given: who asks, in which language, and the means to answer.

Domain pages use this rather than aiohttp's request directly, so every page renders in the
frame the same way and every act goes through the services as the signed-in user, checked
and audited as the API's calls are.
"""
from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDict, MultiDictProxy, MultiMapping

from xiaoqu.core.errors import HubError, ServiceNotFound, ServiceValidationError, Unauthorized
from xiaoqu.core.services import ServiceResponse
from xiaoqu.core.validation import vol

from .const import CSRF_FIELD, LANGUAGES, ROOT

if TYPE_CHECKING:
    from xiaoqu.core.auth import User
    from xiaoqu.core.bus import Context
    from xiaoqu.core.hub import Hub

    from .runtime import Dashboard
    from .sessions import Session

HTML = "text/html"
#: What aiohttp raises for a body it cannot read as a form: a broken or truncated multipart, a
#: part without a name, nested parts (ValueError), a charset nobody has (LookupError), an unknown
#: transfer encoding (RuntimeError).
_UNREADABLE = (ValueError, LookupError, RuntimeError)


async def read_form(request: web.Request) -> MultiMapping[str | bytes | Any]:
    """The posted form; an empty one when the body is no form aiohttp can read, so a page (and
    the CSRF check before it) finds no field, as in a form sent empty, rather than failing with
    a 500. A body over the route's limit still raises its 413."""
    try:
        return await request.post()
    except _UNREADABLE:
        return MultiDictProxy(MultiDict())


class ServiceRefused(Exception):
    """A service call the dashboard made for a user was refused; ``response`` says why."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.text)
        self.response = response


@dataclass(slots=True)
class PageRequest:
    request: web.Request
    dashboard: Dashboard
    user: User
    session: Session
    context: Context
    language: str

    @property
    def hub(self) -> Hub:
        return self.dashboard.hub

    @property
    def query(self) -> MultiMapping[str]:
        return self.request.query

    async def form(self) -> MultiMapping[str | bytes | Any]:
        return await read_form(self.request)

    def allows(self, permission: str | None) -> bool:
        return permission is None or self.dashboard.access.allows(self.user, permission)

    def gettext(self, message: str) -> str:
        return self.dashboard.catalogues[self.language].gettext(message)

    def render(self, template: str, status: int = HTTPStatus.OK, **values: Any) -> web.Response:
        """``template`` in the frame: the user, the navigation they may reach, the CSRF token."""
        env = self.dashboard.environments[self.language]
        text = env.get_template(template).render(
            user=self.user, language=self.language, languages=LANGUAGES, csrf_field=CSRF_FIELD,
            csrf_token=self.session.csrf, root=ROOT, path=self.request.path, site=self.hub.config.name,
            navigation=[page for page in self.dashboard.registry.navigation() if self.allows(page.permission)],
            **values,
        )
        return web.Response(text=text, status=status, content_type=HTML, headers=PAGE_HEADERS)

    def message(self, status: int, text: str) -> web.Response:
        """A page that says ``text`` (a refusal, a mistake in a form) with ``status``."""
        return self.render("message.html", status=status, status_code=status, text=text)

    def redirect(self, path: str) -> web.Response:
        return web.Response(status=HTTPStatus.SEE_OTHER, headers={"Location": path, **NO_STORE})

    async def call(self, domain: str, service: str, data: dict[str, Any], *,
                   return_response: bool = False) -> ServiceResponse:
        """Call a service as the signed-in user; a refusal raises :class:`ServiceRefused` with
        the page to answer (403 when the role may not, 400 when the data is wrong)."""
        try:
            return await self.hub.services.call(domain, service, data, context=self.context,
                                                return_response=return_response)
        except Unauthorized as err:  # audited by the permission check
            raise ServiceRefused(self.message(HTTPStatus.FORBIDDEN, str(err))) from None
        except (vol.Invalid, ServiceValidationError, ServiceNotFound) as err:
            raise ServiceRefused(self.message(HTTPStatus.BAD_REQUEST, str(err))) from None
        except HubError as err:
            raise ServiceRefused(self.message(HTTPStatus.CONFLICT, str(err))) from None


#: Pages show live data and personal details: never kept by a browser or a proxy.
NO_STORE = {"Cache-Control": "no-store"}
#: What a page may load and run: scripts from this site's files only, never inline (the frame's
#: own are in static/), so markup that ever slipped into a page through data runs nothing and
#: loads nothing from elsewhere; styles may be inline (a chart's height, ECharts' tooltips); no
#: plug-in, no <base> moving the links, forms sent to this site only, and never inside another
#: site's frame.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
                           "frame-ancestors 'none'")
#: Every page's headers (the dashboard's, the portal's, the sign-in and sign-up forms).
PAGE_HEADERS = {**NO_STORE, "Content-Security-Policy": CONTENT_SECURITY_POLICY}
