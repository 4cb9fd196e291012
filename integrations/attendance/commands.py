"""``xiaoqu attendance export``, run where the data is.

While the hub runs, the command asks it through the control socket
(:meth:`~xiaoqu.core.auth.control.ControlServer.add_command`), as ``xiaoqu residents import``
does: the hub writes the file, with the punches it has just recorded. With no hub, the
command opens the residents store and the recorder itself and builds the same
:class:`Attendance` from the site's config.
"""
from __future__ import annotations

import asyncio
import getpass
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth.audit import Actor, AuditLog
from xiaoqu.core.auth.control import running_hub
from xiaoqu.core.calendar import SiteCalendar
from xiaoqu.core.const import RECORDER_FILE
from xiaoqu.core.recorder import Recorder
from xiaoqu.integrations.residents.audit import Auditor
from xiaoqu.integrations.residents.const import DOMAIN as RESIDENTS
from xiaoqu.integrations.residents.registry import open_residents

from .attendance import Attendance
from .const import AUDIT_EXPORTED, COMMAND_EXPORT, DOMAIN
from .export import export_month
from .schema import month as parse_month

if TYPE_CHECKING:
    from xiaoqu.core.auth.control import ControlServer
    from xiaoqu.core.cli.site import Site

#: How long the command line waits for the hub to write a sheet.
REMOTE_TIMEOUT: Final = 300.0

Export = Callable[..., Awaitable[dict[str, Any]]]


def exporter(attendance: Attendance, audit: Callable[..., None]) -> Export:
    """The export as a command: ``await export(actor, path=, month=, team=, person=, chinese=)``, audited."""

    async def export(actor: Actor, path: str, month: str, team: str | None = None, person: str | None = None,
                     chinese: bool = False) -> dict[str, Any]:
        result = await export_month(attendance, Path(path), parse_month(month), team, person, chinese)
        audit(AUDIT_EXPORTED, actor, file=result["path"], month=result["month"], team=team, person=person,
              rows=result["rows"])
        return result

    return export


def register(control: ControlServer, attendance: Attendance, audit: Callable[..., None]) -> None:
    """Offer the export on the hub's control socket."""
    control.add_command(COMMAND_EXPORT, exporter(attendance, audit))


@asynccontextmanager
async def open_export(site: Site) -> AsyncIterator[Export]:
    """``export(**args)`` on the running hub if one answers, else on the stores directly, where
    the hub keeps them (:func:`~xiaoqu.core.cli.site.load_site`)."""
    if (remote := await running_hub(site.data_dir, REMOTE_TIMEOUT)) is not None:
        yield lambda **args: remote.call(COMMAND_EXPORT, **args)
        return
    recorder = Recorder(site.data_dir / RECORDER_FILE)
    await recorder.start()
    try:
        log = AuditLog(recorder)
        loop = asyncio.get_running_loop()
        residents = await open_residents(site.data_dir, site.sections[RESIDENTS], Auditor(log=log), time.time,
                                         lambda func, *args: loop.run_in_executor(None, func, *args))
        try:
            calendar = await loop.run_in_executor(None, site_calendar, site)
            attendance = Attendance.from_config(site.sections[DOMAIN], residents, calendar, recorder, time.time)
            export = exporter(attendance, log.record)
            actor = Actor("cli", f"cli:{getpass.getuser()}")
            yield lambda **args: export(actor, **args)
        finally:
            await residents.close()
    finally:
        await recorder.stop()


def site_calendar(site: Site) -> SiteCalendar:
    """The site calendar as the hub builds it (blocking: it reads the holiday files)."""
    config, section = site.config, site.sections["calendar"]
    return SiteCalendar(config.time_zone, config.country, config.config_dir / section["holidays_file"],
                        language=config.language, weekend=section["weekend"], config_dir=config.config_dir)
