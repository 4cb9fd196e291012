"""The office's sheet through the dashboard, in and out, by the commands ``xiaoqu residents
import`` and ``export`` run (:class:`.commands.ResidentsCommands`), as the signed-in user.

In: an upload form. The upload is copied under the name it had to a private folder under the
data dir (it holds phone and ID numbers in clear), so each bad row is reported as
``FILE:ROW: column: what is wrong`` with the office's own file name; the folder is removed
when the import ends. Importing needs ``residents.import``.

Out: every household and resident, masked, with the headers in the reader's language, so it
reads back in as it is. The file is written off the hub's loop, as the command writes it (an
.xlsx of 30,000 persons takes seconds; doors keep deciding meanwhile), and the export is audited
as the command's is. It needs ``residents.export``.

Managers have both (``residents.*``); a site may grant them to another role in ``auth: roles:``.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from http import HTTPStatus
from pathlib import Path
from typing import IO, Any, Final
from urllib.parse import unquote

from aiohttp import web

from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.errors import HubError
from xiaoqu.core.http.helpers import MAX_BODY
from xiaoqu.core.storage import open_private
from xiaoqu.integrations.dashboard import Page, PageRequest
from xiaoqu.integrations.dashboard.const import SOURCE_DASHBOARD
from xiaoqu.integrations.dashboard.export import FORMATS, wants_export
from xiaoqu.integrations.dashboard.request import NO_STORE

from .audit import Auditor
from .commands import ResidentsCommands
from .const import DOMAIN
from .runtime import get_residents
from .sheet import SUFFIXES

PERMISSION_IMPORT: Final = f"{DOMAIN}.import"
PERMISSION_EXPORT: Final = f"{DOMAIN}.export"
#: The largest sheet the form takes: a community of 10,000 flats is some 2 MB as .xlsx. Larger
#: sheets go through ``xiaoqu residents import``. The page itself takes bodies up to the API's
#: limit, so a file over this one is answered with a page saying so rather than cut off.
MAX_UPLOAD: Final = 10 * 1024 * 1024
#: Where sheets wait while they are imported or sent, under the hub's data dir.
UPLOADS: Final = "uploads"
#: The office sheet's download name (the code's own: never a user's).
SHEET_NAME: Final = "residents"
_UNSAFE: Final = re.compile(r"[^\w\u4e00-\u9fff().（） -]")


class UploadRefused(Exception):
    """An upload the import cannot take; ``status`` and the message say why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _file_name(page: PageRequest, sent: str) -> str:
    """The uploaded file's own name (no folders; a browser may send ``C:\\fakepath\\...``), kept
    to letters, digits and a few marks, ending in .csv or .xlsx."""
    base = re.split(r"[\\/]", unquote(sent))[-1].strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUFFIXES:
        raise UploadRefused(HTTPStatus.BAD_REQUEST, page.gettext("Choose a .csv or .xlsx file."))
    return f"{_UNSAFE.sub('_', stem)[:80] or 'sheet'}.{suffix.lower()}"


def _size(file: IO[bytes]) -> int:
    size = file.seek(0, os.SEEK_END)
    file.seek(0)
    return size


def _check(page: PageRequest, upload: object) -> tuple[str, IO[bytes]]:
    """The upload's name and file, or the refusal: no file, the wrong kind, empty, too large."""
    if not isinstance(upload, web.FileField) or not upload.filename:
        raise UploadRefused(HTTPStatus.BAD_REQUEST, page.gettext("Choose a .csv or .xlsx file."))
    name = _file_name(page, upload.filename)
    size = _size(upload.file)
    if size == 0:
        raise UploadRefused(HTTPStatus.BAD_REQUEST, page.gettext("%(file)s is empty.") % {"file": name})
    if size > MAX_UPLOAD:
        raise UploadRefused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, page.gettext(
            "%(file)s is %(size).1f MB; the form takes sheets up to %(most)d MB. Split the sheet, or import it "
            "with xiaoqu residents import.") % {"file": name, "size": size / 1e6, "most": MAX_UPLOAD // 2**20})
    return name, upload.file


def _keep(path: Path, file: IO[bytes]) -> None:
    """The upload as a file only the hub's user may read (blocking)."""
    with open(open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL), "wb") as out:
        shutil.copyfileobj(file, out)


