"""Bank collection (托收): households that signed a mandate are debited by their bank each period.

Chinese banks have no one batch-collection format (each bank's corporate channel has its own
template), so billing defines one CSV layout with the fields those templates share, and a site
maps it to its bank's template once (docs/billing.md, "Bank collection", gives both files
column by column):

- **The collection file** (``export``): one row per household with a mandate that owes on
  bills of the period or before, the amount being what it owes that day (principal and late
  fee) in yuan. Each row carries our reference (业务参考号) ``TS<period>-<household>``: the bank
  returns it in its result file, which is how a result row finds its bills.
- **The result file** (``import_result``): the bank's answer per row, with its own serial
  (银行流水号). A row that succeeded is a payment with the id ``bank:<serial>``, applied once
  like any payment (oldest bill first); a failed row is recorded with the bank's reason and
  the bills stay owing; a row whose reference is unknown, whose account is not the one
  exported, or whose amount is not the one asked for, moves no money and is listed
  (``unmatched``) for a person to resolve. Every row is kept by its key, so importing the same
  file again changes nothing.

Account numbers and holders' names are personal data: sealed at rest under residents' key,
shown masked; the clear account goes only into the file written for the bank (audited).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.masking import mask_middle, mask_name
from xiaoqu.core.money import fen_of, yuan
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.residents.personal import Personal, Sealed

from .const import BANK_METHOD, TABLE_BANK_ROWS, TABLE_COLLECTIONS, TABLE_MANDATES
from .fees import add_months, parse_period

if TYPE_CHECKING:
    from .billing import Billing

#: The collection file's columns: (key, header as the bank's template names it).
EXPORT_COLUMNS: Final = (("seq", "序号"), ("reference", "业务参考号"), ("account", "付款账号"),
                         ("holder", "户名"), ("bank", "开户行"), ("amount", "金额"), ("currency", "币种"),
                         ("purpose", "用途"), ("household", "房号"))
#: The result file's columns, by the headers the bank's file uses (Chinese) or their keys.
RESULT_HEADERS: Final = {"业务参考号": "reference", "付款账号": "account", "金额": "amount", "处理结果": "status",
                         "失败原因": "reason", "银行流水号": "serial"}
REQUIRED: Final = ("reference", "account", "amount", "status")
#: How the bank words a row's outcome.
SUCCEEDED: Final = ("成功", "success", "ok")
FAILED: Final = ("失败", "failed", "fail")
#: What became of a result row.
PAID, FAILED_ROW, UNMATCHED = "paid", "failed", "unmatched"
#: The most rows a result file may hold (a site of 10,000 households, many times over).
MAX_ROWS: Final = 100_000


def mask_account(account: str) -> str:
    """``6222021234567890123`` → ``6222***********0123``: the bank's prefix and the last four, as
    a bank's own letter shows an account."""
    return mask_middle(account, 4, 4)


@dataclass(slots=True)
class Mandate:
    """A household's signed authority for its bank to pay its bills (代扣协议), from ``since``."""

    household: str
    bank: str
    account: Sealed
    holder: Sealed
    since: date
    until: date | None = None

    def active(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)

    def as_doc(self) -> dict[str, Any]:
        return {"household": self.household, "bank": self.bank, "account": self.account.as_doc(),
                "holder": self.holder.as_doc(), "since": self.since.isoformat(),
                "until": None if self.until is None else self.until.isoformat()}

    def shown(self) -> dict[str, Any]:
        """As answers show it: masked."""
        return {"household": self.household, "bank": self.bank, "account": self.account.masked,
                "holder": self.holder.masked, "since": self.since.isoformat(),
                "until": None if self.until is None else self.until.isoformat()}

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> Mandate:
        return cls(doc["household"], doc["bank"], Sealed.from_doc(doc["account"]), Sealed.from_doc(doc["holder"]),
                   date.fromisoformat(doc["since"]), None if doc.get("until") is None else date.fromisoformat(doc["until"]))


def reference_of(period: str, household: str) -> str:
    return f"TS{period.replace('-', '')}-{household}"


