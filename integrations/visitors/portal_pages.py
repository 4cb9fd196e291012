"""Visitors on the residents' portal: who waits at the gate for the household, with a Confirm
and a Refuse button each (a thumb's size), and the household's recent visits.

The household is the resident's own, fixed by their session; the list comes from
``visitors.log`` and each button is ``visitors.confirm`` called as the resident, so the same
check refuses — and audits — another household's visit whatever id a form sends.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from xiaoqu.integrations.portal import N_, PortalPage

from .const import DOMAIN, PENDING, SERVICE_CONFIRM, SERVICE_LOG
from .dashboard_pages import BADGES, STATUS_LABELS

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.integrations.portal import PortalRequest

#: The household's visits the page lists below the waiting ones.
RECENT: Final = 20
ROOT: Final = "/portal/visitors"


async def visitors(page: PortalRequest) -> web.Response:
    answer = await page.call(DOMAIN, SERVICE_LOG, {"limit": RECENT}, return_response=True)
    shown = [{**visit, "status_label": page.gettext(STATUS_LABELS[visit["status"]]), "badge": BADGES[visit["status"]]}
             for visit in (answer or {})["visits"] if visit["household"] == page.household]
    return page.render("visitors/portal.html", waiting=[v for v in shown if v["status"] == PENDING],
                       recent=[v for v in shown if v["status"] != PENDING])


async def answer(page: PortalRequest) -> web.Response:
    """A Confirm or Refuse button: the service as the resident, then back to the list."""
    form = await page.form()
    visit, accept = form.get("visit_id"), form.get("accept")
    if not isinstance(visit, str) or accept not in ("yes", "no"):
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("The form names no visit to answer."))
    await page.call(DOMAIN, SERVICE_CONFIRM, {"visit_id": visit, "accept": accept == "yes"})
    return page.redirect(ROOT)


PAGES: Final = (
    PortalPage("visitors", visitors, title=N_("Visitors"), order=30, icon="visitors"),
    PortalPage("visitors/answer", answer, method="POST"),
)
