"""The guard's pages on the staff dashboard: the registration form beside today's visits (each
with its status and what may be done: answer for the host with a reason, show the pass again,
close it), and the visitor log, filtered and exported.

Every act is the service as the signed-in user (``page.call``), so the role's permission and the
audit apply as through the API, and a mistake in a form comes back as the service's sentence
naming the field (400), with nothing changed. Personal data is shown masked, as the log keeps it.
"""
from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.integrations.dashboard import N_, Feed, Page, PageRequest, ServiceRefused
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked
from xiaoqu.integrations.dashboard.registry import LOGS

from . import log
from .const import (
    ADMITTED,
    DOMAIN,
    EVENT_ANSWERED,
    EVENT_OVERSTAY,
    EVENT_REQUESTED,
    OPEN,
    PENDING,
    SERVICE_CHECKOUT,
    SERVICE_CONFIRM,
    SERVICE_LOG,
    SERVICE_PASS,
    SERVICE_REGISTER,
)
from .runtime import get_visitors
from .schema import MAX_LOG_LIMIT

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.bus import Event

REGISTER: Final = f"{DOMAIN}.{SERVICE_REGISTER}"
LOG: Final = f"{DOMAIN}.{SERVICE_LOG}"
#: A visit's status as staff read it (the badge's words), and the badge's colour.
STATUS_LABELS: Final = {"pending": N_("Waiting for the host"), "confirmed": N_("Confirmed"),
                        "refused": N_("Refused by the host"), "expired": N_("Expired unanswered"),
                        "overstay": N_("Overstaying"), "closed": N_("Visit closed")}
BADGES: Final = {"pending": "warn", "confirmed": "ok", "refused": "bad", "expired": "", "overstay": "bad",
                 "closed": ""}
#: The registration form's fields, as ``visitors.register`` takes them.
FORM: Final = ("name", "phone", "host_household", "plate", "purpose", "leave_by")
#: How far ahead the form's leave-by starts: a usual visit.
DEFAULT_STAY: Final = timedelta(hours=2)
LOG_FILTERS: Final = ("household", "date", "plate", "status")
LOG_FIELDS: Final = (Field("household", N_("Household"), "1-2-0601"), Field("date", N_("Day"), "2026-03-02"),
                     Field("plate", N_("Plate"), maxlength=20),
                     Field("status", N_("Status"), choices=tuple(STATUS_LABELS.items())))
PAGE_SIZE: Final = 100
#: The log's columns, in order (the page's and the export's): what it shows of a visit, masked.
COLUMNS: Final = (("registered_at", N_("Registered")), ("visit_id", N_("Visit")), ("household", N_("Household")),
                  ("name", N_("Visitor")), ("phone", N_("Phone")), ("plate", N_("Plate")),
                  ("purpose_name", N_("Purpose of the visit")), ("status", N_("Status")), ("leave_by", N_("Leave by")),
                  ("answered_by", N_("Answered by")), ("entered_at", N_("Entered")),
                  ("closed_at", N_("Left or closed")), ("closed_by", N_("Closed by")),
                  ("registered_by", N_("Registered by")))


def _row(page: PageRequest, shown: dict[str, Any]) -> dict[str, Any]:
    status = shown["status"]
    return {**shown, "status_label": page.gettext(STATUS_LABELS[status]), "badge": BADGES[status],
            "open": status in OPEN, "pending": status == PENDING,
            "has_pass": status in ADMITTED and bool((shown.get("passes") or {}).get("qr"))}


async def visitors_page(page: PageRequest) -> web.Response:
    """The form, and today's visits with every visit still open."""
    visitors = get_visitors(page.hub)
    leave_by = (page.hub.clock.now() + DEFAULT_STAY).replace(second=0, microsecond=0, tzinfo=None)
    purposes = {purpose: visitors.purpose_name(purpose) for purpose in visitors.purposes}
    rows = [_row(page, visitors.response(visit)) for visit in log.today(visitors)]
    return page.render("visitors/visitors.html", visits=rows, purposes=purposes,
                       leave_by=leave_by.isoformat(timespec="minutes"), registered=page.query.get("registered"),
                       may_answer=page.allows(f"{DOMAIN}.{SERVICE_CONFIRM}"),
                       may_close=page.allows(f"{DOMAIN}.{SERVICE_CHECKOUT}"),
                       may_show=page.allows(f"{DOMAIN}.{SERVICE_PASS}"))


