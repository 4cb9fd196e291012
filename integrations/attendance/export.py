"""Writing a month's sheet to a file, for the ``attendance.export`` service and the command line alike."""
from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError
from xiaoqu.integrations.residents.sheet import SheetError, write_table

from .sheets import export_lines

if TYPE_CHECKING:
    from .attendance import Attendance


async def export_month(attendance: Attendance, path: Path, first: date, team: str | None, person: str | None,
                       chinese: bool = False) -> dict[str, Any]:
    """Write the month of ``team`` (or ``person``) to ``path`` (.csv or .xlsx) off the loop."""
    days = await attendance.month(first, team, person)
    header, lines = export_lines(days, chinese)
    title = f"{first:%Y-%m}"
    try:
        rows = await asyncio.get_running_loop().run_in_executor(None, write_table, path, header, lines, title)
    except (SheetError, OSError) as err:
        raise HubError(f"cannot write {path}: {err}") from None
    return {"path": str(path), "rows": rows, "month": title, "persons": len({day.person for day in days})}
