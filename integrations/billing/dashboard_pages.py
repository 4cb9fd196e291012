"""Billing's pages, registered from its set-up: on the staff dashboard under Money (bills, a
household's account and the counter's forms, the period's run, arrears, reports, bank
collection, escalation approvals) and the residents' portal's Bills tab.

Each page needs the permission of the service it reads or calls (docs/security.md's table):
finance and managers see the money; managers alone refund, correct and approve steps.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from xiaoqu.integrations import portal
from xiaoqu.integrations.dashboard import N_, Page, register
from xiaoqu.integrations.dashboard.registry import MONEY

from . import dashboard_acts, dashboard_approvals, dashboard_bank
from .dashboard_bills import bills_page, household_page
from .dashboard_reports import arrears_page, reports_page
from .dashboard_view import BANK_EXPORT, BILLS, ESCALATION, REPORT
from .portal_bills import PORTAL_PAGES

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

PACKAGE = Path(__file__).parent


def register_pages(hub: Hub) -> None:
    """The dashboard's pages when it runs, the portal's tab when the portal runs."""
    register(hub, PACKAGE, pages=(
        Page("billing", bills_page, permission=BILLS, title=N_("Bills"), order=50, group=MONEY),
        Page("billing/arrears", arrears_page, permission=REPORT, title=N_("Arrears"), order=51, group=MONEY),
        *dashboard_acts.PAGES,
        Page("billing/reports", reports_page, permission=REPORT, title=N_("Billing reports"), order=53,
             group=MONEY),
        Page("billing/bank", dashboard_bank.bank_page, permission=BANK_EXPORT, title=N_("Bank collection"),
             order=54, group=MONEY),
        *dashboard_bank.PAGES,
        Page("billing/approvals", dashboard_approvals.approvals_page, permission=ESCALATION,
             title=N_("Arrears approvals"), order=55, group=MONEY),
        *dashboard_approvals.PAGES,
        Page(dashboard_acts.ACCOUNT, household_page, permission=BILLS),
    ))
    portal.register(hub, PACKAGE, pages=PORTAL_PAGES)