async def _fields(page: PageRequest, names: tuple[str, ...]) -> dict[str, str]:
    """The form's text fields that were filled in (a file where text belongs is refused)."""
    form = await page.form()
    fields = {}
    for name in names:
        value = form.get(name, "")
        if not isinstance(value, str):
            raise ServiceRefused(page.message(HTTPStatus.BAD_REQUEST, page.gettext("Fill in text, not a file.")))
        if value.strip():
            fields[name] = value.strip()
    return fields


async def register(page: PageRequest) -> web.Response:
    answer = await page.call(DOMAIN, SERVICE_REGISTER, await _fields(page, FORM), return_response=True)
    return page.redirect(f"{page.request.path.rsplit('/', 1)[0]}?registered={(answer or {})['visit_id']}")


async def answer_for_host(page: PageRequest) -> web.Response:
    """Staff confirm or refuse for the host, with the reason; a pass issued is shown at once."""
    fields = await _fields(page, ("accept", "reason"))
    data = {"visit_id": page.request.match_info["visit"], "accept": fields.get("accept") == "yes",
            **({"reason": fields["reason"]} if "reason" in fields else {})}
    answer = await page.call(DOMAIN, SERVICE_CONFIRM, data, return_response=True) or {}
    if "token" in answer:
        return _pass_page(page, {"visit_id": answer["visit_id"], "token": answer["token"],
                                 **{key: answer["visit"]["passes"][key] for key in ("valid_until", "doors")}})
    return page.redirect(_back(page))


async def checkout(page: PageRequest) -> web.Response:
    fields = await _fields(page, ("reason",))
    await page.call(DOMAIN, SERVICE_CHECKOUT, {"visit_id": page.request.match_info["visit"], **fields})
    return page.redirect(_back(page))


async def show_pass(page: PageRequest) -> web.Response:
    """The pass again (audited by the service); asked with a POST, so no prefetch shows it."""
    answer = await page.call(DOMAIN, SERVICE_PASS, {"visit_id": page.request.match_info["visit"]},
                             return_response=True)
    return _pass_page(page, dict(answer or {}))


def _pass_page(page: PageRequest, shown: dict[str, Any]) -> web.Response:
    return page.render("visitors/pass.html", shown=shown, back=_back(page))


def _back(page: PageRequest) -> str:
    """The visitors page, from an act's path ``.../visitors/<visit>/<act>``."""
    return page.request.path.rsplit("/", 2)[0]


async def log_page(page: PageRequest) -> web.Response:
    """The log, newest first, filtered; ``?format=csv|xlsx`` downloads the rows the filters find."""
    filters = asked(page, LOG_FILTERS)
    fmt = wants_export(page)
    answer = await page.call(DOMAIN, SERVICE_LOG, {**filters, "limit": MAX_LOG_LIMIT if fmt else PAGE_SIZE},
                             return_response=True)
    rows = [_row(page, shown) for shown in (answer or {})["visits"]]
    if fmt is not None:
        return export_response(page, "visitor-log", [page.gettext(heading) for _, heading in COLUMNS],
                               ([row["status_label"] if name == "status" else row.get(name) for name, _ in COLUMNS]
                                for row in rows), fmt)
    csv_url, xlsx_url = export_urls(page)
    return page.render("visitors/log.html", visits=rows, fields=LOG_FIELDS, asked=filters, csv_url=csv_url,
                       xlsx_url=xlsx_url, columns=COLUMNS)


def _detail(event: Event) -> str:
    data = event.data
    return " · ".join(str(part) for part in (data.get("visit_id"), data.get("household"), data.get("name"),
                                             data.get("plate"), data.get("status")) if part)


PAGES: Final = (
    Page("visitors", visitors_page, permission=REGISTER, title=N_("Visitors"), order=25),
    Page("visitors/register", register, permission=REGISTER, method="POST"),
    Page("visitors/{visit}/answer", answer_for_host, permission=f"{DOMAIN}.{SERVICE_CONFIRM}", method="POST"),
    Page("visitors/{visit}/checkout", checkout, permission=f"{DOMAIN}.{SERVICE_CHECKOUT}", method="POST"),
    Page("visitors/{visit}/pass", show_pass, permission=f"{DOMAIN}.{SERVICE_PASS}", method="POST"),
    Page("visitors/log", log_page, permission=LOG, title=N_("Visitor log"), order=40, group=LOGS),
)
FEEDS: Final = (Feed(EVENT_REQUESTED, N_("Visitor registered"), _detail, LOG),
                Feed(EVENT_ANSWERED, N_("Visitor answered"), _detail, LOG),
                Feed(EVENT_OVERSTAY, N_("Visitor overstaying"), _detail, LOG))
