"""The automations page: each automation with its alias, on/off, mode and when it last ran;
switched on and off (``automation.turn_on`` / ``turn_off``) and run now (``automation.trigger``)
as the signed-in user, so the permission table decides (managers may, guards may not) and the
audit log names them; and each automation's stored runs, one in full (traces.py).

The switches and the run button are shown only to roles that may use them; a form posted by
one that may not is refused before its handler runs, audited, and changes nothing.
"""
from __future__ import annotations

import re
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote

from aiohttp import web

from xiaoqu.core.automation.const import DATA_ENGINE, DOMAIN, MODE_PARALLEL, MODE_QUEUED, MODE_RESTART, MODE_SINGLE
from xiaoqu.core.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE

from ..const import ROOT
from ..i18n import when
from ..registry import N_
from . import traces
from .listing import Choice, Column, Listing
from .words import STATE_LABELS, labelled, user_name

if TYPE_CHECKING:
    from xiaoqu.core.automation.automation import Automation

    from ..request import PageRequest

TURN_ON: Final = f"{DOMAIN}.turn_on"
TURN_OFF: Final = f"{DOMAIN}.turn_off"
TRIGGER: Final = f"{DOMAIN}.trigger"
PAGE: Final = f"{ROOT}/automations"
#: A run's number, as traces number them.
RUN_ID: Final = re.compile(r"^[0-9]{1,12}$")
MAX_AUTOMATION_ID: Final = 255
#: What each mode does when a run is asked for while one is going (the config's word stays in the filter).
MODE_LABELS: Final = {MODE_SINGLE: N_("single"), MODE_RESTART: N_("restart"), MODE_QUEUED: N_("queued"),
                      MODE_PARALLEL: N_("parallel")}

LISTING: Final = Listing(
    name="automations", template="hub/automations.html",
    columns=(Column("alias", N_("Automation")), Column("entity_id", N_("Entity id")), Column("shown_state", N_("State")),
             Column("shown_mode", N_("Mode")), Column("last_triggered", N_("Last triggered")),
             Column("last_run", N_("Last run")), Column("id", N_("Id"))),
    choices=(Choice("state", N_("State"), label="shown_state"), Choice("mode", N_("Mode"), label="shown_mode")),
    search=("alias", "id", "entity_id"),
)


def _state(automation: Automation) -> str:
    return STATE_UNAVAILABLE if not automation.ok else STATE_ON if automation.enabled else STATE_OFF


def _row(page: PageRequest, automation: Automation) -> dict[str, Any]:
    last = automation.traces.last()
    state = _state(automation)
    return {
        "id": automation.id, "alias": automation.name, "entity_id": automation.entity_id, "state": state,
        "shown_state": labelled(page, STATE_LABELS, state), "mode": automation.runs.mode,
        "shown_mode": labelled(page, MODE_LABELS, automation.runs.mode),
        "last_triggered": when(automation.last_triggered, page.hub.clock.tz) if automation.last_triggered else "",
        "last_run": traces.outcome(page, last) if last is not None else "",
        "failed": last is not None and last.execution == "error", "running": automation.running,
        "errors": [str(error) for error in automation.errors],
    }


def _may(page: PageRequest) -> dict[str, bool]:
    """Which of the acts the signed-in user's role may use: only those are shown."""
    return {"may_turn_on": page.allows(TURN_ON), "may_turn_off": page.allows(TURN_OFF), "may_trigger": page.allows(TRIGGER)}


async def automations_page(page: PageRequest) -> web.StreamResponse:
    engine = page.hub.data[DATA_ENGINE]
    rows = [_row(page, automation) for automation in engine.automations.values()]
    return LISTING.answer(page, sorted(rows, key=lambda row: str(row["alias"]).casefold()), back=page.request.path_qs,
                          **_may(page))


def _automation(page: PageRequest) -> Automation | web.Response:
    """The automation the path names, or the page saying why there is none."""
    automation_id = page.request.match_info["automation_id"]
    if len(automation_id) > MAX_AUTOMATION_ID:
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("That is not an automation id."))
    found = page.hub.data[DATA_ENGINE].get(automation_id)
    if found is None:
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("There is no such automation."))
    return found


async def automation_page(page: PageRequest) -> web.StreamResponse:
    """One automation: its runs stored, newest first, and one of them in full (``?run=``, the
    newest by default)."""
    automation = _automation(page)
    if isinstance(automation, web.Response):
        return automation
    run_id = page.query.get("run", "").strip()
    if run_id and not RUN_ID.match(run_id):
        return page.message(HTTPStatus.BAD_REQUEST, page.gettext("A run is named by its number."))
    trace = automation.traces.get(run_id) if run_id else automation.traces.last()
    if run_id and trace is None:
        return page.message(HTTPStatus.NOT_FOUND, page.gettext("This automation has no run %(run)s stored.") % {"run": run_id})
    return page.render(
        "hub/automation.html", automation=_row(page, automation), warnings=[str(w) for w in automation.warnings],
        runs=[traces.summary(page, each) for each in reversed(list(automation.traces))],
        trace=traces.summary(page, trace) if trace else None,
        run_by=user_name(page, trace.context.user_id) if trace else "",
        steps=traces.steps(page, automation.config, trace) if trace else [], back=page.request.path_qs, **_may(page))


def _back(value: object, fallback: str) -> str:
    """Where a form goes back to: an automations page it came from, never anywhere else."""
    if isinstance(value, str) and value.startswith(PAGE) and "//" not in value and "\\" not in value:
        return value
    return fallback


async def _act(page: PageRequest, service: str) -> Automation | web.Response:
    """Call ``service`` on the automation the path names, as the signed-in user."""
    automation = _automation(page)
    if not isinstance(automation, web.Response):
        await page.call(DOMAIN, service, {"entity_id": automation.entity_id})
    return automation


async def _switch(page: PageRequest, service: str) -> web.Response:
    """On or off, then back to the page the switch was on."""
    done = await _act(page, service)
    return done if isinstance(done, web.Response) else page.redirect(_back((await page.form()).get("back"), PAGE))


async def turn_on(page: PageRequest) -> web.Response:
    return await _switch(page, "turn_on")


async def turn_off(page: PageRequest) -> web.Response:
    return await _switch(page, "turn_off")


async def run_now(page: PageRequest) -> web.Response:
    """Run its actions now (conditions skipped, as ``automation.trigger`` does), then show that run."""
    done = await _act(page, "trigger")
    return done if isinstance(done, web.Response) else page.redirect(f"{PAGE}/{quote(done.id, safe='')}")
