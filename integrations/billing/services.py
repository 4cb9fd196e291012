"""The billing services, one table: the contract's ``late_fee``, ``run``, ``pay`` and ``arrears``;
a household's bills; staff's approved changes (waive, extend, vacancy, correct, refund, a
receipt re-issued); a usage reading."""
from __future__ import annotations

from typing import Any, Final

from xiaoqu.core.services import ServiceCall, ServiceSpec, SupportsResponse

from . import reports
from .callers import approver, check_household
from .const import (
    SERVICE_ARREARS,
    SERVICE_BANK_EXPORT,
    SERVICE_BANK_IMPORT,
    SERVICE_BANK_MANDATE,
    SERVICE_BANK_UNMATCHED,
    SERVICE_BILLS,
    SERVICE_CORRECT,
    SERVICE_EXTEND,
    SERVICE_LATE_FEE,
    SERVICE_PAY,
    SERVICE_READING,
    SERVICE_REFUND,
    SERVICE_REISSUE,
    SERVICE_REPORT,
    SERVICE_RUN,
    SERVICE_VACANCY,
    SERVICE_WAIVE,
)
from .runtime import get_billing
from .schema import (
    BANK_EXPORT_SCHEMA,
    BANK_IMPORT_SCHEMA,
    BANK_MANDATE_SCHEMA,
    CORRECT_SCHEMA,
    EMPTY_SCHEMA,
    EXTEND_SCHEMA,
    HOUSEHOLD_SCHEMA,
    LATE_FEE_CALL,
    PAY_SCHEMA,
    READING_SCHEMA,
    REFUND_SCHEMA,
    REISSUE_SCHEMA,
    REPORT_SCHEMA,
    RUN_SCHEMA,
    VACANCY_SCHEMA,
    WAIVE_SCHEMA,
)


def late_fee(call: ServiceCall) -> dict[str, Any]:
    fee = get_billing(call.hub).late_fee(call.data["principal_fen"], call.data["days"])
    return {"late_fee_fen": fee.fen, "explanation": fee.explanation, "rule": get_billing(call.hub).rule.rule}


async def run(call: ServiceCall) -> dict[str, Any]:
    return await get_billing(call.hub).run(call.data["period"], call.context)


