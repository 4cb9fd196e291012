"""``xiaoqu company report``: the company's figures per community, from the shared PostgreSQL.

    xiaoqu company report --database postgresql://report@db.example/estates
    xiaoqu company report --database URL --since 2026-03-01 --until 2026-03-31 --format csv -o march.csv

An offline admin command, like ``xiaoqu audit verify``: it reads the server directly, with
read-only transactions, and asks no hub. Whoever runs it needs a database account that may
read every ``xiaoqu_*`` schema (docs/scaling.md, "Several communities"); the hubs' own
permissions do not apply. Money is shown in yuan in the table and kept in fen in CSV and JSON.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from xiaoqu.core.money import yuan
from xiaoqu.core.validation import time_zone, vol

from .const import DOMAIN
from .report import Report, Span, read

FORMATS: Final = ("table", "csv", "json")
#: The rows' columns, in order; *_fen are money.
COLUMNS: Final = ("site", "bills", "billed_fen", "waived_fen", "collected_fen", "rate_percent", "taken_fen",
                  "arrears_fen", "late_fee_fen", "households_owing", "access_granted", "access_denied")
#: The table's headings of those columns.
HEADINGS: Final = ("site", "bills", "billed", "waived", "collected", "rate %", "taken", "arrears",
                   "of it late fee", "households owing", "access granted", "access denied")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(DOMAIN, help="the property company's reports across its communities",
                                   description="The property company's reports across its communities.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    command = group.add_parser(
        "report", help="collection rate, arrears and access traffic per community, from the shared PostgreSQL",
        description="Per community (each xiaoqu_<site> schema on the server): the collection rate of the bills "
                    "issued in the span, the arrears at its end, the money taken and the access traffic in it; "
                    "each figure with how it was made. Reads the server directly, read-only.")
    command.add_argument("--database", required=True, metavar="URL",
                         help="the server the hubs share (their xiaoqu: database:), postgresql://user@host/db")
    command.add_argument("--since", type=_day, metavar="DAY",
                         help="the first day, like 2026-03-01 (default: the 1st of --until's month)")
    command.add_argument("--until", type=_day, metavar="DAY", help="the last day, included (default: today in --time-zone)")
    command.add_argument("--time-zone", type=_zone, default="Asia/Shanghai", metavar="TZ",
                         help="the zone the days are in (default: Asia/Shanghai, as the hubs')")
    command.add_argument("--site", action="append", default=[], metavar="SITE",
                         help="only this site (repeat for more; default: every xiaoqu_* schema)")
    command.add_argument("--format", choices=FORMATS, default="table", help="table (default), csv or json")
    command.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to this file instead of the terminal")
    command.set_defaults(func=_run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a day like 2026-03-01, not {text!r}") from None


def _zone(text: str) -> str:
    try:
        return time_zone(text)
    except vol.Invalid as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _run(args: argparse.Namespace) -> int:
    import psycopg

    until = args.until or datetime.now(ZoneInfo(args.time_zone)).date()
    since = args.since or until.replace(day=1)
    if since > until:
        print(f"error: --since {since} is after --until {until}", file=sys.stderr)
        return 1
    try:
        report = read(args.database, Span(since, until, args.time_zone), args.site)
    except psycopg.Error as err:
        print(f"error: cannot read the server: {str(err).strip()}", file=sys.stderr)
        return 1
    text = {"table": table, "csv": csv_text, "json": json_text}[args.format](report)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"{args.output}: {len(report.sites)} sites, {report.since} to {report.until}")
    return 0


def rows(report: Report) -> list[dict[str, Any]]:
    """One row per site and the company's total; a figure the site's tables cannot give is None."""
    found = [{"site": site.site, **_figures(site.billing, site.access)} for site in report.sites]
    return [*found, {"site": "TOTAL", **_figures(report.totals, report.access_totals)}]


def _figures(billing: Any, access: Any) -> dict[str, Any]:
    values = {**(vars(billing) if billing else {}), **(vars(access) if access else {})}
    return {column: values.get(column) for column in COLUMNS[1:]}


def _shown(column: str, value: Any) -> str:
    if value is None:
        return "n/a"
    return yuan(value) if column.endswith("_fen") else str(value)


def table(report: Report) -> str:
    """The report as a person reads it: a table in yuan, how each figure is made, and each
    site's notes (a schema without the tables a figure needs)."""
    cells = [list(HEADINGS)] + [[_shown(c, row[c]) for c in COLUMNS] for row in rows(report)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]
    lines = [f"Company report, {report.since} to {report.until} ({report.time_zone}), from {report.server}", ""]
    for index, line in enumerate(cells):
        lines.append("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                               enumerate(zip(line, widths, strict=True))).rstrip())
        if index in (0, len(cells) - 2):
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", "How each figure is made:"]
    heading = dict(zip(COLUMNS, HEADINGS, strict=True))
    lines += [f"  {heading.get(name, name)}: {text}" for name, text in report.explanation.items()]
    notes = [f"  {site.site}: {note}" for site in report.sites for note in site.notes]
    if notes:
        lines += ["", "Notes:", *notes]
    return "\n".join(lines) + "\n"


def csv_text(report: Report) -> str:
    """One row per site and a TOTAL row, money in fen; empty where a site has no figure."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, "notes"], lineterminator="\n")
    writer.writeheader()
    notes = {site.site: "; ".join(site.notes) for site in report.sites}
    for row in rows(report):
        writer.writerow({**row, "notes": notes.get(row["site"], "")})
    return out.getvalue()


def json_text(report: Report) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"

