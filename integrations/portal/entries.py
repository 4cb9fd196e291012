"""Entry records: the household's own lines of the access log — who of the household went
through which door, when, how, and whether it opened.

The household is the resident's own, fixed by their session, never by the request: the page
reads access's log for that household only (and, filtered by a member, that person's records
of that household only), so nothing of any other household can be asked for. The log already
keeps credentials masked; people are named only when they are of the household.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.validation import vol
from xiaoqu.integrations.access import log
from xiaoqu.integrations.access.const import DATA_ACCESS
from xiaoqu.integrations.access.schema import LOG_SCHEMA, MAX_LOG_LIMIT
from xiaoqu.integrations.dashboard import N_
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.i18n import when
from xiaoqu.integrations.dashboard.paging import asked, older
from xiaoqu.integrations.residents import get_residents

from .const import ENTRIES_PAGE_SIZE

if TYPE_CHECKING:
    from aiohttp import web

    from .request import PortalRequest

#: The filters the page offers: a period (``from`` and ``to``, dates, both days included) and one
#: member of the household; ``end`` is where the link to older entries starts.
FILTERS: Final = ("from", "to", "member", "end")
COLUMNS: Final = (N_("Time"), N_("Where"), N_("Who"), N_("How"), N_("Result"))
#: How each kind of credential is named on the page (the log's ``type``).
HOW: Final = {"card": N_("By card"), "face": N_("By face"), "qr": N_("By QR pass"), "pin": N_("By PIN"),
              "plate": N_("By car plate"), "remote": N_("Opened by staff")}


@dataclass(frozen=True, slots=True)
class Entry:
    time: str
    where: str
    who: str
    how: str
    granted: bool
    reason: str


def _entry(page: PortalRequest, record: dict[str, Any], names: dict[str, str], doors: dict[str, str]) -> Entry:
    how = HOW.get(str(record.get("type")))
    credential = record.get("credential") or ""
    return Entry(
        record["time"], doors.get(record.get("door") or "", record.get("door") or ""),
        names.get(record.get("person") or "", ""),
        " ".join(part for part in (page.gettext(how) if how else "", credential if record.get("type") == "card" else "")
                 if part),
        bool(record.get("granted")), "" if record.get("granted") else str(record.get("reason") or ""))


def _period(filters: dict[str, str]) -> dict[str, str]:
    """``access.log``'s start and end: from the first day's start to the end of the last (or
    where the page before ended, going back). ValueError when a day is not a date, OverflowError
    when it has no day after it."""
    period = {}
    if "from" in filters:
        period["start"] = date.fromisoformat(filters["from"]).isoformat()
    if "to" in filters:
        period["end"] = (date.fromisoformat(filters["to"]) + timedelta(days=1)).isoformat()
    if "end" in filters:
        period["end"] = filters["end"]
    return period


async def entries(page: PortalRequest) -> web.Response:
    """The household's entries newest first, filtered, paged; ``?format=csv|xlsx`` exports them."""
    access = page.hub.data[DATA_ACCESS]
    filters = asked(page, FILTERS)
    members = {person.id: person.name for person in get_residents(page.hub).persons_of(page.household)
               if not person.erased}
    member = filters.get("member")
    if member is not None and member not in members:
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("Choose a member of your household."))
    fmt = wants_export(page)
    try:
        query = LOG_SCHEMA({**({"person": member} if member else {"household": page.household}), **_period(filters),
                            "limit": MAX_LOG_LIMIT if fmt else ENTRIES_PAGE_SIZE})
    except (ValueError, OverflowError, vol.Invalid):  # OverflowError: the day after 9999-12-31
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("From and To are dates, like 2026-03-02."))
    records = await log.query(access, query)
    doors = {door.id: door.name or door.id for door in access.doors.values()}
    shown = [_entry(page, record, members, doors) for record in records if record.get("household") == page.household]
    if fmt:
        return export_response(page, "entries", [page.gettext(heading) for heading in COLUMNS],
                               ([when(entry.time, page.hub.clock.tz), entry.where, entry.who, entry.how,
                                 page.gettext("Opened") if entry.granted else page.gettext("Refused")]
                                for entry in shown), fmt)
    return page.render("portal/entries.html", entries=shown, filters=filters, members=members,
                       older=older(page, filters, [record["time"] for record in records], ENTRIES_PAGE_SIZE),
                       exports=export_urls(page))
