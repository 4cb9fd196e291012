"""Escalation approvals on the dashboard: the arrears steps waiting for a manager (a month's
grace, the legal route), each with the household's figures and the rule that reached it, and
the manager's decision — approve or decline, with the reason — through ``billing.approve_step``
as the signed-in user (audited as ``billing_step_approved``/``billing_step_declined``).

Finance reads the list (``billing.escalation``); only managers decide (``billing.approve_step``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, Form, Page, PageRequest

from .const import DOMAIN
from .dashboard_view import APPROVE_STEP, STEP_STATES
from .escalation import PENDING, SERVICE_APPROVE_STEP, SERVICE_ESCALATION, get_escalation

if TYPE_CHECKING:
    from aiohttp import web

DECISIONS: Final = {"approve": True, "decline": False}


async def approvals_page(page: PageRequest) -> web.Response:
    """Every step waiting for approval, and the latest decisions of the open episodes."""
    try:
        get_escalation(page.hub)
    except ServiceValidationError:  # no escalation: section; the page says so
        return page.render("billing/approvals.html", waiting=[], decided=[], configured=False)
    described = await page.call(DOMAIN, SERVICE_ESCALATION, {}, return_response=True)
    assert isinstance(described, dict)
    names = {step["id"]: step["name"] for step in described["steps"]}
    waiting: list[dict[str, Any]] = []
    decided: list[dict[str, Any]] = []
    for record in described["households"]:
        for step_id, doc in record["steps"].items():
            row = {"household": record["household"], "episode": record["episode"], "step": step_id,
                   "name": names.get(step_id, step_id), **doc}
            if record["open"] and doc["state"] == PENDING:
                waiting.append(row)
            elif doc.get("by"):
                decided.append(row)
    waiting.sort(key=lambda row: (row["on"], row["household"]))
    decided.sort(key=lambda row: row.get("decided") or "", reverse=True)
    return page.render("billing/approvals.html", waiting=waiting, decided=decided[:50], configured=True,
                       may_decide=page.allows(APPROVE_STEP), step_states=STEP_STATES, yuan=yuan)


async def decide(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    data = {"household": form.required("household", N_("Household")), "step": form.required("step", N_("Step")),
            "approve": DECISIONS[form.choice("decision", N_("Decision"), DECISIONS)],
            "reason": form.required("reason", N_("Reason"))}
    answer = await page.call(DOMAIN, SERVICE_APPROVE_STEP, data, return_response=True)
    assert isinstance(answer, dict)
    title = N_("Step approved") if data["approve"] else N_("Step declined")
    return page.render("billing/done.html", done={"title": title, "household": data["household"], "repeated": False,
                                                  "lines": [(N_("Step"), answer["step"]), (N_("Rule"), answer["rule"])]})


PAGES: Final = (Page("billing/approvals/decide", decide, permission=APPROVE_STEP, method="POST"),)
