"""``xiaoqu residents import FILE`` and ``xiaoqu residents export``: the office's sheet in and out;
``xiaoqu residents invite PERSON``: a resident's one-time code for the portal.

Each works on the site of ``-c FILE``, through the running hub when there is one (see
:mod:`.commands`), with a progress bar; a bad row is printed as ``FILE:ROW: column: what is
wrong`` and the exit status is 1 when any row was refused.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from xiaoqu.core.auth.control import RemoteCommands
from xiaoqu.core.cli import add_config_option
from xiaoqu.core.cli.site import command_errors, load_site

from .commands import COMMAND_EXPORT, COMMAND_IMPORT, COMMAND_INVITE, Progress, open_commands
from .const import DOMAIN
from .schema import CONFIG_SCHEMA


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(DOMAIN, help="import and export the residents sheet (CSV or Excel)",
                                   description="Import and export the residents sheet (CSV or Excel).")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    command = group.add_parser("import", help="import households, residents, cards and cars from a sheet",
                               description="Import a .csv or .xlsx sheet; a re-import updates, never duplicates.")
    add_config_option(command)
    command.add_argument("file", type=Path, help="the sheet (.csv or .xlsx), English or Chinese headers")
    command.add_argument("--all-or-nothing", action="store_true",
                         help="import nothing if any row is bad (default: the good rows go in)")
    command.set_defaults(func=lambda args: _run(_import, args))
    command = group.add_parser("export", help="write every household and resident to a sheet",
                               description="Write every household and resident to a sheet, personal data masked.")
    add_config_option(command)
    command.add_argument("-o", "--output", type=Path, default=Path("residents.xlsx"),
                         help="the file to write, .xlsx or .csv (default: residents.xlsx)")
    command.add_argument("--chinese", action="store_true", help="Chinese headers (房号, 姓名, ...)")
    command.add_argument("--unmasked", action="store_true",
                         help="personal data in clear (the export is audited as a read of all of it)")
    command.set_defaults(func=lambda args: _run(_export, args))
    command = group.add_parser("invite", help="a one-time code for a resident to make their portal account",
                               description="Print a one-time code (valid 7 days) a resident types at the hub's "
                                           "/portal/join to make their own account; it replaces any earlier code "
                                           "of theirs. Needs the hub running.")
    add_config_option(command)
    command.add_argument("person", help="the person's id (P000012)")
    command.set_defaults(func=lambda args: _run(_invite, args))


def _site(config: Path) -> tuple[Path, dict[str, Any]]:
    """The site's data folder (its stores placed as the hub places them) and its validated
    ``residents:`` section."""
    site = load_site(config, {DOMAIN: CONFIG_SCHEMA})
    return site.data_dir, site.sections[DOMAIN]


def _run(command: Any, args: argparse.Namespace) -> int:
    try:
        data_dir, section = _site(args.config)
        return int(asyncio.run(command(data_dir, section, args)))
    except command_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


def _bar() -> tuple[Any, Progress]:
    from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn
    from rich.progress import Progress as Bar

    bar = Bar(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
              transient=True, console=_console())
    tasks: dict[str, Any] = {}

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
        bar.update(tasks[phase], completed=done)

    return bar, progress


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


async def _import(data_dir: Path, section: dict[str, Any], args: argparse.Namespace) -> int:
    path = args.file.absolute()
    bar, progress = _bar()
    with bar:
        async with open_commands(data_dir, section, progress) as commands:
            if isinstance(commands, RemoteCommands):
                progress("importing through the running hub", 0, None)
            report = await commands.call(COMMAND_IMPORT, path=str(path), all_or_nothing=args.all_or_nothing)
    for error in report["errors"]:
        print(error, file=sys.stderr)
    if report["error_count"] > len(report["errors"]):
        print(f"... and {report['error_count'] - len(report['errors'])} more bad rows", file=sys.stderr)
    if not report["written"]:
        print(f"{report['error_count']} bad rows of {report['rows']}: nothing imported (--all-or-nothing)",
              file=sys.stderr)
        return 1
    print(f"{args.file}: {report['rows']} rows; {report['households']} household, {report['persons']} person and "
          f"{report['vehicles']} vehicle changes; {report['unchanged']} rows unchanged; "
          f"{report['error_count']} bad rows left out")
    return 1 if report["error_count"] else 0


async def _export(data_dir: Path, section: dict[str, Any], args: argparse.Namespace) -> int:
    async with open_commands(data_dir, section) as commands:
        result = await commands.call(COMMAND_EXPORT, path=str(args.output.absolute()), unmasked=args.unmasked,
                                     chinese=args.chinese)
    masked = "in clear (audited)" if result["unmasked"] else "masked"
    print(f"{args.output}: {result['rows']} rows, personal data {masked}")
    return 0


async def _invite(data_dir: Path, section: dict[str, Any], args: argparse.Namespace) -> int:
    """The code alone on standard output (``CODE=$(xiaoqu residents invite P000012)``), what it
    is for on standard error."""
    async with open_commands(data_dir, section) as commands:
        result = await commands.call(COMMAND_INVITE, person=args.person)
    print(f"{result['person']} of household {result['household']} can make their account at /portal/join with "
          f"this code until {result['expires']}; it works once:", file=sys.stderr)
    print(result["code"])
    return 0
