"""The car park on the staff dashboard: the lots (:mod:`.dashboard_lots`), the sessions, the
guard's queue and the booth's acts (:mod:`.dashboard_sessions`) and the monthly passes
(:mod:`.dashboard_passes`), joined by a row of tabs.

Reading needs ``parking.sessions`` (guards, finance, managers); each act its service's
permission: a correction of a lot's count ``parking.set_occupancy`` (managers), cash at the
booth ``parking.pay`` (guards, finance, managers), a car let out by hand ``parking.open_gate``
(guards, managers). Acts are the services called as the signed-in user, checked and audited as
through the API. The pages are registered whether or not the site runs the dashboard.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Final

from xiaoqu.integrations import dashboard
from xiaoqu.integrations.dashboard import N_, Page
from xiaoqu.integrations.dashboard.registry import MONEY

from . import dashboard_lots, dashboard_passes, dashboard_reports, dashboard_sessions
from .dashboard_view import OPEN_GATE, PAY, REPORT, SESSIONS, SET_OCCUPANCY

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

PACKAGE: Final = Path(__file__).parent

PAGES: Final = (
    Page("parking", dashboard_lots.lots_page, permission=SESSIONS, title=N_("Parking"), order=26),
    Page("parking/lots/{lot}/occupancy", dashboard_lots.correct, permission=SET_OCCUPANCY, method="POST"),
    Page("parking/sessions", dashboard_sessions.list_page, permission=SESSIONS),
    Page("parking/attention", dashboard_sessions.attention_page, permission=SESSIONS),
    Page("parking/passes", dashboard_passes.passes_page, permission=SESSIONS),
    Page("parking/reports", dashboard_reports.reports_page, permission=REPORT, title=N_("Parking reports"), order=60,
         group=MONEY),
    Page("parking/sessions/{session}", dashboard_sessions.session_page, permission=SESSIONS),
    Page("parking/sessions/{session}/cash", dashboard_sessions.take_cash, permission=PAY, method="POST"),
    Page("parking/sessions/{session}/release", dashboard_sessions.release, permission=OPEN_GATE, method="POST"),
)


def register_pages(hub: Hub) -> None:
    dashboard.register(hub, PACKAGE, pages=PAGES)
