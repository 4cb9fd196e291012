"""The access log on the staff dashboard: a page that reads it through ``access.log`` as the
signed-in user (so the API's permission check and audit apply), exported as CSV or .xlsx,
today's traffic per hour as a chart (here and on the overview, with the day's counts and the
latest refusals), and every decision live.

Only what the log already shows is shown: credentials masked, people by their pseudonymous id.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.integrations.dashboard import N_, Feed, Page, PageRequest, Panel, register
from xiaoqu.integrations.dashboard.charts import BAD, OK, Series, bars
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, older
from xiaoqu.integrations.dashboard.paging import asked as filled_in
from xiaoqu.integrations.dashboard.registry import LOGS

from . import log
from .const import DATA_ACCESS, DOMAIN, EVENT_ACCESS_DENIED, EVENT_ACCESS_GRANTED, SERVICE_LOG
from .schema import MAX_LOG_LIMIT

if TYPE_CHECKING:
    from datetime import datetime

    from aiohttp import web

    from xiaoqu.core.bus import Event
    from xiaoqu.core.hub import Hub

    from .traffic import Hour

LOG: Final = f"{DOMAIN}.{SERVICE_LOG}"
#: The page's fields that ``access.log`` takes as they are; it validates them and says what is wrong.
FILTERS: Final = ("door", "person", "card", "start", "end", "limit")
#: The form's fields (``limit`` comes from the pager's links, not the form).
FIELDS: Final = (Field("door", N_("Door")), Field("person", N_("Person")), Field("card", N_("Card"), maxlength=40),
                 Field("start", N_("From"), "2026-03-02 08:00"), Field("end", N_("Until"), "2026-03-02 18:00"))
PAGE_SIZE: Final = 50
#: The refusals the overview lists: enough to see a pattern, few enough to read at a glance.
RECENT_DENIALS: Final = 5
#: A record's fields as the page and the export show them, with their headings.
COLUMNS: Final = (("time", N_("Time")), ("door", N_("Door")), ("credential", N_("Credential")),
                  ("person", N_("Person")), ("household", N_("Household")), ("granted", N_("Decision")),
                  ("reason", N_("Reason")), ("rule", N_("Rule")))


def _decision(page: PageRequest, record: dict[str, Any]) -> str:
    return page.gettext("granted") if record["granted"] else page.gettext("denied")


def _export(page: PageRequest, records: list[dict[str, Any]], fmt: str) -> web.Response:
    """The records as the page shows them, under the page's headings, in the user's language."""
    return export_response(
        page, "access-log", [page.gettext(heading) for _, heading in COLUMNS],
        ([_decision(page, record) if name == "granted" else record.get(name) for name, _ in COLUMNS]
         for record in records), fmt)


def traffic_chart(page: PageRequest, hours: list[tuple[datetime, Hour]]) -> dict[str, Any]:
    """Today's decisions per hour (``log.traffic_today``), granted and denied stacked: when the
    gates are busy, and when refusals pile up. Counted as decisions are made (traffic.py), so
    drawing it reads no log."""
    return bars([f"{start:%H}:00" for start, _ in hours],
                [Series(page.gettext("granted"), [hour.granted for _, hour in hours], OK),
                 Series(page.gettext("denied"), [hour.denied for _, hour in hours], BAD)])


async def log_page(page: PageRequest) -> web.Response:
    """The log newest first, filtered and paged; ``?format=csv`` or ``xlsx`` exports the rows the
    filters find, up to the log's most per read unless ``limit`` says fewer."""
    asked = filled_in(page, FILTERS)
    fmt = wants_export(page)
    size = MAX_LOG_LIMIT if fmt is not None else PAGE_SIZE
    answer = await page.call(DOMAIN, SERVICE_LOG, {"limit": size, **asked}, return_response=True)
    records: list[dict[str, Any]] = (answer or {})["records"]
    if fmt is not None:
        return _export(page, records, fmt)
    csv_url, xlsx_url = export_urls(page)
    traffic = traffic_chart(page, log.traffic_today(page.hub.data[DATA_ACCESS]))
    return page.render("access/log.html", records=records, asked=asked, fields=FIELDS, columns=COLUMNS,
                       decision=lambda record: _decision(page, record), traffic=traffic,
                       older=older(page, asked, [record["time"] for record in records], int(asked.get("limit", PAGE_SIZE))),
                       csv_url=csv_url, xlsx_url=xlsx_url)


async def _panel(page: PageRequest) -> dict[str, Any]:
    access = page.hub.data[DATA_ACCESS]
    hours = log.traffic_today(access)
    return {"granted": sum(hour.granted for _, hour in hours), "denied": sum(hour.denied for _, hour in hours),
            "traffic": traffic_chart(page, hours), "denials": await log.latest_denials(access, RECENT_DENIALS)}


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
