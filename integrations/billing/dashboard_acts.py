"""The counter's forms on a household's account and the period's run: each calls its
``billing.*`` service as the signed-in user (the permission table and the audit log as for the
API) and shows what the service answered.

Amounts are typed in yuan and become fen exactly (:meth:`Form.fen`). A payment form carries a
payment id, and each approved change's form a request id, made when the form was drawn: the
services apply an id once and answer a repeat with the first answer (``repeat``), so a form
sent twice acts once and the second answer says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.money import yuan
from xiaoqu.integrations.dashboard import N_, Form, Page, PageRequest
from xiaoqu.integrations.dashboard.registry import MONEY

from .const import (
    DOMAIN,
    PARTS,
    SERVICE_CORRECT,
    SERVICE_EXTEND,
    SERVICE_PAY,
    SERVICE_REFUND,
    SERVICE_REISSUE,
    SERVICE_RUN,
    SERVICE_VACANCY,
    SERVICE_WAIVE,
)
from .dashboard_view import CHANGES, METHODS, PAY, RUN

if TYPE_CHECKING:
    from aiohttp import web

BILL: Final = N_("Bill")
REASON: Final = N_("Reason")


@dataclass(frozen=True, slots=True)
class Done:
    """What an act's answer page says: a title, the service's figures, the household's page."""

    title: str
    household: str | None
    lines: list[tuple[str, str]] = field(default_factory=list)
    repeated: bool = False


async def _call(page: PageRequest, service: str, data: dict[str, Any]) -> dict[str, Any]:
    answer = await page.call(DOMAIN, service, data, return_response=True)
    assert isinstance(answer, dict)
    return answer


def _done(page: PageRequest, done: Done) -> web.Response:
    return page.render("billing/done.html", done=done)


def _household(page: PageRequest) -> str:
    return page.request.match_info["household"]


def _approved(form: Form) -> dict[str, Any]:
    """The fields every approved change carries: the reason, the approver (the signed-in user
    when left empty) and the form's request id."""
    data = {"reason": form.required("reason", REASON), "request_id": form.required("request_id", N_("Request id"))}
    if (approver := form.text("approver", N_("Approver"), required=False)) is not None:
        data["approver"] = approver
    return data


def _bill_of(form: Form, household: str) -> str:
    """The form's bill, which must be this household's (a form cannot reach another's)."""
    bill = form.required("bill", BILL)
    if not bill.endswith(f":{household}"):
        raise form.refuse(BILL, N_("%(value)s is not a bill of this household"), value=bill)
    return bill


async def pay(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    household = _household(page)
    amount = form.fen("amount", N_("Amount (¥)"))
    data = {"household": household, "amount_fen": amount,
            "payment_id": form.required("payment_id", N_("Payment id")),
            "method": form.choice("method", N_("Paid by"), METHODS)}
    answer = await _call(page, SERVICE_PAY, data)
    lines = [(N_("Receipt no."), answer["receipt_no"]), (N_("Amount"), yuan(answer["amount_fen"])),
             *((f"{a['bill']} · {page.gettext(N_('Late fee') if a['part'] == 'late_fee' else N_('Principal'))}",
                yuan(a["amount_fen"])) for a in answer["allocated"]),
             (N_("Credit held"), yuan(answer["credit_fen"])), (N_("Payment id"), answer["payment_id"])]
    return _done(page, Done(N_("Payment taken"), household, lines, repeated=answer["repeat"]))


def _change_lines(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """The figures an approved change answers with, money as yuan."""
    return [(key, yuan(value) if key.endswith("_fen") and isinstance(value, int) else str(value))
            for key, value in answer.items() if key not in ("repeat", "context") and not isinstance(value, dict | list)]


async def _change(page: PageRequest, service: str, title: str, data: dict[str, Any]) -> web.Response:
    answer = await _call(page, service, data)
    return _done(page, Done(title, _household(page), _change_lines(answer), repeated=bool(answer.get("repeat"))))


async def waive(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    data = {"bill": _bill_of(form, _household(page)), "part": form.choice("part", N_("Part"), PARTS), **_approved(form)}
    if form.text("amount", N_("Amount (¥)"), required=False) is not None:
        data["amount_fen"] = form.fen("amount", N_("Amount (¥)"))
    return await _change(page, SERVICE_WAIVE, N_("Waived"), data)


async def extend(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    data = {"bill": _bill_of(form, _household(page)), "until": form.required("until", N_("Extend to")), **_approved(form)}
    return await _change(page, SERVICE_EXTEND, N_("Extended"), data)


async def vacancy(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    data = {"household": _household(page), "from": form.required("from", N_("From period")),
            "to": form.required("to", N_("To period")), "percent": form.required("percent", N_("Discount in per cent")),
            **_approved(form)}
    return await _change(page, SERVICE_VACANCY, N_("Vacancy discount recorded"), data)


async def correct(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    amount = form.fen("amount", N_("Amount (¥)"))
    if form.text("direction", N_("Direction"), required=False) == "less":
        amount = -amount
    data = {"bill": _bill_of(form, _household(page)), "item": form.required("item", N_("Fee item")),
            "amount_fen": amount, **_approved(form)}
    return await _change(page, SERVICE_CORRECT, N_("Corrected"), data)


async def refund(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    return await _change(page, SERVICE_REFUND, N_("Refunded"),
                         {"payment_id": form.required("payment_id", N_("Payment id")), **_approved(form)})


async def reissue(page: PageRequest) -> web.Response:
    form = await Form.of(page)
    return await _change(page, SERVICE_REISSUE, N_("Receipt re-issued"),
                         {"receipt_no": form.required("receipt_no", N_("Receipt no.")), **_approved(form)})


async def run_form(page: PageRequest) -> web.Response:
    billing_today = page.hub.clock.now().date()
    return page.render("billing/run.html", answer=None, period=f"{billing_today:%Y-%m}")


async def run(page: PageRequest) -> web.Response:
    """The period's run; the page shows its answer (a second run of the period issues nothing)."""
    form = await Form.of(page)
    period = form.required("period", N_("Period"))
    answer = await _call(page, SERVICE_RUN, {"period": period})
    return page.render("billing/run.html", answer=answer, period=period, yuan=yuan)


ACCOUNT: Final = "billing/households/{household}"
#: The forms' routes, each with the permission of the service it calls.
PAGES: Final = (
    Page("billing/run", run_form, permission=RUN, title=N_("Billing run"), order=52, group=MONEY),
    Page("billing/run", run, permission=RUN, method="POST"),
    Page(f"{ACCOUNT}/pay", pay, permission=PAY, method="POST"),
    Page(f"{ACCOUNT}/waive", waive, permission=CHANGES["waive"], method="POST"),
    Page(f"{ACCOUNT}/extend", extend, permission=CHANGES["extend"], method="POST"),
    Page(f"{ACCOUNT}/vacancy", vacancy, permission=CHANGES["vacancy"], method="POST"),
    Page(f"{ACCOUNT}/correct", correct, permission=CHANGES["correct"], method="POST"),
    Page(f"{ACCOUNT}/refund", refund, permission=CHANGES["refund"], method="POST"),
    Page(f"{ACCOUNT}/reissue", reissue, permission=CHANGES["reissue"], method="POST"),
)
