"""What the car park's dashboard pages share: the permissions they need (each a service's, from
the one table), the words for a session's kind and status, and the row of tabs that joins the
pages, each shown only to the roles that may open it."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Final

from xiaoqu.integrations.dashboard import N_, PageRequest, refused
from xiaoqu.integrations.dashboard.const import ROOT

from .const import (
    AT_EXIT,
    DOMAIN,
    INSIDE,
    LEFT,
    PASS,
    RESIDENT,
    SERVICE_OPEN_GATE,
    SERVICE_PAY,
    SERVICE_REPORT,
    SERVICE_SESSIONS,
    SERVICE_SET_OCCUPANCY,
    TEMPORARY,
    VISITOR,
)

if TYPE_CHECKING:
    from .parking import Parking

#: Reading the car park (the lots, sessions, the guard's queue, passes): guards, finance, managers.
SESSIONS: Final = f"{DOMAIN}.{SERVICE_SESSIONS}"
PAY: Final = f"{DOMAIN}.{SERVICE_PAY}"
SET_OCCUPANCY: Final = f"{DOMAIN}.{SERVICE_SET_OCCUPANCY}"
OPEN_GATE: Final = f"{DOMAIN}.{SERVICE_OPEN_GATE}"
REPORT: Final = f"{DOMAIN}.{SERVICE_REPORT}"

BASE: Final = f"{ROOT}/parking"
KIND_LABELS: Final = {RESIDENT: N_("Resident"), PASS: N_("Monthly pass"), VISITOR: N_("Visitor"),
                      TEMPORARY: N_("Temporary")}
STATUS_LABELS: Final = {INSIDE: N_("Inside"), AT_EXIT: N_("At the exit, to pay"), LEFT: N_("Left")}
STATUS_BADGES: Final = {INSIDE: "ok", AT_EXIT: "warn", LEFT: ""}
#: The tabs over every parking page: where, its name, who may open it.
TABS: Final = ((BASE, N_("Lots"), SESSIONS), (f"{BASE}/sessions", N_("Sessions"), SESSIONS),
               (f"{BASE}/attention", N_("For the guard"), SESSIONS), (f"{BASE}/passes", N_("Monthly passes"), SESSIONS),
               (f"{BASE}/reports", N_("Reports"), REPORT))


def tabs(page: PageRequest) -> list[tuple[str, str, bool]]:
    """The tabs ``page``'s user may open: ``(url, label, current)``."""
    return [(url, label, page.request.path == url) for url, label, permission in TABS if page.allows(permission)]


def lot_choices(parking: Parking) -> tuple[tuple[str, str], ...]:
    """The lots as a filter's choices: id, and the name staff know it by."""
    return tuple((lot.id, lot.name) for lot in parking.lots.values())


def day(page: PageRequest, asked: dict[str, str], name: str, label: str) -> date | None:
    """The date typed in filter ``name`` (``2026-03-02``); a 400 naming the field when it is none."""
    text = asked.get(name)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise refused(page, label, N_("write a date like %(example)s"), example="2026-03-02") from None