class BankCollection:
    """Mandates, exported rows and imported results, in memory and in ``billing.db``."""

    def __init__(self, billing: Billing) -> None:
        self.billing = billing
        self.mandates: dict[str, Mandate] = {}
        self.collections: dict[str, dict[str, Any]] = {}  # by reference
        self.rows: dict[str, dict[str, Any]] = {}  # each result row by its key

    def load(self, tables: Mapping[str, list[tuple[str, dict[str, Any]]]]) -> None:
        self.mandates = {key: Mandate.from_doc(doc) for key, doc in tables[TABLE_MANDATES]}
        self.collections = dict(tables[TABLE_COLLECTIONS])
        self.rows = dict(tables[TABLE_BANK_ROWS])

    def _seal(self, field: str, value: str, masked: str) -> Sealed:
        return get_residents(self.billing.hub).seal(Personal(field, value, masked))

    def _open(self, sealed: Sealed) -> str:
        return get_residents(self.billing.hub).unseal(sealed)

    async def mandate(self, household: str, bank: str, account: str, holder: str, since: date,
                      until: date | None = None) -> dict[str, Any]:
        """Record (or replace) ``household``'s mandate; the account and holder sealed."""
        self.billing.household_known(household)
        if until is not None and until < since:
            raise ServiceValidationError(f"until ({until}) is before since ({since})")
        found = Mandate(household, bank, self._seal("bank_account", account, mask_account(account)),
                        self._seal("name", holder, mask_name(holder)), since, until)
        await self.billing.store.save_docs(TABLE_MANDATES, {household: found.as_doc()})
        self.mandates[household] = found
        return found.shown()

    # --- the collection file -------------------------------------------------------------------

    async def export(self, period: str) -> dict[str, Any]:
        """The rows of ``period``'s collection (masked) and their totals; each row's reference
        kept, so the bank's result finds it. A row already paid through the bank is not asked
        again; a row exported before is asked again for what is owed now."""
        first = parse_period(period)
        today = self.billing.today()
        last_day = add_months(first, 1)
        rows: list[dict[str, Any]] = []
        docs: dict[str, dict[str, Any]] = {}
        for household in sorted(self.mandates):
            mandate = self.mandates[household]
            reference = reference_of(period, household)
            if not mandate.active(today) or self.collections.get(reference, {}).get("paid"):
                continue
            owed = self.billing.arrears(household, today)
            bills = [b for b in owed.bills if self.billing.bills[b].due < last_day]
            if not bills or owed.total_fen <= 0:
                continue
            doc = {"reference": reference, "period": period, "household": household, "bills": bills,
                   "amount_fen": owed.total_fen, "bank": mandate.bank, "account": mandate.account.as_doc(),
                   "holder": mandate.holder.as_doc(), "exported": today.isoformat(), "paid": None}
            docs[reference] = doc
            rows.append(_shown(doc, len(rows) + 1))
        await self.billing.store.save_docs(TABLE_COLLECTIONS, docs)
        self.collections.update(docs)
        return {"period": period, "rows": rows, "count": len(rows),
                "total_fen": sum(row["amount_fen"] for row in rows)}

    def file_lines(self, period: str) -> tuple[list[str], list[list[Any]]]:
        """The collection file of ``period`` as exported last: headers and lines, accounts in clear
        (for the bank; the caller audits it)."""
        docs = [doc for doc in self.collections.values() if doc["period"] == period and not doc["paid"]]
        lines = [[n, doc["reference"], self._open(Sealed.from_doc(doc["account"])),
                  self._open(Sealed.from_doc(doc["holder"])), doc["bank"], _amount(doc["amount_fen"]), "CNY",
                  f"物业费 {period}", doc["household"]]
                 for n, doc in enumerate(sorted(docs, key=lambda d: d["household"]), start=1)]
        return [header for _key, header in EXPORT_COLUMNS], lines

    # --- the bank's result file ----------------------------------------------------------------

    async def import_result(self, text: str, source: str = "result file") -> dict[str, Any]:
        """Apply the bank's result file (CSV text): each row paid, failed or unmatched once."""
        counts = {PAID: 0, FAILED_ROW: 0, UNMATCHED: 0, "already": 0}
        listed = []
        for number, row in enumerate(parse_result(text), start=2):
            key = f"{row['reference']}:{row.get('serial') or row['status']}"
            if key in self.rows:
                counts["already"] += 1
                continue
            outcome = await self._apply(row, source, number)
            self.rows[key] = outcome
            await self.billing.store.save_docs(TABLE_BANK_ROWS, {key: outcome})
            counts[outcome["outcome"]] += 1
            if outcome["outcome"] == UNMATCHED:
                listed.append(outcome)
        return {**counts, "unmatched_rows": listed}

    async def _apply(self, row: Mapping[str, Any], source: str, number: int) -> dict[str, Any]:
        base = {"reference": row["reference"], "serial": row.get("serial") or None, "line": number, "source": source,
                "account": mask_account(row["account"]), "amount_fen": row["amount_fen"],
                "status": row["status"], "time": self.billing.hub.clock.time()}
        doc = self.collections.get(row["reference"])
        if doc is None:
            return {**base, "outcome": UNMATCHED, "why": f"no exported row has reference {row['reference']}"}
        base["household"] = doc["household"]
        if self._open(Sealed.from_doc(doc["account"])) != row["account"]:
            return {**base, "outcome": UNMATCHED, "why": f"account {base['account']} is not the one exported "
                                                         f"({Sealed.from_doc(doc['account']).masked})"}
        if row["status"].lower() in FAILED:
            return {**base, "outcome": FAILED_ROW, "why": row.get("reason") or "the bank gave no reason"}
        if row["amount_fen"] != doc["amount_fen"]:
            return {**base, "outcome": UNMATCHED, "why": f"amount {yuan(row['amount_fen'])} is not the "
                                                         f"{yuan(doc['amount_fen'])} asked for"}
        if not row.get("serial"):
            return {**base, "outcome": UNMATCHED, "why": "a collected row without the bank's serial (银行流水号)"}
        paid = await self.billing.pay(doc["household"], row["amount_fen"], payment_id(row["serial"]), BANK_METHOD)
        doc["paid"] = paid["receipt_no"]
        await self.billing.store.save_docs(TABLE_COLLECTIONS, {doc["reference"]: doc})
        return {**base, "outcome": PAID, "receipt_no": paid["receipt_no"], "why": "collected"}

    def unmatched(self) -> list[dict[str, Any]]:
        """Result rows that moved no money, oldest first, each with why; ``resolved`` once staff
        applied it by hand (``billing.pay`` with payment id ``bank:<serial>``)."""
        return [{**row, "resolved": row["serial"] is not None
                 and payment_id(row["serial"]) in self.billing.by_payment}
                for row in sorted(self.rows.values(), key=lambda r: (r["time"], r["line"]))
                if row["outcome"] == UNMATCHED]


