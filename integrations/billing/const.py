"""Names of billing: services, events, ledger accounts and kinds, store tables, audit acts, settings."""
from __future__ import annotations

from typing import TYPE_CHECKING, Final

from xiaoqu.core.hub_data import HubKey

if TYPE_CHECKING:
    from .billing import Billing

DOMAIN: Final = "billing"
#: The hub's one :class:`~xiaoqu.integrations.billing.billing.Billing`.
DATA_BILLING: Final[HubKey[Billing]] = HubKey(DOMAIN)

#: In the data dir: bills, receipts and staff's acts (a row store); the money (a ledger).
STORE_FILE: Final = "billing.db"
LEDGER_FILE: Final = "billing_ledger.db"
TABLE_BILLS: Final = "bills"
TABLE_RECEIPTS: Final = "receipts"
TABLE_ACTS: Final = "acts"
TABLE_READINGS: Final = "readings"
#: Bank collection (托收): households' mandates, the rows exported to the bank by reference, and
#: each row of the bank's result files by its key (:mod:`.bank`).
TABLE_MANDATES: Final = "mandates"
TABLE_COLLECTIONS: Final = "collections"
TABLE_BANK_ROWS: Final = "bank_rows"
TABLES: Final = (TABLE_BILLS, TABLE_RECEIPTS, TABLE_ACTS, TABLE_READINGS, TABLE_MANDATES, TABLE_COLLECTIONS,
                 TABLE_BANK_ROWS)

#: Ledger accounts. What a household owes on a bill (``due:<bill>``, its principal, floor 0) and
#: the late fee charged on it and not yet paid (``late:<bill>``, floor 0); the credit a household
#: holds (``credit:<household>``, a liability: the credit held is minus its balance); money taken
#: (``method:<method>``), fees earned (``income:<item>``, negative) and what was let off
#: (``waived:<part>``). See docs/billing.md ("The books").
DUE: Final = "due:"
LATE: Final = "late:"
CREDIT: Final = "credit:"
METHOD: Final = "method:"
INCOME: Final = "income:"
WAIVED: Final = "waived:"
INCOME_LATE_FEE: Final = "income:late_fee"

#: Ledger kinds; each posts under its own id prefix, so a repeat changes nothing.
KIND_BILL: Final = "billing_bill"  # bill:<bill>
KIND_CREDIT: Final = "billing_credit"  # credit:<bill> — credit held paying a new bill
KIND_LATE: Final = "billing_late_fee"  # late:<bill>:<occasion> — the late fee accrued until then
KIND_PAYMENT: Final = "billing_payment"  # pay:<payment_id>
KIND_WAIVER: Final = "billing_waiver"  # waive:<act>
KIND_CORRECTION: Final = "billing_correction"  # correct:<act>
KIND_REFUND: Final = "billing_refund"  # refund:<payment_id>, the reversal of pay:<payment_id>

#: The parts of a bill a payment or a waiver reaches.
PRINCIPAL: Final = "principal"
LATE_FEE: Final = "late_fee"
PARTS: Final = (PRINCIPAL, LATE_FEE)
#: The order a payment settles a bill in (setting ``allocation``).
LATE_FEE_FIRST: Final = "late_fee_first"
PRINCIPAL_FIRST: Final = "principal_first"
ALLOCATIONS: Final = (LATE_FEE_FIRST, PRINCIPAL_FIRST)

#: Fee item kinds: by floor area, per unit (space, pass, a fixed charge), by usage (meter
#: reading, a special service counted).
AREA: Final = "area"
PER_UNIT: Final = "per_unit"
USAGE: Final = "usage"
KINDS: Final = (AREA, PER_UNIT, USAGE)
#: Fee periods and the months each bills at once.
PERIOD_MONTHS: Final = {"monthly": 1, "quarterly": 3, "yearly": 12}

#: Rounding modes (settings ``rounding`` and ``late_fee.rounding``).
HALF_UP: Final = "half_up"
HALF_EVEN: Final = "half_even"
DOWN: Final = "down"
UP: Final = "up"
ROUNDINGS: Final = (HALF_UP, HALF_EVEN, DOWN, UP)

