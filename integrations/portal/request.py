"""What a portal page's handler is given: the dashboard's :class:`PageRequest` (the signed-in
user, their language, ``call`` a service as them, ``gettext``) plus whose home it is.

Pages render in the portal's own frame (``portal/base.html``: a phone's layout, a bottom tab
bar); the frame's shared pages (a message, the password form) are shown in it too, so the
dashboard's handlers for signing out, the language and the password serve the portal as they
are.
"""
from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from xiaoqu.integrations.dashboard import PageRequest
from xiaoqu.integrations.dashboard.const import CSRF_FIELD, LANGUAGES, STATIC
from xiaoqu.integrations.dashboard.request import HTML, PAGE_HEADERS

from .const import ROOT
from .const import STATIC as PORTAL_STATIC
from .registry import registry

if TYPE_CHECKING:
    from xiaoqu.integrations.residents import Person

#: The dashboard's templates that the portal shows in its own frame.
FRAME_TEMPLATES: Final = {"message.html": "portal/message.html", "password.html": "portal/password.html"}
#: A message answered to a button on a page that stays (an htmx request): a line, not a page.
NOTICE: Final = "portal/notice.html"


@dataclass(slots=True)
class PortalFrame(PageRequest):
    """A resident's request on a page of their own account (their password, their language,
    signing out): shown in the portal's frame, needing no household."""

    def render(self, template: str, status: int = HTTPStatus.OK, **values: Any) -> web.Response:
        if template == "message.html" and self.request.headers.get("HX-Request"):
            return render(self, NOTICE, status, **values)
        return render(self, FRAME_TEMPLATES.get(template, template), status, **values)


@dataclass(slots=True)
class PortalRequest(PortalFrame):
    """A resident's request: ``household`` is their household's id, ``person`` their record."""

    household: str
    person: Person


def render(page: PageRequest, template: str, status: int = HTTPStatus.OK, *, tabs: bool = True,
           **values: Any) -> web.Response:
    """``template`` in the portal's frame: the site, the tabs the user may open (none with
    ``tabs=False``), the language switch, the session's CSRF token."""
    env = page.dashboard.environments[page.language]
    shown = [tab for tab in registry(page.hub).tabs() if page.allows(tab.permission)] if tabs else []
    text = env.get_template(template).render(
        user=page.user, language=page.language, languages=LANGUAGES, csrf_field=CSRF_FIELD,
        csrf_token=page.session.csrf, root=ROOT, static=PORTAL_STATIC, vendored=STATIC, path=page.request.path,
        site=page.hub.config.name, tabs=shown, **values,
    )
    return web.Response(text=text, status=status, content_type=HTML, headers=PAGE_HEADERS)
