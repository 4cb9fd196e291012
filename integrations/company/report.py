"""The company's figures per community, read from the PostgreSQL server its hubs share.

Every hub with ``xiaoqu: database:`` keeps its billing ledger and its recorder in the schema
``xiaoqu_<site>`` (core/ledger_backend.py, core/recorder_backends.py); this module reads every
such schema in one read-only snapshot and makes, per site:

- the collection rate of the bills issued in the span, from the billing ledger's transactions;
- the arrears at the end of the span (what is owed on the ``due:`` and ``late:`` accounts);
- the money taken in the span (the ``method:`` accounts);
- the access traffic in the span (the access log's records, granted and denied).

It reads the tables only: the bills' store (``billing.db``) stays in each hub's data directory,
so every figure here is made from ledger postings and log records, and :data:`EXPLANATIONS`
says how. A schema without the tables a figure needs gets a note saying so instead.
Money is integer fen.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from xiaoqu.core.ledger_backend import SCHEMA_PREFIX
from xiaoqu.integrations.access.const import LOG_KIND
from xiaoqu.integrations.billing.const import (
    DUE,
    KIND_BILL,
    KIND_CORRECTION,
    KIND_WAIVER,
    LATE,
    LEDGER_FILE,
    METHOD,
)
from xiaoqu.integrations.billing.reports import rate_text

#: The billing ledger's tables in a site's schema (core/ledger_backend.py names them so).
LEDGER: Final = Path(LEDGER_FILE).stem
TRANSACTIONS: Final = f"{LEDGER}_transactions"
ENTRIES: Final = f"{LEDGER}_entries"
RECORDS: Final = "records"

EXPLANATIONS: Final = {
    "bills": "the bills issued in the span: the billing ledger's {bill} postings dated in it, one per bill",
    "billed_fen": "those bills' principal as issued, with the corrections posted on them up to the end of the span "
                  "(the {due} legs of {bill} and {correction} postings)",
    "waived_fen": "of that, what waivers let off up to the end of the span (the {due} legs of {waiver} postings)",
    "collected_fen": "of that, what was paid by the end of the span, by payment or by credit held, less refunds: "
                     "billed − waived − what those bills' {due} accounts still held at the end of the span",
    "rate_percent": "collected / (billed − waived), to one decimal, rounded half up, as billing's collection_rate "
                    "report makes it; '-' when nothing was billed; late fees are not in it",
    "taken_fen": "money taken in the span, whatever bills it paid: what the {method} accounts moved "
                 "(payments, less refunds)",
    "arrears_fen": "everything owed at the end of the span, due or overdue (the ledger holds no due dates): "
                   "the balances of every {due} account (principal) and {late} account (late fee charged) then",
    "late_fee_fen": "of the arrears, the late fee charged and unpaid (the {late} balances); "
                    "late fee accrued since its last charge is not on the books yet",
    "households_owing": "the households with a {due} or {late} balance above 0 at the end of the span "
                        "(a bill's account names its household: {due}<period>:<household>)",
    "access_granted": "access-log records ('{access}' records in the recorder) in the span that say granted",
    "access_denied": "access-log records in the span that say denied (every presentation is logged once, "
                     "whatever the reader, the API or an offline controller asked)",
}


def explanations() -> dict[str, str]:
    """:data:`EXPLANATIONS` with the ledger's and the log's names filled in."""
    names = {"bill": KIND_BILL, "correction": KIND_CORRECTION, "waiver": KIND_WAIVER, "due": DUE, "late": LATE,
             "method": METHOD, "access": LOG_KIND}
    return {figure: text.format(**names) for figure, text in EXPLANATIONS.items()}


@dataclass(frozen=True)
class Billing:
    bills: int
    billed_fen: int
    waived_fen: int
    collected_fen: int
    rate_percent: str
    taken_fen: int
    arrears_fen: int
    late_fee_fen: int
    households_owing: int


@dataclass(frozen=True)
class Access:
    access_granted: int
    access_denied: int


@dataclass(frozen=True)
class Site:
    site: str
    schema: str
    billing: Billing | None
    access: Access | None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    server: str  # host:port/dbname, never the password
    since: date
    until: date
    time_zone: str
    sites: list[Site]
    totals: Billing | None
    access_totals: Access | None
    explanation: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["since"], found["until"] = self.since.isoformat(), self.until.isoformat()
        return found


@dataclass(frozen=True)
class Span:
    """``since`` 00:00 to the end of ``until`` in ``time_zone``, as epoch seconds (the tables' times)."""

    since: date
    until: date
    time_zone: str

    @property
    def start(self) -> float:
        return datetime.combine(self.since, time(), ZoneInfo(self.time_zone)).timestamp()

    @property
    def end(self) -> float:
        return datetime.combine(self.until + timedelta(days=1), time(), ZoneInfo(self.time_zone)).timestamp()


def read(url: str, span: Span, sites: Sequence[str] = ()) -> Report:
    """The report of every ``xiaoqu_*`` schema on ``url`` (only ``sites``, if given), in one
    read-only snapshot (REPEATABLE READ): the figures of all sites are of one moment."""
    import psycopg

    with psycopg.connect(url, connect_timeout=10, application_name="xiaoqu company report") as connection:
        connection.read_only = True
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with connection.transaction():
            found = [_site(connection, schema, span) for schema in _schemas(connection, sites)]
            missing = sorted(set(sites) - {site.site for site in found})
    found += [Site(site, SCHEMA_PREFIX + site, None, None, [f"no schema {SCHEMA_PREFIX}{site} on the server"])
              for site in missing]
    counted = [site.billing for site in found if site.billing is not None]
    logged = [site.access for site in found if site.access is not None]
    return Report(server(url), span.since, span.until, span.time_zone, found,
                  total(counted) if counted else None,
                  Access(sum(a.access_granted for a in logged), sum(a.access_denied for a in logged)) if logged else None,
                  explanations())


def server(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(url)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def _schemas(connection: Any, sites: Sequence[str]) -> list[str]:
    # The prefix's "_" is a LIKE wildcard: compare the start as text instead.
    rows = connection.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s) ORDER BY nspname",
                              (SCHEMA_PREFIX,)).fetchall()
    schemas = [row[0] for row in rows]
    return [s for s in schemas if not sites or s.removeprefix(SCHEMA_PREFIX) in sites]


