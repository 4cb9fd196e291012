"""``xiaoqu attendance export --month 2026-10 --team X -o FILE.xlsx``: a month's sheet to a file.

Through the running hub when there is one, else on the stores directly (:mod:`.commands`).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from xiaoqu.core.calendar import CONFIG_SCHEMA as CALENDAR_SCHEMA
from xiaoqu.core.cli import add_config_option
from xiaoqu.core.cli.site import Site, command_errors, load_site
from xiaoqu.integrations.residents.schema import CONFIG_SCHEMA as RESIDENTS_SCHEMA

from .commands import open_export
from .const import DOMAIN
from .schema import CONFIG_SCHEMA


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(DOMAIN, help="staff attendance sheets", description="Staff attendance sheets.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    command = group.add_parser("export", help="write a month's attendance sheet (CSV or Excel)",
                               description="Write a team's or a person's attendance month, each day with its rule.")
    add_config_option(command)
    command.add_argument("--month", required=True, help="the month, like 2026-10")
    who = command.add_mutually_exclusive_group(required=True)
    who.add_argument("--team", help="a team's id (attendance: teams)")
    who.add_argument("--person", help="a person's id (P000123)")
    command.add_argument("-o", "--output", type=Path, default=Path("attendance.xlsx"),
                         help="the file to write, .xlsx or .csv (default: attendance.xlsx)")
    command.add_argument("--chinese", action="store_true", help="Chinese headers (日期, 姓名, ...)")
    command.set_defaults(func=_run)


def site(config: Path) -> Site:
    """The site's data folder (its stores placed as the hub places them), its core settings and
    the sections the export reads, validated."""
    return load_site(config, {"residents": RESIDENTS_SCHEMA, DOMAIN: CONFIG_SCHEMA, "calendar": CALENDAR_SCHEMA})


def _run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_export(site(args.config), args))
    except command_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


async def _export(where: Site, args: argparse.Namespace) -> int:
    async with open_export(where) as export:
        result: dict[str, Any] = await export(path=str(args.output.absolute()), month=args.month, team=args.team,
                                              person=args.person, chinese=args.chinese)
    print(f"{args.output}: {result['month']}, {result['persons']} persons, {result['rows']} rows")
    return 0