def _new_folder(data_dir: Path) -> Path:
    uploads = data_dir / UPLOADS
    uploads.mkdir(mode=0o700, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=uploads))  # 0700, a name of its own per sheet


@asynccontextmanager
async def _private_folder(page: PageRequest) -> AsyncIterator[Path]:
    """A folder only the hub's user may read, removed with what is in it when done."""
    hub = page.hub
    assert hub.config.data_dir is not None
    folder = await hub.run_in_executor(_new_folder, hub.config.data_dir)
    try:
        yield folder
    finally:
        await hub.run_in_executor(shutil.rmtree, folder, True)


def _commands(page: PageRequest) -> tuple[ResidentsCommands, Actor]:
    """The commands on the hub's registry, and the signed-in user as the audit log names them."""
    commands = ResidentsCommands(get_residents(page.hub), Auditor(get_access(page.hub)))
    return commands, Actor.for_user(page.user, SOURCE_DASHBOARD, page.request.remote)


@contextmanager
def _closing(form: Any) -> Iterator[None]:
    """The form's uploaded files closed when done with (aiohttp spools each to a temporary file)."""
    try:
        yield
    finally:
        for value in form.values():
            if isinstance(value, web.FileField):
                value.file.close()


async def import_form(page: PageRequest) -> web.StreamResponse:
    return page.render("residents/import.html", report=None, all_or_nothing=False, most=MAX_UPLOAD // 2**20)


async def import_upload(page: PageRequest) -> web.StreamResponse:
    """Import the uploaded sheet; the page lists what changed and each bad row."""
    form = await page.form()
    with _closing(form):
        try:
            name, file = _check(page, form.get("sheet"))
        except UploadRefused as refused:
            return page.message(refused.status, str(refused))
        all_or_nothing = form.get("all_or_nothing") == "on"
        async with _private_folder(page) as folder:
            await page.hub.run_in_executor(_keep, folder / name, file)
            commands, actor = _commands(page)
            try:
                report = await commands.residents_import(actor, str(folder / name), all_or_nothing)
            except HubError as err:  # no sheet the importer reads: its message names the file, not the folder
                return page.message(HTTPStatus.BAD_REQUEST, str(err).replace(f"{folder}{os.sep}", ""))
    return page.render("residents/import.html", status=HTTPStatus.OK if report["written"] else HTTPStatus.BAD_REQUEST,
                       report=report, file=name, all_or_nothing=all_or_nothing, most=MAX_UPLOAD // 2**20)


async def sheet_export(page: PageRequest) -> web.StreamResponse:
    """The office's sheet as ``xiaoqu residents export`` writes it (masked), as a download: .xlsx
    unless ``?format=csv``."""
    fmt = wants_export(page) or "xlsx"
    async with _private_folder(page) as folder:
        path = folder / f"{SHEET_NAME}.{fmt}"
        commands, actor = _commands(page)
        await commands.residents_export(actor, str(path), chinese=page.language == "zh_CN")
        body = await page.hub.run_in_executor(path.read_bytes)
    return web.Response(body=body, content_type=FORMATS[fmt], charset="utf-8" if fmt == "csv" else None,
                        headers={"Content-Disposition": f'attachment; filename="{SHEET_NAME}.{fmt}"', **NO_STORE})


SHEET_PAGES: Final = (
    Page("residents/import", import_form, permission=PERMISSION_IMPORT),
    Page("residents/import", import_upload, permission=PERMISSION_IMPORT, method="POST", max_body=MAX_BODY),
    Page("residents/sheet", sheet_export, permission=PERMISSION_EXPORT),
)