def payment_id(serial: str) -> str:
    return f"bank:{serial}"


def _amount(fen: int) -> str:
    return yuan(fen).removeprefix("¥")


def _shown(doc: Mapping[str, Any], seq: int) -> dict[str, Any]:
    return {"seq": seq, "reference": doc["reference"], "household": doc["household"], "bills": doc["bills"],
            "amount_fen": doc["amount_fen"], "bank": doc["bank"], "account": Sealed.from_doc(doc["account"]).masked,
            "holder": Sealed.from_doc(doc["holder"]).masked}


def parse_result(text: str) -> Iterable[dict[str, Any]]:
    """The result file's rows, each checked; ServiceValidationError naming the line and column
    (a file that is not CSV at all, or a field past the csv module's limit, included)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return _checked_rows(reader)
    except csv.Error as err:
        raise ServiceValidationError(f"line {reader.line_num + 1}: not a result file's CSV: {err}") from None


def _checked_rows(reader: csv.DictReader[str]) -> list[dict[str, Any]]:
    columns = {header: RESULT_HEADERS.get(header.strip(), header.strip()) for header in reader.fieldnames or ()}
    missing = [key for key in REQUIRED if key not in columns.values()]
    if missing:
        raise ServiceValidationError(f"the result file has no column {', '.join(missing)} (expected the headers "
                                     f"{', '.join(RESULT_HEADERS)})")
    rows: list[dict[str, Any]] = []
    for number, raw in enumerate(reader, start=2):
        if number > MAX_ROWS + 1:
            raise ServiceValidationError(f"the result file holds more than {MAX_ROWS} rows")
        row = {columns[k]: (v or "").strip() for k, v in raw.items() if k is not None}
        try:
            row["amount_fen"] = fen_of(row["amount"])
        except ValueError as err:
            raise ServiceValidationError(f"line {number}: 金额 (amount) {row['amount']!r}: {err}") from None
        status = row["status"].lower()
        if status not in SUCCEEDED and status not in FAILED:
            raise ServiceValidationError(f"line {number}: 处理结果 (status) {row['status']!r}: expected one of "
                                         f"{', '.join(SUCCEEDED + FAILED)}")
        if not row["reference"] or not row["account"]:
            raise ServiceValidationError(f"line {number}: 业务参考号 and 付款账号 must not be empty")
        rows.append(row)
    return rows
