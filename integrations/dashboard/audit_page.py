"""The audit log on the staff dashboard, for those the API lets read it (``api.read_audit``):
newest first, filtered by act, user and time, with whether the hash chain holds over the rows
shown, exported as CSV or .xlsx. Reading it is audited as reading it through the API is."""
from __future__ import annotations

import json
from datetime import datetime
from http import HTTPStatus
from typing import TYPE_CHECKING, Final

from xiaoqu.core.auth import Actor
from xiaoqu.core.auth.audit import AUDIT_READ, verify

from .const import PAGE_SIZE, SOURCE_DASHBOARD
from .export import export_response, export_urls, wants_export
from .i18n import when
from .paging import Field, asked, older
from .registry import N_

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.recorder import Record

    from .request import PageRequest

FILTERS: Final = ("act", "user", "start", "end")
FIELDS: Final = (Field("act", N_("Act")), Field("user", N_("User")), Field("start", N_("From"), "2026-03-02 08:00"),
                 Field("end", N_("Until"), "2026-03-02 18:00"))
#: The export's rows at most: a month of a busy site's acts; narrow the time for more.
EXPORT_LIMIT: Final = 1000
#: Fields every record has, shown in their own columns; the rest are its details.
COLUMNS: Final = ("act", "by", "source", "ip")
HEADINGS: Final = (N_("Time"), N_("Act"), N_("By"), N_("Source"), N_("IP"), N_("Details"))
#: What the chain needs and staff do not.
HIDDEN: Final = (*COLUMNS, "prev", "hash")


class BadFilter(ValueError):
    """A filter the page cannot read; its message says which."""


def _moment(page: PageRequest, value: str | None) -> float | None:
    """A time typed on the page (``2026-03-02 08:00``, in the site's time zone) as epoch seconds."""
    if value is None:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise BadFilter(page.gettext("Times are written like 2026-03-02 or 2026-03-02 18:00.")) from None
    return (at if at.tzinfo is not None else at.replace(tzinfo=page.hub.clock.tz)).timestamp()


def _subject(page: PageRequest, name: str | None) -> str | None:
    """The id records of user ``name`` are kept under: the audit log is indexed by it."""
    if name is None:
        return None
    user = page.dashboard.access.manager.user_by_name(name)
    if user is None:
        raise BadFilter(page.gettext("There is no such user."))
    return user.id


async def _read(page: PageRequest, filters: dict[str, str], limit: int) -> list[Record]:
    return await page.dashboard.access.manager.audit.read(
        subject=_subject(page, filters.get("user")), act=filters.get("act"),
        since=_moment(page, filters.get("start")), until=_moment(page, filters.get("end")), limit=limit)


def _chain(records: list[Record], filtered: bool) -> list[str]:
    """The chain's breaks among the rows shown, and only those, so the check costs what the page
    does. A filter leaves gaps between rows, so then each row's own hash is checked alone."""
    in_order = sorted(records, key=lambda record: record.seq)
    if filtered:
        return [found for record in in_order for found in verify([record]).breaks]
    return verify(in_order).breaks


def _details(record: Record) -> str:
    """What the act was about, compactly: the fields beyond the columns, as JSON."""
    rest = {key: value for key, value in record.data.items() if key not in HIDDEN}
    return json.dumps(rest, ensure_ascii=False, separators=(",", ":"), sort_keys=True) if rest else ""


def _audit_read(page: PageRequest, filters: dict[str, str]) -> None:
    actor = Actor.for_user(page.user, SOURCE_DASHBOARD, page.request.remote)
    page.dashboard.access.manager.audit.record(AUDIT_READ, actor, filters=filters)


def _export(page: PageRequest, records: list[Record], fmt: str) -> web.Response:
    tz = page.hub.clock.tz
    return export_response(page, "audit-log", [page.gettext(heading) for heading in HEADINGS],
                           ([when(record.time, tz), *(record.data.get(name) or "" for name in COLUMNS), _details(record)]
                            for record in records), fmt)


async def audit_page(page: PageRequest) -> web.Response:
    """The audit log newest first, filtered and paged, with the chain's state over its rows;
    ``?format=csv`` or ``xlsx`` exports the rows the filters find (up to ``EXPORT_LIMIT``)."""
    filters = asked(page, FILTERS)
    fmt = wants_export(page)
    try:
        records = await _read(page, filters, PAGE_SIZE if fmt is None else EXPORT_LIMIT)
    except BadFilter as err:
        return page.message(HTTPStatus.BAD_REQUEST, str(err))
    _audit_read(page, filters)
    if fmt is not None:
        return _export(page, records, fmt)
    times = [datetime.fromtimestamp(record.time, page.hub.clock.tz).isoformat() for record in records]
    csv_url, xlsx_url = export_urls(page)
    return page.render("audit.html", records=records, asked=filters, fields=FIELDS, columns=COLUMNS, details=_details,
                       breaks=_chain(records, "act" in filters or "user" in filters),
                       older=older(page, filters, times, PAGE_SIZE), csv_url=csv_url, xlsx_url=xlsx_url)