async def pay(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return await get_billing(call.hub).pay(data["household"], data["amount_fen"], data["payment_id"], data["method"],
                                           call.context)


def arrears(call: ServiceCall) -> dict[str, Any]:
    billing = get_billing(call.hub)
    household = call.data["household"]
    check_household(call.hub, call.context, household)
    billing.household_known(household)
    return billing.arrears(household).as_response()


async def bills(call: ServiceCall) -> dict[str, Any]:
    billing = get_billing(call.hub)
    household = call.data["household"]
    check_household(call.hub, call.context, household)
    billing.household_known(household)
    return {"household": household, "bills": await billing.bills_of(household)}


def _approval(call: ServiceCall) -> dict[str, Any]:
    return {"approver": approver(call.hub, call.context, call.data.get("approver")), "reason": call.data["reason"],
            "context": call.context, "request_id": call.data.get("request_id")}


async def waive(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return await get_billing(call.hub).waive(data["bill"], data["part"], data.get("amount_fen"), **_approval(call))


async def extend(call: ServiceCall) -> dict[str, Any]:
    return await get_billing(call.hub).extend(call.data["bill"], call.data["until"], **_approval(call))


async def vacancy(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return await get_billing(call.hub).vacancy(data["household"], data["from"], data["to"], data["percent"],
                                               data.get("items"), **_approval(call))


async def correct(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return await get_billing(call.hub).correct(data["bill"], data["item"], data["amount_fen"], **_approval(call))


async def refund(call: ServiceCall) -> dict[str, Any]:
    return await get_billing(call.hub).refund(call.data["payment_id"], **_approval(call))


async def reissue(call: ServiceCall) -> dict[str, Any]:
    return await get_billing(call.hub).reissue(call.data["receipt_no"], **_approval(call))


async def reading(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return await get_billing(call.hub).record_reading(data["household"], data["item"], data["period"],
                                                      data["quantity"])


async def bank_mandate(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    return await get_billing(call.hub).bank.mandate(data["household"], data["bank"], data["account"], data["holder"],
                                                    data["since"], data.get("until"))


async def bank_export(call: ServiceCall) -> dict[str, Any]:
    return await get_billing(call.hub).bank.export(call.data["period"])


async def bank_import(call: ServiceCall) -> dict[str, Any]:
    return await get_billing(call.hub).bank.import_result(call.data["text"], call.data["source"])


def bank_unmatched(call: ServiceCall) -> dict[str, Any]:
    return {"rows": get_billing(call.hub).bank.unmatched()}


async def report(call: ServiceCall) -> dict[str, Any]:
    data = call.data
    built = await reports.build(get_billing(call.hub), data["kind"], start=data.get("start"), end=data.get("end"))
    return built.as_dict()


SERVICES: Final = [
    ServiceSpec(SERVICE_LATE_FEE, late_fee, LATE_FEE_CALL,
                "The site's late fee on a principal overdue some days, with the arithmetic", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_RUN, run, RUN_SCHEMA,
                "Bill every household for a period (2026-03) once, each line explained; a second run issues nothing",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_PAY, pay, PAY_SCHEMA,
                "Apply a payment to a household's bills oldest first, the rest kept as credit, with a receipt; a "
                "repeated payment_id returns the first answer", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_ARREARS, arrears, HOUSEHOLD_SCHEMA,
                "What a household owes: outstanding, late fee, oldest due date, days and months overdue",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_BILLS, bills, HOUSEHOLD_SCHEMA,
                "A household's bills, newest first, with their lines, what each still owes and its signature",
                SupportsResponse.ONLY),
    ServiceSpec(SERVICE_WAIVE, waive, WAIVE_SCHEMA,
                "Waive a bill's late fee or principal (all or an amount), with approver and reason (audited)",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_EXTEND, extend, EXTEND_SCHEMA,
                "Extend a bill's due date, with approver and reason (audited)", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_VACANCY, vacancy, VACANCY_SCHEMA,
                "A vacant-unit discount (空置房) on a household's bills for some periods, with approver and reason",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_CORRECT, correct, CORRECT_SCHEMA,
                "Correct a bill by an amount of an item (a new entry; the bill as issued stays)",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_REFUND, refund, REFUND_SCHEMA,
                "Refund a payment as a reversal: its bills owe again, its receipt stays marked refunded",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_REISSUE, reissue, REISSUE_SCHEMA,
                "Re-issue a receipt under a new number; the original stays valid and names it",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_READING, reading, READING_SCHEMA,
                "Record a usage item's quantity (a meter reading, services counted) for a household and period",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_BANK_MANDATE, bank_mandate, BANK_MANDATE_SCHEMA,
                "Record a household's bank collection mandate (托收): bank, account and holder sealed, since when",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_BANK_EXPORT, bank_export, BANK_EXPORT_SCHEMA,
                "Make a period's bank collection rows (masked here; the file for the bank comes from the CLI)",
                SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_BANK_IMPORT, bank_import, BANK_IMPORT_SCHEMA,
                "Import the bank's result file: collected rows paid once, failed rows kept with the bank's reason, "
                "unmatched rows listed; importing it again changes nothing", SupportsResponse.OPTIONAL),
    ServiceSpec(SERVICE_REPORT, report, REPORT_SCHEMA,
                "A statement reconciled with the ledger: collection, receivables, ageing, income, arrears_list or "
                "collection_rate", SupportsResponse.ONLY),
    ServiceSpec(SERVICE_BANK_UNMATCHED, bank_unmatched, EMPTY_SCHEMA,
                "The bank result rows that moved no money, with why, for a person to resolve", SupportsResponse.ONLY),
]
