"""The entities page: every entity with its state, name, area, domain and last change,
filtered, paged and exported; and one entity's page with its attributes, its history over a
chosen period (a chart for measurements, a timeline for words) and its logbook lines.

Reading is ``api.read``, as ``/api/states`` and ``/api/history`` are.
"""
from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.automation.const import EVENT_AUTOMATION_TRIGGERED
from xiaoqu.core.masking import masked, masked_state
from xiaoqu.core.script.const import EVENT_SCRIPT_STARTED
from xiaoqu.core.states import valid_entity_id

from ..export import export_response, wants_export
from ..i18n import when
from ..paging import link
from ..registry import N_
from . import history
from .inventory import Inventory
from .listing import Choice, Column, Listing, Typed
from .words import duration, state_label, user_name

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.recorder import Record
    from xiaoqu.core.states import State

    from ..request import PageRequest

#: The most of an entity id the page reads before saying it is not one.
MAX_ENTITY_ID: Final = 255
#: The most of a file name the export takes.
EXPORT_NAME: Final = 63

LISTING: Final = Listing(
    name="entities", template="hub/entities.html",
    columns=(Column("entity_id", N_("Entity id")), Column("name", N_("Entity name")), Column("shown", N_("State")),
             Column("area", N_("Area")), Column("domain", N_("Domain")), Column("device", N_("Device")),
             Column("last_changed", N_("Last changed"))),
    choices=(Choice("domain", N_("Domain")), Choice("area", N_("Area"))),
    search=("entity_id", "name", "device"),
    typed=(Typed("state", N_("State"), keys=("state", "shown")),),
)
#: The history's export: each change of state in the period.
HISTORY_COLUMNS: Final = (N_("Time"), N_("State"), N_("Set by"))


def entity_row(page: PageRequest, state: State, inventory: Inventory) -> dict[str, Any]:
    device = inventory.device(state.entity_id)
    return {
        "entity_id": state.entity_id, "name": state.name, "domain": state.domain,
        "state": masked_state(state.state, state.attributes.get(history.UNIT)),
        "shown": state_label(page, state.state, state.attributes.get(history.UNIT)),
        "area": inventory.area(state), "device": device.display_name if device else "",
        "device_id": device.id if device else "", "last_changed": when(state.last_changed, page.hub.clock.tz),
    }


async def entities_page(page: PageRequest) -> web.StreamResponse:
    inventory = Inventory.read(page.hub)
    rows = [entity_row(page, state, inventory)
            for state in sorted(page.hub.states.all(), key=lambda state: state.entity_id)]
    return LISTING.answer(page, rows)


def _attribute(value: Any) -> str:
    """An attribute's value as text: words as they are, the rest as compact JSON; masked."""
    if value is None:
        return "—"
    return masked(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str,
                                                                       separators=(", ", ": ")))


def _logbook_line(page: PageRequest, record: Record) -> str:
    """What a logbook entry about the entity says, in the reader's words."""
    data = record.data
    if data.get("event") == EVENT_AUTOMATION_TRIGGERED:
        return page.gettext("triggered by %(source)s") % {"source": data.get("source") or page.gettext("a trigger")}
    if data.get("event") == EVENT_SCRIPT_STARTED:
        return page.gettext("started")
    return masked(f"{data.get('name') or ''}: {data.get('message') or ''}")


def _lines(page: PageRequest, changes: list[history.Change], entries: list[Record], measured: bool
           ) -> list[dict[str, Any]]:
    """The logbook: each change of state (not a measurement's: the chart shows those) and each
    entry, newest first."""
    lines: list[dict[str, Any]] = [
        {"time": entry.time, "text": _logbook_line(page, entry), "by": user_name(page, entry.data.get("u"))}
        for entry in entries]
    if not measured:
        lines += [{"time": change.time, "text": page.gettext("became %(state)s") % {"state": state_label(page, change.state)},
                   "by": user_name(page, change.user)} for change in changes]
    return sorted(lines, key=lambda line: line["time"], reverse=True)[:history.LOGBOOK_LINES]


async def entity_page(page: PageRequest) -> web.StreamResponse:
    """One entity: its attributes, its history over the period asked and its logbook;
    ``?format=`` exports its changes of state over the period."""
    entity_id = page.request.match_info["entity_id"]
    if len(entity_id) > MAX_ENTITY_ID or not valid_entity_id(entity_id):
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext(
            "%(entity_id)s is not an entity id: they are written domain.name, like sensor.gate_1_temperature.")
            % {"entity_id": entity_id[:64]})
    state = page.hub.states.get(entity_id)
    if state is None:
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("There is no entity %(entity_id)s.") % {"entity_id": entity_id})
    tz, now = page.hub.clock.tz, page.hub.clock.time()
    try:
        asked = history.period(page.query.get("start", "").strip(), page.query.get("end", "").strip(), now, tz)
        changes = await history.changes(page.hub, entity_id, asked, state)
    except history.BadPeriod as bad:
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext(bad.message) % bad.values)
    fmt = wants_export(page)
    if fmt is not None:
        name = f"history-{entity_id.replace('.', '-')}"[:EXPORT_NAME]
        return export_response(page, name, [page.gettext(heading) for heading in HISTORY_COLUMNS],
                               ([when(change.time, tz), change.state, user_name(page, change.user)]
                                for change in changes),
                               fmt)
    measured = history.numeric(changes)
    unit = state.attributes.get(history.UNIT)
    window = history.shown(changes, asked, now)
    spans = [] if measured else history.spans(changes, window)
    inventory = Inventory.read(page.hub)
    span = {"start": asked.field(tz, "start"), "end": asked.field(tz, "end")}
    return page.render(
        "hub/entity.html", entity=entity_row(page, state, inventory), state=state,
        attributes=sorted((name, _attribute(value)) for name, value in state.attributes.items()),
        registered=page.hub.entity_registry.get(entity_id), period=span,
        quick=[(duration(page, quick.total_seconds()),
                link(page, {"start": history.Period(now - quick.total_seconds(), now).field(tz, "start")}))
               for quick in history.QUICK_SPANS],
        chart=history.chart(changes, window, tz, state.name, unit) if measured else None, window=window,
        spans=[span for span in spans if span.width >= history.THINNEST],
        stretches=spans[::-1][:history.LOGBOOK_LINES],
        lines=_lines(page, changes, await history.logbook(page.hub, entity_id, asked), measured),
        label=lambda value: state_label(page, value), duration=lambda seconds: duration(page, seconds),
        export_csv=link(page, {**span, "format": "csv"}), export_xlsx=link(page, {**span, "format": "xlsx"}))

