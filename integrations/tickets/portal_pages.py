"""Repairs on the residents' portal: the household's tickets with their state and deadline, a form
to open one, and a rating (1-5) for each resolved ticket not rated yet.

The household is the resident's own, fixed by their session; every act is the service called as
the resident, so the same check refuses (and audits) another household's ticket whatever id a
form sends.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.integrations.portal import N_, PortalPage

from .const import DOMAIN, RATABLE, SERVICE_LIST, SERVICE_OPEN, SERVICE_RATE
from .dashboard_pages import BADGES, STATE_LABELS
from .runtime import get_tickets

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.integrations.portal import PortalRequest

RECENT: Final = 50
ROOT: Final = "/portal/tickets"


async def tickets(page: PortalRequest) -> web.Response:
    answer = await page.call(DOMAIN, SERVICE_LIST, {"limit": RECENT}, return_response=True) or {}
    shown = [{**t, "state_label": page.gettext(STATE_LABELS[t["state"]]), "badge": BADGES[t["state"]],
              "ratable": t["state"] in RATABLE and t["rating"] is None}
             for t in answer["tickets"] if t["household"] == page.household]
    found = get_tickets(page.hub)
    categories = {c: found.category_name(c) for c, settings in found.categories.items() if settings["residents"]}
    return page.render("tickets/portal.html", tickets=shown, categories=categories)


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) and value.strip() else None


async def open_one(page: PortalRequest) -> web.Response:
    form = await page.form()
    category, description = _text(form, "category"), _text(form, "description")
    if category is None or description is None:
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("Choose a category and say what is wrong."))
    await page.call(DOMAIN, SERVICE_OPEN, {"category": category, "description": description})
    return page.redirect(ROOT)


async def rate(page: PortalRequest) -> web.Response:
    form = await page.form()
    ticket, rating = _text(form, "ticket_id"), _text(form, "rating")
    if ticket is None or rating not in ("1", "2", "3", "4", "5"):
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("The form names no ticket and rating."))
    data: dict[str, Any] = {"ticket_id": ticket, "rating": int(rating)}
    if (comment := _text(form, "comment")) is not None:
        data["comment"] = comment
    await page.call(DOMAIN, SERVICE_RATE, data)
    return page.redirect(ROOT)


PAGES: Final = (
    PortalPage("tickets", tickets, title=N_("Repairs"), order=35, icon="repairs"),
    PortalPage("tickets/open", open_one, method="POST"),
    PortalPage("tickets/rate", rate, method="POST"),
)
