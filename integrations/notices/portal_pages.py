"""Notices on the residents' portal: the household's notices, newest first, each to read, with a
"Sign" button (a POST with the session's CSRF token) for those not yet signed.

The household is the resident's own, fixed by their session: the list is ``notices.list`` and the
button ``notices.acknowledge`` called as the resident, so the service's check refuses — and
audits — another household's notice whatever a form sends.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from xiaoqu.integrations.portal import N_, PortalPage

from .const import DOMAIN, SERVICE_ACKNOWLEDGE, SERVICE_LIST

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.integrations.portal import PortalRequest

#: The household's notices the page lists.
RECENT: Final = 50
ROOT: Final = "/portal/notices"


async def notices(page: PortalRequest) -> web.Response:
    answer = await page.call(DOMAIN, SERVICE_LIST, {"limit": RECENT}, return_response=True)
    shown = (answer or {})["notices"]
    return page.render("notices/portal.html", notices=shown, signed=page.query.get("signed"),
                       unsigned=sum(1 for notice in shown if not notice["signed"]))


async def acknowledge(page: PortalRequest) -> web.Response:
    form = await page.form()
    notice = form.get("notice_id")
    if not isinstance(notice, str):
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("The form names no notice to sign."))
    await page.call(DOMAIN, SERVICE_ACKNOWLEDGE, {"notice_id": notice, "household": page.household})
    return page.redirect(f"{ROOT}?signed={notice}")


PAGES: Final = (
    PortalPage("notices", notices, title=N_("Notices"), order=20, icon="notices"),
    PortalPage("notices/acknowledge", acknowledge, method="POST"),
)
