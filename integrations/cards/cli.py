"""``xiaoqu cards report KIND --from DATE --to DATE --format csv|xlsx -o FILE``: a report to a file.

Through the running hub when there is one, else on the stores directly (:mod:`.commands`);
on the stores a bar counts the rows as they are made, since a year's consumption is a walk
over every charge.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from xiaoqu.core.cli import add_config_option
from xiaoqu.core.cli.site import CommandError, Site, command_errors, load_site
from xiaoqu.integrations.residents.const import DOMAIN as RESIDENTS
from xiaoqu.integrations.residents.schema import CONFIG_SCHEMA as RESIDENTS_SCHEMA

from .commands import open_report
from .const import DOMAIN
from .reports import KINDS

FORMATS = ("csv", "xlsx")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(DOMAIN, help="the card centre's reports", description="The card centre's reports.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    command = group.add_parser("report", help="write a report (CSV or Excel); its totals are the ledger's",
                               description="Write a card centre report over a period, both days included.")
    add_config_option(command)
    command.add_argument("kind", choices=KINDS, help="which report")
    command.add_argument("--from", dest="first", type=date.fromisoformat, metavar="DATE",
                         help="the first day, like 2026-03-01 (default: from the start)")
    command.add_argument("--to", dest="last", type=date.fromisoformat, metavar="DATE",
                         help="the last day, included (default: up to now)")
    command.add_argument("--format", choices=FORMATS, help="csv or xlsx (default: the output's suffix, else xlsx)")
    command.add_argument("-o", "--output", type=Path, help="the file to write (default: cards-KIND.FORMAT)")
    command.set_defaults(func=_run)


def output(args: argparse.Namespace) -> Path:
    """The file to write: ``-o`` and ``--format`` agreeing, or one made from the other."""
    suffix = args.output.suffix.lower().lstrip(".") if args.output is not None else ""
    form = args.format or (suffix if suffix in FORMATS else "xlsx")
    if args.output is None:
        return Path(f"cards-{args.kind}.{form}")
    if suffix != form:
        raise CommandError(f"{args.output} does not end in .{form}")
    return args.output


def _run(args: argparse.Namespace) -> int:
    try:
        path = output(args).absolute()
        return asyncio.run(_report(load_site(args.config, {RESIDENTS: RESIDENTS_SCHEMA}), path, args))
    except command_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


async def _report(site: Site, path: Path, args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, SpinnerColumn, TextColumn
    from rich.progress import Progress as Bar

    with Bar(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} rows"),
             transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task(f"{args.kind} report", total=None)
        async with open_report(site, lambda n: bar.advance(task, n)) as (report, on_hub):
            if on_hub:
                bar.update(task, description=f"{args.kind} report, written by the running hub")
            result = await report(path=str(path), kind=args.kind, first=_day(args.first),
                                  last=_day(args.last))
    totals = ", ".join(f"{name} {value}" for name, value in result["totals"].items())
    print(f"{result['path']}: {result['rows']} rows; {totals}")
    return 0


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
