"""``xiaoqu billing run|pay|report|bank``: the finance office's commands, run by the running hub.

The hub holds the bills in memory and the ledger's lock, so every command asks it through the
control socket (as ``xiaoqu parking report`` does, whose plumbing this shares); with no hub
running the command says so. Each call is audited by the hub as the OS user who ran it.
A file is written by the hub (0600, formula-safe for CSV/.xlsx). The socket answers once, at
the end, so the progress shown while the hub works is a bar with the time elapsed, not a count.

    xiaoqu billing run 2026-03
    xiaoqu billing pay 1-2-0601 500.00 --payment-id desk-0316-07 --method cash
    xiaoqu billing report ageing -o ageing.xlsx
    xiaoqu billing report collection_rate --from 2026-01-01 --to 2026-12-31 --format png
    xiaoqu billing bank export 2026-03 -o icbc-2026-03.csv
    xiaoqu billing bank import icbc-result-0316.csv
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeVar

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.const import DATA_CONTROL
from xiaoqu.core.auth.control import running_hub
from xiaoqu.core.bus import Context
from xiaoqu.core.cli import add_config_option
from xiaoqu.core.cli.site import CommandError, command_errors, load_site
from xiaoqu.core.errors import HubError
from xiaoqu.core.money import fen_of, yuan
from xiaoqu.core.storage import StorageError, open_private
from xiaoqu.core.validation import vol
from xiaoqu.integrations.residents.sheet import SheetError, write_table

from . import reports
from .chart import bar_chart
from .const import AUDIT_BANK_EXPORTED, AUDIT_BANK_IMPORTED, AUDIT_REPORT_EXPORTED, DOMAIN
from .runtime import get_billing
from .schema import BANK_EXPORT_SCHEMA, PAY_SCHEMA, RUN_SCHEMA

if TYPE_CHECKING:
    from xiaoqu.core.auth.audit import Actor
    from xiaoqu.core.hub import Hub

COMMAND_RUN: Final = "billing_run"
COMMAND_PAY: Final = "billing_pay"
COMMAND_REPORT: Final = "billing_report"
COMMAND_BANK_EXPORT: Final = "billing_bank_export"
COMMAND_BANK_IMPORT: Final = "billing_bank_import"
REPORT_FORMATS: Final = ("csv", "xlsx", "png")
SHEETS: Final = ("csv", "xlsx")
#: How long the command line waits for the hub (a run of 10,000 households takes seconds).
REMOTE_TIMEOUT: Final = 600.0
#: The largest bank result file the hub reads.
MAX_RESULT_BYTES: Final = 20_000_000

T = TypeVar("T")


# --- the command line ---------------------------------------------------------------------------


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(DOMAIN, help="property fees: runs, payments, reports, bank collection",
                                   description="Property fees, through the running hub.")
    group = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    command = _command(group, "run", "bill every household for a period once (a second run issues nothing)")
    command.add_argument("period", help="the period, like 2026-03")
    command.set_defaults(func=lambda args: run(args, _run))

    command = _command(group, "pay", "apply a payment: oldest bill first, the rest kept as credit")
    command.add_argument("household", help="the household, like 1-2-0601")
    command.add_argument("amount", help="the amount in yuan, like 500 or 223.75")
    command.add_argument("--payment-id", required=True, help="the payment's id: a repeat applies nothing")
    command.add_argument("--method", default="cash", help="cash, transfer, terminal, ... (default: cash)")
    command.set_defaults(func=lambda args: run(args, _pay))

    command = _command(group, "report", "write a statement: " + ", ".join(reports.KINDS))
    command.add_argument("kind", choices=reports.KINDS)
    add_period_options(command)
    command.add_argument("--format", choices=REPORT_FORMATS,
                         help="csv, xlsx or png (a chart of collection_rate); default: the output's suffix, else xlsx")
    command.add_argument("-o", "--output", type=Path, help="the file to write (default: billing-KIND.FORMAT)")
    command.set_defaults(func=lambda args: run(args, _report))

    bank = group.add_parser("bank", help="bank collection (托收): the file for the bank, the bank's result",
                            description="Bank collection (托收); docs/billing.md gives both files' layout.")
    bank_group = bank.add_subparsers(title="commands", metavar="COMMAND", required=True)
    command = _command(bank_group, "export", "write a period's collection file for the bank (accounts in clear)")
    command.add_argument("period", help="the period, like 2026-03")
    command.add_argument("-o", "--output", type=Path, help="the file to write (default: collection-PERIOD.csv)")
    command.set_defaults(func=lambda args: run(args, _bank_export))
    command = _command(bank_group, "import", "import the bank's result file (again: changes nothing)")
    command.add_argument("file", type=Path, help="the bank's result file (CSV)")
    command.set_defaults(func=lambda args: run(args, _bank_import))


def run(args: argparse.Namespace, command: Callable[[Path, argparse.Namespace], Coroutine[Any, Any, int]]) -> int:
    """``await command(data_dir, args)`` on the site of ``-c``; an error is one line, status 1."""
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
                           "bills and the ledger; start it (xiaoqu run) and run the command again")
    return await remote.call(command, **args)


def add_period_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--from", dest="first", type=date.fromisoformat, metavar="DAY",
                         help="the first day, like 2026-01-01")
    command.add_argument("--to", dest="last", type=date.fromisoformat, metavar="DAY", help="the last day, included")


def day_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _command(group: argparse._SubParsersAction, name: str, what: str) -> argparse.ArgumentParser:
    command = group.add_parser(name, help=what, description=what[0].upper() + what[1:] + ". Needs the hub running.")
    add_config_option(command)
    return command


async def _working(what: str, work: Awaitable[T]) -> T:
    """``work`` awaited under a bar with the time elapsed (on standard error, gone when done)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  transient=True, console=Console(stderr=True)) as bar:
        bar.add_task(what, total=None)
        return await work


