"""The gates on the staff dashboard: each barrier's state (closed, opening, open, closing,
stopped, fault, unavailable) with what is wrong and the last command, who gave it and why; a
guard's open with the reason the service requires (``barrier.open``, audited with who and why,
answered when the gate confirms or with why it did not); and the fault episodes of the last days,
read from the recorder's history of the gates' states.

Looking needs ``api.read`` (every staff role sees the gates, as the doors); opening needs
``barrier.open`` (guards, managers). The pages are registered whether or not the site runs the
dashboard.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth.permissions import API_READ
from xiaoqu.core.history.recording import KIND_STATE
from xiaoqu.integrations import dashboard
from xiaoqu.integrations.dashboard import N_, Form, Page, PageRequest
from xiaoqu.integrations.dashboard.const import ROOT
from xiaoqu.integrations.dashboard.registry import DEVICES

from .const import (
    ATTR_COMMAND_BY,
    ATTR_COMMAND_REASON,
    ATTR_FAULT,
    ATTR_FAULT_SINCE,
    ATTR_LAST_COMMAND,
    DOMAIN,
    SERVICE_OPEN,
    BarrierState,
)
from .runtime import get_barriers

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

PACKAGE: Final = Path(__file__).parent
OPEN: Final = f"{DOMAIN}.{SERVICE_OPEN}"
BASE: Final = f"{ROOT}/gates"
STATE_LABELS: Final = {BarrierState.CLOSED: N_("closed"), BarrierState.OPENING: N_("opening"),
                       BarrierState.OPEN: N_("open"), BarrierState.CLOSING: N_("closing"),
                       BarrierState.STOPPED: N_("stopped"), BarrierState.FAULT: N_("fault"),
                       BarrierState.UNAVAILABLE: N_("unavailable")}
BADGES: Final = {BarrierState.CLOSED: "ok", BarrierState.OPEN: "warn", BarrierState.OPENING: "warn",
                 BarrierState.CLOSING: "warn", BarrierState.STOPPED: "warn", BarrierState.FAULT: "bad",
                 BarrierState.UNAVAILABLE: "bad"}
DOWN: Final = (BarrierState.FAULT.value, BarrierState.UNAVAILABLE.value)
#: How far back the faults are listed, and how many states of all gates are read for them.
FAULT_DAYS: Final = 7
FAULT_STATES: Final = 2000


@dataclass(frozen=True, slots=True)
class Gate:
    entity_id: str
    name: str
    state: str  # a BarrierState's value, or "unknown" before the gate has said
    fault: str | None
    fault_since: str | None
    last_command: str | None
    command_by: str | None
    command_reason: str | None


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault episode: the gate, when it began, what was wrong (its last words seen)."""

    entity_id: str
    name: str
    since: str
    fault: str
    state: str


def _gates(page: PageRequest) -> list[Gate]:
    found = []
    for entity in sorted(get_barriers(page.hub).gates(), key=lambda entity: entity.entity_id or ""):
        if entity.entity_id is None:
            continue
        state = page.hub.states.get(entity.entity_id)
        attributes: dict[str, Any] = dict(state.attributes) if state is not None else {}
        found.append(Gate(entity.entity_id, entity.name or entity.entity_id,
                          state.state if state is not None else "unknown", attributes.get(ATTR_FAULT),
                          attributes.get(ATTR_FAULT_SINCE), attributes.get(ATTR_LAST_COMMAND),
                          attributes.get(ATTR_COMMAND_BY), attributes.get(ATTR_COMMAND_REASON)))
    return found


async def _faults(page: PageRequest, gates: list[Gate]) -> list[Fault]:
    """Each gate's fault episodes over the last days, newest first: its recorded states in fault
    or silent, one line per episode (``fault_since``), with the latest words for it."""
    since = page.hub.clock.time() - timedelta(days=FAULT_DAYS).total_seconds()
    episodes: dict[tuple[str, str], Fault] = {}
    for gate in gates:
        for record in await page.hub.recorder.query(KIND_STATE, subject=gate.entity_id, since=since,
                                                    limit=FAULT_STATES, newest_first=False):
            if record.data.get("removed") or record.data.get("s") not in DOWN:
                continue
            attributes = record.data.get("a") or {}
            began = str(attributes.get(ATTR_FAULT_SINCE) or "")
            episodes[(gate.entity_id, began)] = Fault(gate.entity_id, gate.name, began,
                                                      str(attributes.get(ATTR_FAULT) or ""), record.data["s"])
    return sorted(episodes.values(), key=lambda fault: fault.since, reverse=True)


async def gates_page(page: PageRequest) -> web.Response:
    gates = _gates(page)
    return page.render("barrier/gates.html", gates=gates, faults=await _faults(page, gates), labels=STATE_LABELS,
                       badges=BADGES, may_open=page.allows(OPEN), opened=page.query.get("opened"),
                       fault_days=FAULT_DAYS)


async def open_gate(page: PageRequest) -> web.Response:
    """A person raises the arm with the reason: the service waits for the gate to confirm and
    answers why when it does not (409), with the audit naming them."""
    form = await Form.of(page)
    entity_id = page.request.match_info["entity_id"]
    await page.call(DOMAIN, SERVICE_OPEN, {"entity_id": entity_id, "reason": form.required("reason", N_("Reason"))})
    return page.redirect(f"{BASE}?opened={entity_id}")


PAGES: Final = (
    Page("gates", gates_page, permission=API_READ, title=N_("Gates"), order=35, group=DEVICES),
    Page("gates/{entity_id}/open", open_gate, permission=OPEN, method="POST"),
)


def register_pages(hub: Hub) -> None:
    dashboard.register(hub, PACKAGE, pages=PAGES)
