"""Staff's pages: the tickets, filtered and exported, with the desk's form to open one; a ticket
with its history and the form for its next step; the monthly response-time report, exported.

Every act is the service as the signed-in user (``page.call``), so the role's permission and the
audit apply as through the API, and a mistake comes back as the service's sentence naming the
field (400), with nothing changed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from xiaoqu.integrations.dashboard import N_, Feed, Form, Page, PageRequest
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked

from .const import (
    DOMAIN,
    EVENT_OPENED,
    EVENT_OVERDUE,
    SERVICE_GET,
    SERVICE_LIST,
    SERVICE_OPEN,
    SERVICE_REPORT,
    SERVICE_UPDATE,
    STATES,
    TRANSITIONS,
)
from .report import COLUMNS as REPORT_COLUMNS
from .runtime import get_tickets
from .schema import MAX_LIST

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.bus import Event

LIST: Final = f"{DOMAIN}.{SERVICE_LIST}"
#: A state as staff read it, and its badge's colour.
STATE_LABELS: Final = {"new": N_("New"), "assigned": N_("Assigned"), "in_progress": N_("In progress"),
                       "waiting_for_resident": N_("Waiting for the resident"), "resolved": N_("Resolved"),
                       "closed": N_("Closed"), "reopened": N_("Reopened")}
BADGES: Final = {"new": "warn", "assigned": "warn", "in_progress": "", "waiting_for_resident": "",
                 "resolved": "ok", "closed": "", "reopened": "bad"}
FILTERS: Final = ("category", "state", "household", "month", "overdue")
PAGE_SIZE: Final = 200
#: The list's columns, in order (the page's and the export's).
COLUMNS: Final = (("opened_at", N_("Opened at")), ("ticket_id", N_("Ticket")), ("category_name", N_("Category")),
                  ("household", N_("Household")), ("device", N_("Device")), ("description", N_("Description")),
                  ("state", N_("State")), ("assignee", N_("Assignee")), ("due", N_("Due by")),
                  ("overdue", N_("Overdue")), ("rating", N_("Rating")))
REPORT_HEADINGS: Final = {"category": N_("Category"), "category_name": N_("Category name"), "deadline": N_("Deadline"),
                          "count": N_("Tickets"), "met": N_("Met"), "unmet": N_("Not met yet"),
                          "median_minutes": N_("Median minutes"), "p90_minutes": N_("90th percentile minutes"),
                          "overdue": N_("Overdue"), "rated": N_("Rated"), "mean_rating": N_("Mean rating")}


def _fields(page: PageRequest) -> tuple[Field, ...]:
    categories = get_tickets(page.hub).categories
    return (Field("category", N_("Category"), choices=tuple((c, str(v.get("name") or c)) for c, v in categories.items())),
            Field("state", N_("State"), choices=tuple(STATE_LABELS.items())),
            Field("household", N_("Household"), "1-2-0601"), Field("month", N_("Month"), "2026-03"),
            Field("overdue", N_("Overdue"), choices=(("true", N_("Overdue")), ("false", N_("Not overdue")))))


def _row(page: PageRequest, shown: dict[str, Any]) -> dict[str, Any]:
    return {**shown, "state_label": page.gettext(STATE_LABELS[shown["state"]]), "badge": BADGES[shown["state"]]}


async def tickets_page(page: PageRequest) -> web.Response:
    """The tickets newest first, filtered; ``?format=csv|xlsx`` downloads what the filters find."""
    filters = asked(page, FILTERS)
    fmt = wants_export(page)
    answer = await page.call(DOMAIN, SERVICE_LIST, {**filters, "limit": MAX_LIST if fmt else PAGE_SIZE},
                             return_response=True)
    rows = [_row(page, shown) for shown in (answer or {})["tickets"]]
    if fmt is not None:
        return export_response(page, "tickets", [page.gettext(heading) for _, heading in COLUMNS],
                               ([row["state_label"] if name == "state" else row.get(name) for name, _ in COLUMNS]
                                for row in rows), fmt)
    csv_url, xlsx_url = export_urls(page)
    tickets = get_tickets(page.hub)
    return page.render("tickets/tickets.html", tickets=rows, fields=_fields(page), asked=filters, csv_url=csv_url,
                       xlsx_url=xlsx_url, columns=COLUMNS, may_open=page.allows(f"{DOMAIN}.{SERVICE_OPEN}"),
                       categories={c: tickets.category_name(c) for c in tickets.categories})


async def open_at_desk(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    tickets = get_tickets(page.hub)
    data = {"category": form.choice("category", N_("Category"), tickets.categories),
            "description": form.required("description", N_("Description"))}
    for name, label in (("household", N_("Household")), ("device", N_("Device"))):
        if (value := form.text(name, label, required=False)) is not None:
            data[name] = value
    answer = await page.call(DOMAIN, SERVICE_OPEN, data, return_response=True) or {}
    return page.redirect(f"{page.request.path.rsplit('/', 1)[0]}/{answer['ticket_id']}")


async def ticket_page(page: PageRequest) -> web.Response:
    shown = await page.call(DOMAIN, SERVICE_GET, {"ticket_id": page.request.match_info["ticket"]},
                            return_response=True) or {}
    steps = [{**step, "state_label": page.gettext(STATE_LABELS[step["state"]])} for step in shown["history"]]
    nexts = sorted(TRANSITIONS[shown["state"]], key=STATES.index)
    return page.render("tickets/ticket.html", ticket=_row(page, shown), steps=steps,
                       nexts=[(state, page.gettext(STATE_LABELS[state])) for state in nexts],
                       may_update=page.allows(f"{DOMAIN}.{SERVICE_UPDATE}"))


async def update(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    ticket = page.request.match_info["ticket"]
    data: dict[str, Any] = {"ticket_id": ticket, "state": form.choice("state", N_("State"), STATES)}
    for name, label in (("note", N_("Note")), ("assignee", N_("Assignee"))):
        if (value := form.text(name, label, required=False)) is not None:
            data[name] = value
    await page.call(DOMAIN, SERVICE_UPDATE, data)
    return page.redirect(page.request.path.rsplit("/", 1)[0])


async def report_page(page: PageRequest) -> web.Response:
    """The month's response times per category (this month unless asked); exported as asked."""
    filters = asked(page, ("month",))
    answer = await page.call(DOMAIN, SERVICE_REPORT, filters, return_response=True) or {}
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, "tickets-report", [page.gettext(REPORT_HEADINGS[c]) for c in REPORT_COLUMNS],
                               ([row[c] for c in REPORT_COLUMNS] for row in answer["rows"]), fmt)
    csv_url, xlsx_url = export_urls(page)
    return page.render("tickets/report.html", report=answer, headings=REPORT_HEADINGS,
                       fields=(Field("month", N_("Month"), "2026-03"),), asked=filters, csv_url=csv_url,
                       xlsx_url=xlsx_url)


def _detail(event: Event) -> str:
    data = event.data
    return " · ".join(str(part) for part in (data.get("ticket_id"), data.get("category"), data.get("household"),
                                             data.get("device"), data.get("state")) if part)


PAGES: Final = (
    Page("tickets", tickets_page, permission=LIST, title=N_("Tickets"), order=30),
    Page("tickets/open", open_at_desk, permission=f"{DOMAIN}.{SERVICE_OPEN}", method="POST"),
    Page("tickets/report", report_page, permission=f"{DOMAIN}.{SERVICE_REPORT}", title=N_("Ticket report"),
         order=31),
    Page("tickets/{ticket}", ticket_page, permission=f"{DOMAIN}.{SERVICE_GET}"),
    Page("tickets/{ticket}/update", update, permission=f"{DOMAIN}.{SERVICE_UPDATE}", method="POST"),
)
FEEDS: Final = (Feed(EVENT_OPENED, N_("Ticket opened"), _detail, LIST),
                Feed(EVENT_OVERDUE, N_("Ticket overdue"), _detail, LIST))
