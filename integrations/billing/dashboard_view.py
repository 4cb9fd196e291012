"""What billing's pages share: the permission each needs (one per service, from the one table),
the labels of methods, parts and statuses, a bill's row as the lists show it, and the ids a
form carries so that sending it twice acts once."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

from xiaoqu.integrations.dashboard import N_

from .const import (
    DOMAIN,
    SERVICE_ARREARS,
    SERVICE_BANK_EXPORT,
    SERVICE_BANK_IMPORT,
    SERVICE_BILLS,
    SERVICE_CORRECT,
    SERVICE_EXTEND,
    SERVICE_PAY,
    SERVICE_REFUND,
    SERVICE_REISSUE,
    SERVICE_REPORT,
    SERVICE_RUN,
    SERVICE_VACANCY,
    SERVICE_WAIVE,
)

if TYPE_CHECKING:
    from .billing import Billing
    from .models import Bill


def permission(service: str) -> str:
    """``billing.<service>``: what a page or form needs, as the API's call of that service does."""
    return f"{DOMAIN}.{service}"


BILLS: Final = permission(SERVICE_BILLS)
ARREARS: Final = permission(SERVICE_ARREARS)
PAY: Final = permission(SERVICE_PAY)
RUN: Final = permission(SERVICE_RUN)
REPORT: Final = permission(SERVICE_REPORT)
BANK_EXPORT: Final = permission(SERVICE_BANK_EXPORT)
BANK_IMPORT: Final = permission(SERVICE_BANK_IMPORT)
ESCALATION: Final = permission("escalation")
APPROVE_STEP: Final = permission("approve_step")
#: The approved changes a household's page offers, each to the roles its service grants.
CHANGES: Final = {"waive": permission(SERVICE_WAIVE), "extend": permission(SERVICE_EXTEND),
                  "vacancy": permission(SERVICE_VACANCY), "correct": permission(SERVICE_CORRECT),
                  "refund": permission(SERVICE_REFUND), "reissue": permission(SERVICE_REISSUE)}

#: How the counter takes money (``billing.pay``'s ``method``).
METHODS: Final = {"cash": N_("Cash"), "transfer": N_("Bank transfer"), "terminal": N_("Card terminal")}
#: Every method a receipt may name (the counter's, the bank's, the payment providers').
METHOD_LABELS: Final = {**METHODS, "bank_collection": N_("Bank collection"), "wechat": N_("WeChat Pay"),
                        "online": N_("Online")}
PARTS: Final = {"late_fee": N_("Late fee"), "principal": N_("Principal")}
PAID, OWING, OVERDUE = "paid", "owing", "overdue"
STATUSES: Final = {PAID: N_("Paid"), OWING: N_("Not yet due"), OVERDUE: N_("Overdue")}
BADGES: Final = {PAID: "ok", OWING: "warn", OVERDUE: "bad"}
#: An arrears step's state in an episode (escalation's ``fired``/``pending``/``declined``).
STEP_STATES: Final = {"fired": N_("Taken"), "pending": N_("Waiting for approval"), "declined": N_("Declined")}


def new_id() -> str:
    """A form's payment or request id, made once when the form is drawn: the service applies an
    id once, so the form sent twice (a double click, a reload of the answer) acts once."""
    return f"dashboard-{secrets.token_hex(8)}"


@dataclass(frozen=True, slots=True)
class BillRow:
    """A bill as the lists show it: what it still owes (principal and late fee charged) and its status."""

    bill: str
    household: str
    period: str
    due: str
    total_fen: int
    outstanding_fen: int
    late_fen: int
    status: str
    signed: bool

    @property
    def badge(self) -> str:
        return BADGES[self.status]

    @property
    def label(self) -> str:
        return STATUSES[self.status]


def status_of(bill: Bill, owed: int, today: date) -> str:
    if not owed:
        return PAID
    return OVERDUE if bill.effective_due < today else OWING


def bill_row(billing: Billing, bill: Bill, today: date) -> BillRow:
    principal, late = billing.books.due(bill.id), billing.books.late(bill.id)
    return BillRow(bill.id, bill.household, bill.period, bill.effective_due.isoformat(), bill.total_fen, principal,
                   late, status_of(bill, principal + late, today), bill.signed is not None)
