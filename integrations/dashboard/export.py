"""Every list's download: the rows a page shows as a CSV or an .xlsx file.

A page offers its export as itself with ``?format=csv`` or ``?format=xlsx``, so the download
is checked by the same permission, read through the same service call and filtered by the same
fields as the page, and no list can be exported by someone who may not see it. The files are
written by the core's formula-safe writers, as every other export of the office's is: they open
in Chinese Excel or WPS (CSV with the BOM it looks for) and no cell runs as a formula. Each
download is audited (who took which list, filtered how, how many rows): a list that leaves the
hub may hold personal data.

    fmt = wants_export(page)
    if fmt is not None:
        return export_response(page, "access-log", headings, rows, fmt)
"""
from __future__ import annotations

import asyncio
import io
import re
from typing import TYPE_CHECKING, Final

from aiohttp import web

from xiaoqu.core.spreadsheet import write_csv, write_xlsx

from .const import AUDIT_EXPORT
from .paging import link
from .request import NO_STORE

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Sequence

    from .request import PageRequest

#: Each format a list is exported in, with the type its file is sent as.
FORMATS: Final = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The query field a page's export link sets.
FORMAT_FIELD: Final = "format"
#: A file name as the code gives it: ASCII, no quote, no path (it goes into a header as it is).
_NAME: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
#: The longest title Excel gives a worksheet.
_SHEET_TITLE: Final = 31


def wants_export(page: PageRequest) -> str | None:
    """``"csv"`` or ``"xlsx"`` when the page is asked for as a download; None to show it (any
    other ``format`` too: a link typed wrong shows the page rather than an error)."""
    asked = page.query.get(FORMAT_FIELD)
    return asked if asked in FORMATS else None


def export_urls(page: PageRequest) -> tuple[str, str]:
    """This page, with the filters it was asked with, as a CSV and as an .xlsx download: what the
    ``export_links`` macro takes."""
    query = {name: value for name, value in page.query.items() if name != FORMAT_FIELD}
    return link(page, {**query, FORMAT_FIELD: "csv"}), link(page, {**query, FORMAT_FIELD: "xlsx"})


def export_response(page: PageRequest, name: str, headings: Sequence[str], rows: Iterable[Sequence[object]],
                    fmt: str) -> web.Response:
    """``rows`` under ``headings`` (already translated) as ``<name>.<fmt>``, a download never
    kept by a browser or a proxy (an export may hold personal data, masked or not).

    The rows are read here, on the loop (they may come from the page's live state); the file is
    written in a worker thread while the response is sent, since an .xlsx of 30,000 rows takes
    openpyxl seconds and the loop must keep deciding at the doors meanwhile. Everything is held
    in memory: give it a page's rows or a bounded query's, not a whole table. ``name`` is the
    code's own (``access-log``), never a user's.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"export name {name!r} is not like 'access-log'")
    if fmt not in FORMATS:
        raise ValueError(f"export format {fmt!r} is not one of {', '.join(FORMATS)}")
    header, lines = list(headings), [list(row) for row in rows]
    filters = {key: value for key, value in page.query.items() if key != FORMAT_FIELD}
    page.dashboard.access.record(AUDIT_EXPORT, page.context, page=page.request.path, format=fmt, rows=len(lines),
                                 filters=filters)
    loop = asyncio.get_running_loop()

    async def body() -> AsyncIterator[bytes]:
        yield await loop.run_in_executor(None, _written, fmt, name, header, lines)

    return web.Response(body=body(), content_type=FORMATS[fmt], charset="utf-8" if fmt == "csv" else None,
                        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"', **NO_STORE})


def _written(fmt: str, name: str, header: list[str], lines: list[list[object]]) -> bytes:
    """The file's bytes (in a worker thread)."""
    if fmt == "csv":
        text = io.StringIO()
        write_csv(text, header, lines)
        return text.getvalue().encode("utf-8-sig")  # the BOM: Chinese Excel then reads UTF-8 right
    data = io.BytesIO()
    write_xlsx(data, header, lines, name[:_SHEET_TITLE])
    return data.getvalue()