async def _run(data_dir: Path, args: argparse.Namespace) -> int:
    result = await _working(f"billing {args.period} on the hub", on_hub(data_dir, "a billing run", COMMAND_RUN,
                                                                        period=args.period))
    print(f"{result['period']}: {result['notices']} bills, {yuan(result['total_fen'])}; "
          f"{result['already_billed']} households already billed")
    for household, why in result["skipped"].items():
        print(f"{household}: not billed: {why}", file=sys.stderr)
    return 0


async def _pay(data_dir: Path, args: argparse.Namespace) -> int:
    try:
        amount = fen_of(args.amount)
    except ValueError as err:
        raise CommandError(f"amount {args.amount!r}: {err}") from None
    result = await on_hub(data_dir, "a payment", COMMAND_PAY, household=args.household, amount_fen=amount,
                          payment_id=args.payment_id, method=args.method)
    repeat = " (a repeat: nothing moved, the first answer)" if result["repeat"] else ""
    print(f"receipt {result['receipt_no']}{repeat}: {yuan(result['amount_fen'])} from {result['household']}; "
          f"credit now {yuan(result['credit_fen'])}")
    for part in result["allocated"]:
        print(f"  {part['bill']} {part['part']}: {yuan(part['amount_fen'])}")
    return 0


async def _report(data_dir: Path, args: argparse.Namespace) -> int:
    fmt = args.format or (args.output.suffix.lower().lstrip(".") if args.output is not None else "") or "xlsx"
    if fmt == "png" and args.kind != reports.COLLECTION_RATE:
        raise CommandError("--format png draws the collection rate: use it with collection_rate")
    if fmt not in REPORT_FORMATS:
        raise CommandError(f"{args.output} does not end in .csv, .xlsx or .png")
    path = (args.output or Path(f"billing-{args.kind}.{fmt}")).absolute()
    if path.suffix.lower() != f".{fmt}":
        raise CommandError(f"{args.output} does not end in .{fmt}")
    result = await _working(f"{args.kind} on the hub", on_hub(
        data_dir, "a billing report", COMMAND_REPORT, path=str(path), kind=args.kind, first=day_text(args.first),
        last=day_text(args.last)))
    totals = ", ".join(f"{name} {value}" for name, value in result["totals"].items())
    print(f"{result['path']}: {result['rows']} rows; {totals}")
    print(result["explanation"], file=sys.stderr)
    return 0


async def _bank_export(data_dir: Path, args: argparse.Namespace) -> int:
    path = (args.output or Path(f"collection-{args.period}.csv")).absolute()
    if path.suffix.lower() != ".csv":
        raise CommandError(f"{path} does not end in .csv: the bank's collection file is CSV")
    result = await on_hub(data_dir, "the collection file", COMMAND_BANK_EXPORT, path=str(path), period=args.period)
    print(f"{result['path']}: {result['count']} rows, {yuan(result['total_fen'])} (accounts in clear: keep it "
          "safe; the export is audited)")
    return 0


async def _bank_import(data_dir: Path, args: argparse.Namespace) -> int:
    result = await _working(f"importing {args.file.name} on the hub", on_hub(
        data_dir, "the bank's result", COMMAND_BANK_IMPORT, path=str(args.file.absolute())))
    print(f"{args.file}: {result['paid']} collected and paid, {result['failed']} failed (kept with the bank's "
          f"reason), {result['unmatched']} unmatched, {result['already']} imported before")
    for row in result["unmatched_rows"]:
        print(f"{args.file}:{row['line']}: {row['reference']}: {row['why']}", file=sys.stderr)
    return 1 if result["unmatched"] else 0


# --- in the hub ---------------------------------------------------------------------------------


