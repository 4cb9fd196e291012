"""``xiaoqu residents import``, ``export`` and ``invite``, run where the data is.

The registry has one writer. While the hub runs, the command asks it, through the control
socket auth keeps for ``xiaoqu user`` (:meth:`ControlServer.add_command`): the hub reads the
file itself (the socket is private to the hub's OS user, who may read the file anyway), so
the change is live at once and every door sees it. With no hub, the command opens the store
itself. Both run :class:`ResidentsCommands`, so they behave alike. An invitation is made
only by a running hub: its code is good at the hub's ``/portal/join``, nowhere else.
"""
from __future__ import annotations

import asyncio
import getpass
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.auth.audit import Actor, AuditLog
from xiaoqu.core.auth.control import RemoteCommands, running_hub
from xiaoqu.core.const import RECORDER_FILE
from xiaoqu.core.errors import HubError
from xiaoqu.core.recorder import Recorder
from xiaoqu.core.storage import StorageError
from xiaoqu.core.validation import vol

from .audit import Auditor
from .const import AUDIT_EXPORTED, AUDIT_IMPORTED, PERSONAL_FIELDS
from .exporter import export_rows
from .importer import ImportReport, import_sheet
from .invites import Invites
from .registry import Residents, open_residents
from .schema import person_id
from .sheet import SheetError, read_sheet, write_sheet

if TYPE_CHECKING:
    from xiaoqu.core.auth.control import ControlServer

COMMAND_IMPORT: Final = "residents_import"
COMMAND_EXPORT: Final = "residents_export"
COMMAND_INVITE: Final = "residents_invite"
#: How long the command line waits for the hub to import a sheet.
REMOTE_TIMEOUT: Final = 600.0

Progress = Callable[[str, int, int | None], None]  # phase, done, total


class ResidentsCommands:
    """The import and export, on an open registry; invitations, on the running hub's."""

    def __init__(self, residents: Residents, auditor: Auditor, progress: Progress | None = None, *,
                 invites: Invites | None = None) -> None:
        self._residents = residents
        self._auditor = auditor
        self._progress = progress
        self._invites = invites

    def _tell(self, phase: str, total: int | None = None) -> Callable[[int], None] | None:
        progress = self._progress
        if progress is None:
            return None
        return lambda done: progress(phase, done, total)

    async def residents_import(self, actor: Actor, path: str, all_or_nothing: bool = False) -> dict[str, Any]:
        try:
            sheet = await asyncio.get_running_loop().run_in_executor(None, read_sheet, Path(path), self._tell("reading"))
        except SheetError as err:
            raise HubError(str(err)) from None
        report: ImportReport = await import_sheet(self._residents, sheet, all_or_nothing=all_or_nothing,
                                                  progress=self._tell("importing", len(sheet.rows)))
        self._auditor.record(AUDIT_IMPORTED, actor, file=str(path), rows=report.rows, persons=report.persons,
                             errors=report.error_count, written=report.written)
        return report.as_dict()

    async def residents_export(self, actor: Actor, path: str, unmasked: bool = False,
                               chinese: bool = False) -> dict[str, Any]:
        rows = list(export_rows(self._residents, unmasked=unmasked))
        try:
            count = await asyncio.get_running_loop().run_in_executor(
                None, lambda: write_sheet(Path(path), rows, chinese=chinese))
        except (SheetError, OSError, StorageError) as err:
            raise HubError(f"cannot write {path}: {err}") from None
        details = {"fields": list(PERSONAL_FIELDS)} if unmasked else {}
        self._auditor.record(AUDIT_EXPORTED, actor, file=str(path), rows=count, unmasked=unmasked, **details)
        return {"rows": count, "path": str(path), "unmasked": unmasked}


    async def residents_invite(self, actor: Actor, person: str) -> dict[str, Any]:
        if self._invites is None:
            raise HubError("start the hub first: an invitation's code is good only at a running hub's /portal/join")
        try:
            wanted = person_id(person)
        except vol.Invalid as err:
            raise HubError(f"person: {err.msg}") from None
        code, invite = await self._invites.invite(wanted, actor)
        person_record = self._residents.person(invite.person)
        household = person_record.household if person_record is not None else None
        return {"person": invite.person, "household": household, "code": code,
                "expires": self._invites.iso(invite.expires)}


def register(control: ControlServer, commands: ResidentsCommands) -> None:
    """Offer the commands on the hub's control socket."""
    control.add_command(COMMAND_IMPORT, commands.residents_import)
    control.add_command(COMMAND_EXPORT, commands.residents_export)
    control.add_command(COMMAND_INVITE, commands.residents_invite)


class _Local:
    def __init__(self, commands: ResidentsCommands, actor: Actor) -> None:
        self._commands = commands
        self._actor = actor

    async def call(self, command: str, **args: Any) -> Any:
        method = getattr(self._commands, command)
        return await method(self._actor, **args)


@asynccontextmanager
async def open_commands(data_dir: Path, config: dict[str, Any],
                        progress: Progress | None = None) -> AsyncIterator[RemoteCommands | _Local]:
    """The commands on the running hub if one answers, else on the store directly."""
    if (remote := await running_hub(data_dir, REMOTE_TIMEOUT)) is not None:
        yield remote
        return
    recorder = Recorder(Path(data_dir) / RECORDER_FILE)
    await recorder.start()
    try:
        auditor = Auditor(log=AuditLog(recorder))
        loop = asyncio.get_running_loop()
        residents = await open_residents(Path(data_dir), config, auditor, time.time,
                                         lambda func, *args: loop.run_in_executor(None, func, *args))
        try:
            yield _Local(ResidentsCommands(residents, auditor, progress), Actor("cli", f"cli:{getpass.getuser()}"))
        finally:
            await residents.close()
    finally:
        await recorder.stop()
