"""Staff's notice pages on the dashboard: the send form beside the notices sent (each with how
many households signed, got it or were missed), and one notice's households with each channel's
delivery, exported as CSV or .xlsx; signing for a household (with a reason) and stopping a
scheduled or repeating notice.

Every act is the service as the signed-in user (``page.call``): the role's permission and the
audit apply as through the API, and a mistake in the form comes back as the service's sentence
naming the field (400), with nothing sent. Households are shown, never names or phones.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import yaml

from xiaoqu.integrations.dashboard import N_, Feed, Form, Page, PageRequest
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export

from .const import (
    DOMAIN,
    EVENT_ACKNOWLEDGED,
    EVENT_SENT,
    SERVICE_ACKNOWLEDGE,
    SERVICE_CANCEL,
    SERVICE_LIST,
    SERVICE_SEND,
    SERVICE_STATUS,
)
from .runtime import get_notices
from .schema import MAX_BODY, MAX_LIST_LIMIT

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.bus import Event

LIST: Final = f"{DOMAIN}.{SERVICE_LIST}"
STATUS: Final = f"{DOMAIN}.{SERVICE_STATUS}"
PAGE_SIZE: Final = 100
#: A recipient's status as staff read it, and its badge's colour.
STATUS_LABELS: Final = {"acknowledged": N_("Signed"), "sent": N_("Delivered"), "failed": N_("Not delivered"),
                        "pending": N_("Sending")}
BADGES: Final = {"acknowledged": "ok", "sent": "", "failed": "bad", "pending": "warn"}
NOTICE_LABELS: Final = {"scheduled": N_("Scheduled"), "sending": N_("Sending"), "sent": N_("Sent"),
                        "cancelled": N_("Cancelled")}
TARGETS: Final = (("all", N_("Everyone")), ("building", N_("A building")), ("unit", N_("A unit")),
                  ("household", N_("A household")))
#: The list's columns (the page's and the export's).
COLUMNS: Final = (("created_at", N_("Created")), ("notice_id", N_("Notice")), ("title", N_("Title")),
                  ("template", N_("Template")), ("ref", N_("Reference")), ("status", N_("Status")),
                  ("recipients", N_("Households")), ("acknowledged", N_("Signed")), ("sent", N_("Delivered")),
                  ("failed", N_("Not delivered")), ("pending", N_("Sending")), ("created_by", N_("Sent by")))
RECIPIENT_COLUMNS: Final = (("household", N_("Household")), ("status", N_("Status")),
                            ("channels", N_("Channels")), ("acknowledged_at", N_("Signed at")),
                            ("acknowledged_by", N_("Signed by")))


def _row(page: PageRequest, notice: dict[str, Any]) -> dict[str, Any]:
    return {**notice, **notice["deliveries"], "status_label": page.gettext(NOTICE_LABELS[notice["status"]])}


async def notices_page(page: PageRequest) -> web.Response:
    """The send form (for those who may send) and the notices, newest first."""
    fmt = wants_export(page)
    answer = await page.call(DOMAIN, SERVICE_LIST, {"limit": MAX_LIST_LIMIT if fmt else PAGE_SIZE},
                             return_response=True)
    rows = [_row(page, notice) for notice in (answer or {})["notices"]]
    if fmt is not None:
        return export_response(page, "notices", [page.gettext(heading) for _, heading in COLUMNS],
                               ([row["status_label"] if name == "status" else row.get(name) for name, _ in COLUMNS]
                                for row in rows), fmt)
    notices = get_notices(page.hub)
    csv_url, xlsx_url = export_urls(page)
    return page.render("notices/notices.html", notices=rows, columns=COLUMNS, csv_url=csv_url, xlsx_url=xlsx_url,
                       may_send=page.allows(f"{DOMAIN}.{SERVICE_SEND}"), targets=TARGETS,
                       templates=sorted(notices.templates), channels=list(notices.channels),
                       default_channels=notices.config["default_channels"], sent=page.query.get("sent"))


def _long(form: Form, name: str, label: str) -> str | None:
    """A text area (a body, the figures): longer than a line, at most a notice's body."""
    value = form.fields.get(name, "")
    if not isinstance(value, str):
        raise form.refuse(label, N_("expected text"))
    value = value.strip()
    if len(value) > MAX_BODY:
        raise form.refuse(label, N_("at most %(most)s characters"), most=MAX_BODY)
    return value or None


def _figures(form: Form) -> dict[str, Any]:
    """The template's figures, one ``key: value`` a line (YAML), as the notice's ``data``."""
    text = _long(form, "data", N_("Figures"))
    if text is None:
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        raise form.refuse(N_("Figures"), N_("expected key: value lines")) from None
    if not isinstance(data, dict):
        raise form.refuse(N_("Figures"), N_("expected key: value lines"))
    return data


