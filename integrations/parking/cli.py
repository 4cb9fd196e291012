"""``xiaoqu parking report KIND [--lot L] [--from DAY] [--to DAY] [--format csv|xlsx] [-o FILE]``:
a report (:mod:`.reports`) to a sheet.

The running hub makes it (it holds the sessions in memory and the ledger's lock), asked through
the control socket as ``xiaoqu visitors export`` is (whose plumbing this shares), and writes the
file with the office's formula-safe writer, 0600; the export is audited. The totals go to
standard output, the report's explanation to standard error.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.const import DATA_CONTROL
from xiaoqu.core.cli import add_config_option
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.visitors.cli import (
    add_file_options,
    add_period_options,
    day_text,
    on_hub,
    output_path,
    run,
    write_file,
)

from . import reports
from .const import DOMAIN, REPORT_KINDS

if TYPE_CHECKING:
    from xiaoqu.core.auth.audit import Actor
    from xiaoqu.core.hub import Hub

COMMAND_REPORT: Final = "parking_report"
AUDIT_EXPORTED: Final = "parking_report_exported"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(DOMAIN, help="the car park's reports", description="The car park's reports.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    command = group.add_parser(
        "report", help="write a report (CSV or Excel): cars inside, sessions by day, income by method, long stays",
        description="Write a parking report to a sheet. inside and long_stays are of now; sessions_by_day and "
                    "income_by_method cover --from to --to, both days included (default: this month). Needs the "
                    "hub running; the export is audited.")
    add_config_option(command)
    command.add_argument("kind", choices=REPORT_KINDS, help="which report")
    command.add_argument("--lot", help="one lot (default: every lot)")
    add_period_options(command)
    add_file_options(command, "parking-KIND")
    command.set_defaults(func=lambda args: run(args, _report))


async def _report(data_dir: Path, args: argparse.Namespace) -> int:
    path = output_path(args.output, args.format, f"parking-{args.kind}")
    result = await on_hub(data_dir, "a parking report", COMMAND_REPORT, path=str(path), kind=args.kind, lot=args.lot,
                          first=day_text(args.first), last=day_text(args.last))
    totals = ", ".join(f"{name} {value}" for name, value in result["totals"].items())
    print(f"{result['path']}: {result['rows']} rows; {totals}")
    print(result["explanation"], file=sys.stderr)
    return 0


def offer(hub: Hub) -> None:
    """Answer ``xiaoqu parking report`` on the hub's control socket (when it has one)."""
    control = hub.data.get(DATA_CONTROL)
    if control is not None:
        control.add_command(COMMAND_REPORT, partial(report, hub))


async def report(hub: Hub, actor: Actor, path: str, kind: str, lot: str | None = None, first: str | None = None,
                 last: str | None = None) -> dict[str, Any]:
    """Report ``kind`` written to ``path``; its totals and explanation answered, the export audited."""
    try:
        start, end = (None if text is None else date.fromisoformat(text) for text in (first, last))
    except ValueError as err:
        raise HubError(f"first/last: {err}") from None
    built = await reports.build(hub, kind, lot=lot, start=start, end=end)
    count = await write_file(hub, path, built.columns, list(built.lines()), kind)
    get_auth(hub).manager.audit.record(AUDIT_EXPORTED, actor, file=path, kind=kind, lot=lot, first=first, last=last,
                                       rows=count, totals=built.totals)
    return {"path": path, "rows": count, "totals": built.totals, "explanation": built.explanation}
