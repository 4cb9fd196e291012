"""``xiaoqu visitors export [--from DAY] [--to DAY] [--format csv|xlsx] [-o FILE]``: the visitor
log to a sheet, masked as the log keeps it, audited.

The visits are the running hub's (it holds ``visitors.db`` and the latest answers in memory), so
the command asks it through the control socket, as ``xiaoqu residents export`` does
(:meth:`~xiaoqu.core.auth.control.ControlServer.add_command`), and the hub writes the file with
the office's formula-safe writer (:func:`~xiaoqu.integrations.residents.sheet.write_table`,
0600). With no hub running the command says so. The plumbing shared by the export commands
(the file's name and format, the call through the socket) is here; parking's report command
uses it too.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.const import DATA_CONTROL
from xiaoqu.core.auth.control import running_hub
from xiaoqu.core.cli import add_config_option
from xiaoqu.core.cli.site import CommandError, command_errors, load_site
from xiaoqu.core.errors import HubError
from xiaoqu.core.storage import StorageError
from xiaoqu.integrations.residents.sheet import SheetError, write_table

from . import log
from .const import DOMAIN
from .runtime import get_visitors

if TYPE_CHECKING:
    from xiaoqu.core.auth.audit import Actor
    from xiaoqu.core.hub import Hub

FORMATS: Final = ("csv", "xlsx")
#: How long the command line waits for the hub to write a file.
REMOTE_TIMEOUT: Final = 600.0
COMMAND_EXPORT: Final = "visitors_export"
AUDIT_EXPORTED: Final = "visitors_exported"
#: The export's columns: the visit as ``visitors.log`` answers it (name, phone and plate masked).
COLUMNS: Final = ("registered_at", "visit_id", "household", "name", "phone", "plate", "purpose", "purpose_name",
                  "status", "leave_by", "answered_by", "answered_how", "reason", "entered_at", "entered_at_door",
                  "closed_at", "closed_by", "exit", "registered_by")


# --- the command line ---------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(DOMAIN, help="the visitor log", description="The visitor log.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    command = group.add_parser("export", help="write the visitor log to a sheet (CSV or Excel), masked",
                               description="Write the visits registered in a period (both days included; default: "
                                           "every visit kept) to a sheet, names, phones and plates masked. Needs "
                                           "the hub running; the export is audited.")
    add_config_option(command)
    add_period_options(command)
    add_file_options(command, "visitors")
    command.set_defaults(func=lambda args: run(args, _export))


def add_period_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--from", dest="first", type=date.fromisoformat, metavar="DAY",
                         help="the first day, like 2026-03-01")
    command.add_argument("--to", dest="last", type=date.fromisoformat, metavar="DAY",
                         help="the last day, included")


def add_file_options(command: argparse.ArgumentParser, stem: str) -> None:
    command.add_argument("--format", choices=FORMATS, help="csv or xlsx (default: the output's suffix, else xlsx)")
    command.add_argument("-o", "--output", type=Path, help=f"the file to write (default: {stem}.FORMAT)")


def output_path(output: Path | None, fmt: str | None, stem: str) -> Path:
    """The file to write, absolute: ``-o`` and ``--format`` agreeing, or one made from the other."""
    suffix = output.suffix.lower().lstrip(".") if output is not None else ""
    form = fmt or (suffix if suffix in FORMATS else "xlsx")
    if output is None:
        return Path(f"{stem}.{form}").absolute()
    if suffix != form:
        raise CommandError(f"{output} does not end in .{form}")
    return output.absolute()


def run(args: argparse.Namespace, command: Callable[[Path, argparse.Namespace], Any]) -> int:
    """Run ``await command(data_dir, args)`` on the site of ``-c``; an error is one line, status 1."""
    try:
        return int(asyncio.run(command(load_site(args.config).data_dir, args)))
    except command_errors() as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


async def on_hub(data_dir: Path, what: str, command: str, **args: Any) -> Any:
    """``command`` answered by the hub running on ``data_dir``; :class:`CommandError` when none runs."""
    remote = await running_hub(data_dir, REMOTE_TIMEOUT)
    if remote is None:
        raise CommandError(f"no hub is running on {data_dir}: {what} is made by the running hub, which holds the "
                           "records; start it (xiaoqu run) and run the command again")
    return await remote.call(command, **args)


def day_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


async def _export(data_dir: Path, args: argparse.Namespace) -> int:
    path = output_path(args.output, args.format, "visitors")
    result = await on_hub(data_dir, "the visitor log", COMMAND_EXPORT, path=str(path), first=day_text(args.first),
                          last=day_text(args.last))
    print(f"{result['path']}: {result['rows']} visits, names, phones and plates masked (the export is audited)")
    return 0


# --- in the hub ---------------------------------------------------------------------------------


async def write_file(hub: Hub, path: str, columns: tuple[str, ...], lines: list[list[Any]], title: str) -> int:
    """``lines`` under ``columns`` to ``path`` (.csv or .xlsx, formula-safe, 0600) off the loop."""
    try:
        return await hub.run_in_executor(write_table, Path(path), columns, lines, title)
    except (SheetError, OSError, StorageError) as err:
        raise HubError(f"cannot write {path}: {err}") from None


def offer(hub: Hub) -> None:
    """Answer ``xiaoqu visitors export`` on the hub's control socket (when it has one)."""
    control = hub.data.get(DATA_CONTROL)
    if control is not None:
        control.add_command(COMMAND_EXPORT, partial(export, hub))


async def export(hub: Hub, actor: Actor, path: str, first: str | None = None, last: str | None = None) -> dict[str, Any]:
    """The visits registered from ``first`` to ``last`` (ISO days, both included), newest first, masked."""
    try:
        start, end = (None if text is None else date.fromisoformat(text) for text in (first, last))
    except ValueError as err:
        raise HubError(f"first/last: {err}") from None
    if start is not None and end is not None and end < start:
        raise HubError(f"last: {end} is before first {start}")
    query: dict[str, Any] = {}
    if start is not None:
        query["start"] = datetime.combine(start, time())
    if end is not None:
        query["end"] = datetime.combine(end + timedelta(days=1), time())
    visitors = get_visitors(hub)
    shown = [visitors.response(visit) for visit in log.find(visitors, query)]
    count = await write_file(hub, path, COLUMNS, [[row.get(column) for column in COLUMNS] for row in shown],
                             "visitors")
    get_auth(hub).manager.audit.record(AUDIT_EXPORTED, actor, file=path, rows=count, first=first, last=last,
                                       masked=True)
    return {"path": path, "rows": count}