def _site(connection: Any, schema: str, span: Span) -> Site:
    """One schema's figures; a table it lacks, or one that cannot be read, is a note."""
    import psycopg

    site = schema.removeprefix(SCHEMA_PREFIX)
    notes: list[str] = []
    tables = {name: _exists(connection, schema, name) for name in (TRANSACTIONS, ENTRIES, RECORDS)}
    billing = access = None
    if tables[TRANSACTIONS] and tables[ENTRIES]:
        try:
            with connection.transaction():  # a savepoint: a failure here leaves the other figures
                billing = _billing(connection, schema, span)
        except psycopg.Error as err:
            notes.append(f"the billing ledger could not be read: {str(err).strip()}")
    else:
        notes.append(f"no billing ledger ({schema}.{LEDGER}_*): billing is not set up there, or not on this server")
    if tables[RECORDS]:
        try:
            with connection.transaction():
                access = _access(connection, schema, span)
        except psycopg.Error as err:
            notes.append(f"the recorder could not be read: {str(err).strip()}")
    else:
        notes.append(f"no recorder ({schema}.{RECORDS}): that hub's records are not on this server")
    return Site(site, schema, billing, access, notes)


def _exists(connection: Any, schema: str, table: str) -> bool:
    from psycopg import sql

    name = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table)).as_string(connection)
    return connection.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()[0] is True


def _tables(schema: str) -> dict[str, Any]:
    from psycopg import sql

    return {name: sql.Identifier(schema, table)
            for name, table in (("transactions", TRANSACTIONS), ("entries", ENTRIES), ("records", RECORDS))}