async def send(page: PageRequest) -> web.Response:
    """The send form as ``notices.send``: a target, a template with its figures or a title and a
    body, the channels ticked (none: the site's defaults), a reference and a time."""
    form = await Form.of(page)
    kind = form.choice("target_kind", N_("Send to"), [value for value, _ in TARGETS])
    data: dict[str, Any] = {"to": {"all": True} if kind == "all" else {kind: form.required("target", N_("Which"))}}
    template = form.text("template", N_("Template"), required=False)
    if template is not None:
        data["template"] = template
        data["data"] = _figures(form)
    else:
        data["title"] = form.required("title", N_("Title"))
        data["body"] = _long(form, "body", N_("Body")) or ""
    for name, label in (("ref", N_("Reference")), ("at", N_("Send at"))):
        if (value := form.text(name, label, required=False)) is not None:
            data[name] = value
    if channels := [value for value in form.fields.getall("channels", []) if isinstance(value, str)]:
        data["channels"] = channels
    answer = await page.call(DOMAIN, SERVICE_SEND, data, return_response=True)
    return page.redirect(f"{page.request.path.rsplit('/', 1)[0]}?sent={(answer or {})['notice_id']}")


async def notice_page(page: PageRequest) -> web.Response:
    """One notice: its words and each household's deliveries; ``?format=`` exports the households."""
    notice_id = page.request.match_info["notice"]
    answer = await page.call(DOMAIN, SERVICE_STATUS, {"notice_id": notice_id}, return_response=True) or {}
    rows = [{**row, "status_label": page.gettext(STATUS_LABELS[row["status"]]), "badge": BADGES[row["status"]],
             "channels_text": " · ".join(f"{name}: {d['status']}" + (f" ({d['reason']})" if d["reason"] else "")
                                         for name, d in row["channels"].items())}
            for row in answer["recipients"]]
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, "notice-recipients", [page.gettext(h) for _, h in RECIPIENT_COLUMNS],
                               ([row["status_label"] if name == "status" else row["channels_text"]
                                 if name == "channels" else row.get(name) for name, _ in RECIPIENT_COLUMNS]
                                for row in rows), fmt)
    csv_url, xlsx_url = export_urls(page)
    notice = _row(page, answer["notice"])
    return page.render("notices/notice.html", notice=notice, recipients=rows, csv_url=csv_url, xlsx_url=xlsx_url,
                       may_sign=page.allows(f"{DOMAIN}.{SERVICE_ACKNOWLEDGE}"),
                       may_cancel=page.allows(f"{DOMAIN}.{SERVICE_CANCEL}") and notice["next_at"] is not None)


async def acknowledge_for(page: PageRequest) -> web.Response:
    """Staff sign for a household (signed on paper at the office), with the reason."""
    notice_id = page.request.match_info["notice"]
    form = await Form.of(page)
    await page.call(DOMAIN, SERVICE_ACKNOWLEDGE, {"notice_id": notice_id,
                                                  "household": form.required("household", N_("Household")),
                                                  "reason": form.required("reason", N_("Reason"))})
    return page.redirect(page.request.path.rsplit("/", 1)[0])


async def cancel(page: PageRequest) -> web.Response:
    notice_id = page.request.match_info["notice"]
    await page.call(DOMAIN, SERVICE_CANCEL, {"notice_id": notice_id})
    return page.redirect(page.request.path.rsplit("/", 1)[0])


def _detail(event: Event) -> str:
    data = event.data
    return " · ".join(str(part) for part in (data.get("notice_id"), data.get("template"), data.get("household"),
                                             data.get("ref")) if part)


PAGES: Final = (
    Page("notices", notices_page, permission=LIST, title=N_("Notices"), order=35),
    Page("notices/send", send, permission=f"{DOMAIN}.{SERVICE_SEND}", method="POST"),
    Page("notices/{notice}", notice_page, permission=STATUS),
    Page("notices/{notice}/acknowledge", acknowledge_for, permission=f"{DOMAIN}.{SERVICE_ACKNOWLEDGE}",
         method="POST"),
    Page("notices/{notice}/cancel", cancel, permission=f"{DOMAIN}.{SERVICE_CANCEL}", method="POST"),
)
FEEDS: Final = (Feed(EVENT_SENT, N_("Notice sent"), _detail, LIST),
                Feed(EVENT_ACKNOWLEDGED, N_("Notice signed"), _detail, LIST))
