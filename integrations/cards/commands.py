"""``xiaoqu cards report``, run where the data is.

While the hub runs, the command asks it through the control socket
(:meth:`~xiaoqu.core.auth.control.ControlServer.add_command`), as ``xiaoqu attendance export``
does: the hub holds the ledger's lock and has the latest charges in memory, so it writes the
file. With no hub, the command opens the card records, the ledger and the recorder itself and
makes the same report from the same :class:`~.reports.Books`.
"""
from __future__ import annotations

import asyncio
import getpass
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from xiaoqu.core.auth.audit import Actor, AuditLog
from xiaoqu.core.auth.control import running_hub
from xiaoqu.core.const import RECORDER_FILE
from xiaoqu.core.ledger import Ledger
from xiaoqu.core.recorder import Recorder
from xiaoqu.integrations.residents.audit import Auditor
from xiaoqu.integrations.residents.const import DOMAIN as RESIDENTS
from xiaoqu.integrations.residents.registry import open_residents

from .const import COMMAND_REPORT, DOMAIN, LEDGER_FILE
from .export import export_report
from .registry import CardRegistry
from .reports import Books, Progress

if TYPE_CHECKING:
    from xiaoqu.core.auth.control import ControlServer
    from xiaoqu.core.cli.site import Site

#: How long the command line waits for the hub to write a report.
REMOTE_TIMEOUT: Final = 600.0
AUDIT_EXPORTED: Final = f"{DOMAIN}_report_exported"

Report = Callable[..., Awaitable[dict[str, Any]]]
Audit = Callable[..., None]


def reporter(books: Books, audit: Audit, progress: Progress = lambda _n: None) -> Report:
    """The report as a command: ``await report(actor, path=, kind=, first=, last=)``, audited.

    ``first`` and ``last`` are ISO dates, both days included, at the site's midnights.
    """

    async def report(actor: Actor, path: str, kind: str, first: str | None = None,
                     last: str | None = None) -> dict[str, Any]:
        start = None if first is None else _midnight(date.fromisoformat(first), books)
        end = None if last is None else _midnight(date.fromisoformat(last) + timedelta(days=1), books)
        result = await export_report(books, Path(path), kind, start, end, progress)
        audit(AUDIT_EXPORTED, actor, file=result["path"], kind=kind, first=first, last=last, rows=result["rows"])
        return result

    return report


def _midnight(day: date, books: Books) -> float:
    return datetime.combine(day, datetime.min.time(), books.tz).timestamp()


def register(control: ControlServer, books: Books, audit: Audit) -> None:
    """Offer the report on the hub's control socket."""
    control.add_command(COMMAND_REPORT, reporter(books, audit))


@asynccontextmanager
async def open_report(site: Site, progress: Progress) -> AsyncIterator[tuple[Report, bool]]:
    """``report(**args)`` and whether it runs on the hub: on the running hub if one answers
    (no progress comes back over the socket), else on the stores directly, where the hub keeps
    them (:func:`~xiaoqu.core.cli.site.load_site`), telling ``progress``."""
    data_dir = site.data_dir
    if (remote := await running_hub(data_dir, REMOTE_TIMEOUT)) is not None:
        yield (lambda **args: remote.call(COMMAND_REPORT, **args)), True
        return
    recorder = Recorder(data_dir / RECORDER_FILE)
    await recorder.start()
    try:
        log = AuditLog(recorder)
        loop = asyncio.get_running_loop()
        residents = await open_residents(data_dir, site.sections[RESIDENTS], Auditor(log=log), time.time,
                                         lambda func, *args: loop.run_in_executor(None, func, *args))
        registry = CardRegistry(data_dir, residents)
        ledger = Ledger(data_dir / LEDGER_FILE)
        try:
            await registry.open()
            await ledger.open()
            report = reporter(Books(registry, ledger, recorder, ZoneInfo(site.config.time_zone)), log.record, progress)
            actor = Actor("cli", f"cli:{getpass.getuser()}")
            yield (lambda **args: report(actor, **args)), False
        finally:
            await ledger.close()
            await registry.close()
            await residents.close()
    finally:
        await recorder.stop()
