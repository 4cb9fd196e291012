"""The portal as an area of the one sign-in: residents only, each in their own home.

The dashboard's guard checks the session, the CSRF token and the role; entering then finds
the resident's person and household in residents *now* (a person moved, unlinked or erased
is answered as they are at once). A resident with no household to show — unlinked, erased,
or a household the office removed — gets one page that says so, and nothing else (but
signing out, :data:`ACCOUNT`).
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from xiaoqu.integrations.dashboard.guard import Area
from xiaoqu.integrations.residents import get_residents

from .const import RESIDENT, ROOT, SOURCE_PORTAL
from .request import PortalFrame, PortalRequest, render

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.auth import User
    from xiaoqu.integrations.dashboard import PageRequest


def _admits(user: User) -> bool:
    return user.role == RESIDENT


def _enter(page: PageRequest) -> PortalRequest | web.Response:
    residents = get_residents(page.hub)
    person = residents.person_for_user(page.user.name)
    if person is None or person.erased or person.household is None or residents.household(person.household) is None:
        return render(page, "portal/no_home.html", HTTPStatus.FORBIDDEN, tabs=False)
    return PortalRequest(page.request, page.dashboard, page.user, page.session, page.context, page.language,
                         person.household, person)


def _account(page: PageRequest) -> PortalFrame:
    return PortalFrame(page.request, page.dashboard, page.user, page.session, page.context, page.language)


#: The portal's pages: a resident in their household.
AREA: Final = Area(ROOT, _admits, _enter, SOURCE_PORTAL)
#: The resident's own account's pages (password, language, signing out), which need no household:
#: a resident whose household is gone can still sign out.
ACCOUNT: Final = Area(ROOT, _admits, _account, SOURCE_PORTAL)
