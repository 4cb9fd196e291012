"""The lots page: each lot's cars now (on their own spaces or passes, on temporary spaces, and
the spaces free), what its displays show, a chart of the cars inside over today from the
recorder's history of its free-spaces sensor, and for managers the correction after a walk
round (``parking.set_occupancy``, audited with the reason).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.integrations.dashboard import N_, Form, PageRequest
from xiaoqu.integrations.dashboard.hub_pages import history

from .const import DOMAIN, SERVICE_SET_OCCUPANCY
from .dashboard_view import BASE, SET_OCCUPANCY, tabs
from .displays import guidance_lines
from .runtime import get_parking

if TYPE_CHECKING:
    from aiohttp import web

    from .occupancy import Count

#: The most cars a correction may say a lot holds, as the service takes it.
MOST_CARS: Final = 100_000


@dataclass(frozen=True, slots=True)
class LotView:
    """One lot as its box shows it."""

    id: str
    name: str
    capacity: int
    own: int  # cars on their household's space, with a pass, or residents parking free
    temporary: int  # cars on the lot's temporary spaces (temporary cars and visitors)
    temporary_spaces: int
    free: int
    temporary_free: int
    shown: list[str]
    chart: dict[str, Any] | None


def sensor_of(lot_id: str) -> str:
    """The lot's free-spaces sensor (docs/parking.md: ``sensor.<lot>_free_spaces``)."""
    return f"sensor.{lot_id}_free_spaces"


async def _chart(page: PageRequest, count: Count) -> dict[str, Any] | None:
    """Cars counted inside the lot since midnight (its capacity less the sensor's free spaces),
    as a line; None before the recorder has anything for today."""
    hub, tz = page.hub, page.hub.clock.tz
    now = hub.clock.time()
    midnight = datetime.combine(datetime.fromtimestamp(now, tz).date(), time(), tzinfo=tz).timestamp()
    asked = history.Period(midnight, now + 1)
    entity_id = sensor_of(count.lot.id)
    changes = await history.changes(hub, entity_id, asked, hub.states.get(entity_id))
    inside = [history.Change(change.time, str(count.lot.capacity - int(free)), change.user)
              for change in changes if (free := history.number(change.state)) is not None]
    if not inside:
        return None
    return history.chart(inside, history.shown(inside, asked, now), tz, page.gettext("Cars inside"), None)


async def lots_page(page: PageRequest) -> web.Response:
    parking = get_parking(page.hub)
    lots = []
    for lot in parking.lots.values():
        count = parking.occupancy[lot.id]
        lots.append(LotView(lot.id, lot.name, lot.capacity, count.occupied - count.temporary, count.temporary,
                            lot.temporary_spaces, count.free, count.temporary_free, guidance_lines(count),
                            await _chart(page, count)))
    return page.render("parking/lots.html", tabs=tabs(page), lots=lots, may_correct=page.allows(SET_OCCUPANCY),
                       corrected=page.query.get("corrected"))


def _cars(form: Form, name: str, label: str, *, required: bool) -> int | None:
    """A count of cars typed in the form: a whole number from 0."""
    text = form.text(name, label, required=required)
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) > MOST_CARS:
        raise form.refuse(label, N_("expected a whole number of cars from 0 to %(most)s"), most=MOST_CARS)
    return int(text)


async def correct(page: PageRequest) -> web.Response:
    """A manager's count after a walk round, with the reason: the service audits it."""
    form = await Form.of(page)
    data: dict[str, Any] = {"lot": page.request.match_info["lot"],
                            "occupied": _cars(form, "occupied", N_("Cars inside"), required=True),
                            "reason": form.required("reason", N_("Reason"))}
    temporary = _cars(form, "temporary", N_("On temporary spaces"), required=False)
    if temporary is not None:
        data["temporary"] = temporary
    await page.call(DOMAIN, SERVICE_SET_OCCUPANCY, data)
    return page.redirect(f"{BASE}?corrected={data['lot']}")