#: The purpose of billing's orders at the payments integration; the order's reference is the household.
PURPOSE: Final = "billing"
#: Notices: the fee notice's template and the ref that ties its acknowledgement to the bill.
NOTICE_TEMPLATE: Final = "fee_notice"
NOTICE_REF: Final = "billing:"
EVENT_NOTICE_ACKNOWLEDGED: Final = "notice_acknowledged"

EVENT_PAYMENT_APPLIED: Final = "billing.payment_applied"
EVENT_ARREARS_CLEARED: Final = "billing.arrears_cleared"

#: Audit acts (docs/billing.md lists them).
AUDIT_RUN: Final = "billing_run"
AUDIT_PAID: Final = "billing_paid"
AUDIT_WAIVED: Final = "billing_waived"
AUDIT_EXTENDED: Final = "billing_extended"
AUDIT_VACANCY: Final = "billing_vacancy"
AUDIT_REFUNDED: Final = "billing_refunded"
AUDIT_CORRECTED: Final = "billing_corrected"
AUDIT_REISSUED: Final = "billing_receipt_reissued"
AUDIT_MANDATE: Final = "billing_bank_mandate"
AUDIT_BANK_EXPORTED: Final = "billing_bank_exported"
AUDIT_BANK_IMPORTED: Final = "billing_bank_imported"
AUDIT_REPORT_EXPORTED: Final = "billing_report_exported"
#: The payment method, and the payment id's prefix, of money the bank collected.
BANK_METHOD: Final = "bank_collection"

SERVICE_LATE_FEE: Final = "late_fee"
SERVICE_RUN: Final = "run"
SERVICE_PAY: Final = "pay"
SERVICE_ARREARS: Final = "arrears"
SERVICE_BILLS: Final = "bills"
SERVICE_WAIVE: Final = "waive"
SERVICE_EXTEND: Final = "extend"
SERVICE_VACANCY: Final = "vacancy"
SERVICE_CORRECT: Final = "correct"
SERVICE_REFUND: Final = "refund"
SERVICE_REISSUE: Final = "reissue_receipt"
SERVICE_READING: Final = "reading"
SERVICE_BANK_MANDATE: Final = "bank_mandate"
SERVICE_BANK_EXPORT: Final = "bank_export"
SERVICE_BANK_IMPORT: Final = "bank_import"
SERVICE_BANK_UNMATCHED: Final = "bank_unmatched"
SERVICE_REPORT: Final = "report"
#: Finance runs periods, takes payments and grants waivers, extensions and vacancy discounts;
#: refunds and corrections are a manager's. A resident reads their own household's arrears
#: and bills only (the household their person lives in, whatever the call names).
ROLE_PERMISSIONS: Final = {
    "manager": [f"{DOMAIN}.*"],
    "finance": [f"{DOMAIN}.{s}" for s in (SERVICE_LATE_FEE, SERVICE_RUN, SERVICE_PAY, SERVICE_ARREARS, SERVICE_BILLS,
                                          SERVICE_WAIVE, SERVICE_EXTEND, SERVICE_VACANCY, SERVICE_REISSUE,
                                          SERVICE_READING, SERVICE_BANK_MANDATE, SERVICE_BANK_EXPORT,
                                          SERVICE_BANK_IMPORT, SERVICE_BANK_UNMATCHED, SERVICE_REPORT)],
    "resident": [f"{DOMAIN}.{SERVICE_ARREARS}", f"{DOMAIN}.{SERVICE_BILLS}", f"{DOMAIN}.{SERVICE_LATE_FEE}"],
}

#: Defaults of the ``billing:`` section: 0.3% of the overdue principal a day, no grace, half up.
DEFAULT_LATE_PERCENT: Final = "0.3"
DEFAULT_GRACE_DAYS: Final = 0
DEFAULT_DUE_DAY: Final = 15
