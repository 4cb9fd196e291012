"""The access log on the staff dashboard: a page that reads it through ``access.log`` as the
signed-in user (so the API's permission check and audit apply) with a CSV export, today's
entries and latest refusals on the overview, and every decision live.

Only what the log already shows is shown: credentials masked, people by their pseudonymous id.
"""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from xiaoqu.integrations.dashboard import N_, Feed, Page, PageRequest, Panel, register
from xiaoqu.integrations.dashboard.paging import asked as filled_in
from xiaoqu.integrations.dashboard.paging import link, older
from xiaoqu.integrations.dashboard.registry import LOGS
from xiaoqu.integrations.dashboard.request import NO_STORE
from xiaoqu.integrations.residents.sheet import write_csv

from . import log
from .const import DATA_ACCESS, DOMAIN, EVENT_ACCESS_DENIED, EVENT_ACCESS_GRANTED, SERVICE_LOG

if TYPE_CHECKING:
    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

LOG: Final = f"{DOMAIN}.{SERVICE_LOG}"
#: The page's fields that ``access.log`` takes as they are; it validates them and says what is wrong.
FILTERS: Final = ("door", "person", "card", "start", "end", "limit")
PAGE_SIZE: Final = 50
#: The refusals the overview lists: enough to see a pattern, few enough to read at a glance.
RECENT_DENIALS: Final = 5
#: A record's fields as the page and the export show them, with their headings.
COLUMNS: Final = (("time", N_("Time")), ("door", N_("Door")), ("credential", N_("Credential")),
                  ("person", N_("Person")), ("household", N_("Household")), ("granted", N_("Decision")),
                  ("reason", N_("Reason")), ("rule", N_("Rule")))


def _decision(page: PageRequest, record: dict[str, Any]) -> str:
    return page.gettext("granted") if record["granted"] else page.gettext("denied")


def _csv(page: PageRequest, records: list[dict[str, Any]]) -> web.Response:
    """The records as a CSV file, its cells defused as the office's other exports are, with the
    BOM Chinese Excel needs to read it right."""
    text = io.StringIO()
    write_csv(text, [page.gettext(heading) for _, heading in COLUMNS],
              ([_decision(page, record) if name == "granted" else record.get(name) for name, _ in COLUMNS]
               for record in records))
    return web.Response(body=text.getvalue().encode("utf-8-sig"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="access-log.csv"', **NO_STORE})


async def log_page(page: PageRequest) -> web.Response:
    """The log newest first, filtered and paged; ``?format=csv`` exports the same rows."""
    asked = filled_in(page, FILTERS)
    answer = await page.call(DOMAIN, SERVICE_LOG, {"limit": PAGE_SIZE, **asked}, return_response=True)
    records: list[dict[str, Any]] = (answer or {})["records"]
    if page.query.get("format") == "csv":
        return _csv(page, records)
    return page.render("access/log.html", records=records, asked=asked, columns=COLUMNS,
                       decision=lambda record: _decision(page, record),
                       older=older(page, asked, [record["time"] for record in records], int(asked.get("limit", PAGE_SIZE))),
                       export=link(page, {**asked, "format": "csv"}))


def _midnight(page: PageRequest) -> float:
    """Today's start in the site's time zone, which is the day staff count in."""
    tz = page.hub.data[DATA_ACCESS].tz
    now = datetime.fromtimestamp(page.hub.clock.time(), tz)
    return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


async def _panel(page: PageRequest) -> dict[str, Any]:
    access = page.hub.data[DATA_ACCESS]
    granted, denied = await log.decided_since(access, _midnight(page))
    return {"granted": granted, "denied": denied, "denials": await log.latest_denials(access, RECENT_DENIALS)}


def _detail(event: Event) -> str:
    """The masked credential and the reason; the row names the door."""
    return f"{event.data.get('value') or ''} · {event.data.get('reason') or ''}"


def register_pages(hub: Hub) -> None:
    register(
        hub, Path(__file__).parent,
        pages=(Page("access", log_page, permission=LOG, title=N_("Access log"), order=30, group=LOGS),),
        panels=(Panel("access/panel.html", _panel, permission=LOG, order=10),),
        feeds=(Feed(EVENT_ACCESS_GRANTED, N_("Access granted"), _detail, LOG),
               Feed(EVENT_ACCESS_DENIED, N_("Access denied"), _detail, LOG)),
    )
