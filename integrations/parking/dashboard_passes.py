"""The monthly passes (月卡) as configured: each plate (masked) with its lot, holder and the day it
ends, soonest first; filtered by lot and by those ending within a week or a month (the office
calls their holders before the gate starts charging them), exported as the other lists are."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from xiaoqu.core.masking import mask_plate
from xiaoqu.integrations.dashboard import N_, PageRequest, refused
from xiaoqu.integrations.dashboard.export import export_response, export_urls, wants_export
from xiaoqu.integrations.dashboard.paging import Field, asked

from .dashboard_view import lot_choices, tabs
from .runtime import get_parking

if TYPE_CHECKING:
    from aiohttp import web

#: The "ending within" filter: days, and how the choice reads.
WITHIN: Final = (("7", N_("a week")), ("30", N_("a month")))
COLUMNS: Final = (N_("Plate"), N_("Lot"), N_("Holder"), N_("Valid until"), N_("Days left"))


@dataclass(frozen=True, slots=True)
class PassRow:
    plate: str
    lot: str
    name: str
    until: str  # the site's time, as a receipt shows it
    days_left: int  # whole days from today to its last day; negative once it ended

    @property
    def ended(self) -> bool:
        return self.days_left < 0


async def passes_page(page: PageRequest) -> web.StreamResponse:
    parking = get_parking(page.hub)
    fields = (Field("lot", N_("Lot"), choices=lot_choices(parking)),
              Field("within", N_("Ending within"), choices=WITHIN))
    filters = asked(page, ("lot", "within"))
    within = filters.get("within")
    if within is not None and within not in dict(WITHIN):
        raise refused(page, N_("Ending within"), N_("%(value)s is not one of the choices"), value=within)
    tz, now = parking.tz, page.hub.clock.time()
    today = datetime.fromtimestamp(now, tz).date()
    rows = []
    for card in sorted(parking.passes.values(), key=lambda card: card.until):
        ends = datetime.fromtimestamp(card.until - 1, tz)  # valid before ``until``: its last moment's day
        row = PassRow(mask_plate(card.plate), card.lot, card.name or "", f"{ends:%Y-%m-%d %H:%M}",
                      (ends.date() - today).days)
        if filters.get("lot") not in (None, card.lot) or within is not None and not 0 <= row.days_left <= int(within):
            continue
        rows.append(row)
    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, "parking-passes", [page.gettext(heading) for heading in COLUMNS],
                               ([row.plate, row.lot, row.name, row.until, row.days_left] for row in rows), fmt)
    return page.render("parking/passes.html", tabs=tabs(page), fields=fields, asked=filters, passes=rows,
                       exports=export_urls(page))