def offer(hub: Hub) -> None:
    """Answer the commands on the hub's control socket (when it has one)."""
    control = hub.data.get(DATA_CONTROL)
    if control is None:
        return
    commands: dict[str, Callable[..., Awaitable[dict[str, Any]]]] = {
        COMMAND_RUN: run_period, COMMAND_PAY: pay, COMMAND_REPORT: report, COMMAND_BANK_EXPORT: bank_export,
        COMMAND_BANK_IMPORT: bank_import}
    for name, handler in commands.items():
        control.add_command(name, partial(handler, hub))


def _context(actor: Actor) -> Context:
    return Context(source=actor.name or actor.source)


async def run_period(hub: Hub, actor: Actor, period: str) -> dict[str, Any]:
    return await get_billing(hub).run(_checked(RUN_SCHEMA, {"period": period})["period"], _context(actor))


async def pay(hub: Hub, actor: Actor, **data: Any) -> dict[str, Any]:
    checked = _checked(PAY_SCHEMA, data)
    return await get_billing(hub).pay(checked["household"], checked["amount_fen"], checked["payment_id"],
                                      checked["method"], _context(actor))


def _checked(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    try:
        return dict(schema(data))
    except vol.Invalid as err:
        raise HubError(f"{'.'.join(str(p) for p in err.path) or 'input'}: {err.msg}") from None


async def report(hub: Hub, actor: Actor, path: str, kind: str, first: str | None = None,
                 last: str | None = None) -> dict[str, Any]:
    """Report ``kind`` written to ``path`` (.csv, .xlsx, or .png: the collection rate's chart)."""
    try:
        start, end = (None if text is None else date.fromisoformat(text) for text in (first, last))
    except ValueError as err:
        raise HubError(f"first/last: {err}") from None
    built = await reports.build(get_billing(hub), kind, start=start, end=end)
    if path.endswith(".png"):
        chart = bar_chart([(row["period"], None if row["rate_percent"] == "-" else float(row["rate_percent"]))
                           for row in built.rows])
        await hub.run_in_executor(_write_bytes, path, chart)
        count = len(built.rows)
    else:
        count = await write_file(hub, path, built.columns, list(built.lines()), f"billing {kind}")
    get_auth(hub).manager.audit.record(AUDIT_REPORT_EXPORTED, actor, file=path, kind=kind, first=first, last=last,
                                       rows=count, totals=built.totals)
    return {"path": path, "rows": count, "totals": built.totals, "explanation": built.explanation}


async def write_file(hub: Hub, path: str, columns: tuple[str, ...], lines: list[list[Any]], title: str) -> int:
    """``lines`` under ``columns`` to ``path`` (.csv or .xlsx, formula-safe, 0600) off the loop."""
    try:
        return await hub.run_in_executor(write_table, Path(path), columns, lines, title)
    except (SheetError, OSError, StorageError) as err:
        raise HubError(f"cannot write {path}: {err}") from None


def _write_bytes(path: str, data: bytes) -> None:
    try:
        with open(open_private(Path(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC), "wb") as file:
            file.write(data)
    except OSError as err:
        raise HubError(f"cannot write {path}: {err}") from None


async def bank_export(hub: Hub, actor: Actor, path: str, period: str) -> dict[str, Any]:
    """The period's rows made (``billing.bank_export``) and written for the bank, accounts in clear."""
    period = _checked(BANK_EXPORT_SCHEMA, {"period": period})["period"]
    bank = get_billing(hub).bank
    made = await bank.export(period)
    headers, lines = bank.file_lines(period)
    count = await write_file(hub, path, tuple(headers), lines, "collection")
    get_auth(hub).manager.audit.record(AUDIT_BANK_EXPORTED, actor, file=path, period=period, rows=count,
                                       total_fen=made["total_fen"], unmasked=["account", "holder"])
    return {"path": path, "count": count, "total_fen": made["total_fen"]}


async def bank_import(hub: Hub, actor: Actor, path: str) -> dict[str, Any]:
    """The bank's result file at ``path`` read by the hub and applied (``billing.bank_import``)."""
    text = await hub.run_in_executor(_read_text, path)
    result = await get_billing(hub).bank.import_result(text, Path(path).name)
    get_auth(hub).manager.audit.record(AUDIT_BANK_IMPORTED, actor, file=path, paid=result["paid"],
                                       failed=result["failed"], unmatched=result["unmatched"],
                                       already=result["already"])
    return result


def _read_text(path: str) -> str:
    try:
        if os.path.getsize(path) > MAX_RESULT_BYTES:
            raise HubError(f"{path} is larger than {MAX_RESULT_BYTES // 1_000_000} MB")
        with open(path, encoding="utf-8-sig") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as err:
        raise HubError(f"cannot read {path}: {err}") from None