#: The bills issued in the span (their due: accounts), and what those accounts moved up to its end.
_COHORT: Final = """
WITH cohort AS (
    SELECT DISTINCT e.account FROM {entries} AS e JOIN {transactions} AS t ON t.seq = e.seq
    WHERE t.kind = %(bill)s AND t.time >= %(start)s AND t.time < %(end)s AND starts_with(e.account, %(due)s)
)
SELECT count(DISTINCT c.account),
       coalesce(sum(e.amount) FILTER (WHERE t.kind IN (%(bill)s, %(correction)s)), 0),
       coalesce(-sum(e.amount) FILTER (WHERE t.kind = %(waiver)s), 0),
       coalesce(sum(e.amount), 0)
FROM cohort AS c JOIN {entries} AS e ON e.account = c.account JOIN {transactions} AS t ON t.seq = e.seq
WHERE e.time < %(end)s
"""
#: What every due: and late: account held at the end of the span, and whose it was.
_OWED: Final = """
SELECT coalesce(sum(balance), 0), coalesce(sum(balance) FILTER (WHERE starts_with(account, %(late)s)), 0),
       count(DISTINCT split_part(account, ':', 3)) FILTER (WHERE balance > 0)
FROM (SELECT account, sum(amount) AS balance FROM {entries}
      WHERE time < %(end)s AND (starts_with(account, %(due)s) OR starts_with(account, %(late)s))
      GROUP BY account) AS owed
"""
_TAKEN: Final = """
SELECT coalesce(sum(amount), 0) FROM {entries}
WHERE time >= %(start)s AND time < %(end)s AND starts_with(account, %(method)s)
"""
#: A record whose text holds \\u0000 cannot be read as jsonb (docs/scaling.md): counted as neither.
_ACCESS: Final = """
SELECT count(*) FILTER (WHERE granted = 'true'), count(*) FILTER (WHERE granted = 'false')
FROM (SELECT CASE WHEN strpos(data, '\\u0000') = 0 THEN data::jsonb ->> 'granted' END AS granted
      FROM {records} WHERE kind = %(kind)s AND time >= %(start)s AND time < %(end)s) AS log
"""


def _query(connection: Any, text: str, schema: str, **params: Any) -> tuple[Any, ...]:
    from psycopg import sql

    row: tuple[Any, ...] = connection.execute(sql.SQL(text).format(**_tables(schema)), params).fetchone()
    return row


def _billing(connection: Any, schema: str, span: Span) -> Billing:
    names = {"bill": KIND_BILL, "correction": KIND_CORRECTION, "waiver": KIND_WAIVER, "due": DUE, "late": LATE,
             "method": METHOD, "start": span.start, "end": span.end}
    bills, billed, waived, outstanding = (int(v) for v in _query(connection, _COHORT, schema, **names))
    arrears, late, owing = (int(v) for v in _query(connection, _OWED, schema, **names))
    (taken,) = (int(v) for v in _query(connection, _TAKEN, schema, **names))
    collected = billed - waived - outstanding
    return Billing(bills, billed, waived, collected, rate_text(collected, billed - waived), taken, arrears, late,
                   owing)


def _access(connection: Any, schema: str, span: Span) -> Access:
    granted, denied = _query(connection, _ACCESS, schema, kind=LOG_KIND, start=span.start, end=span.end)
    return Access(int(granted), int(denied))


def total(figures: Iterable[Billing]) -> Billing:
    """The company's line: the sums, and the rate of the sums (not an average of rates)."""
    found = list(figures)

    def summed(name: str) -> int:
        return sum(getattr(one, name) for one in found)

    billed, waived, collected = summed("billed_fen"), summed("waived_fen"), summed("collected_fen")
    return Billing(summed("bills"), billed, waived, collected, rate_text(collected, billed - waived),
                   summed("taken_fen"), summed("arrears_fen"), summed("late_fee_fen"), summed("households_owing"))
