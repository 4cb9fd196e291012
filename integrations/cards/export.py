"""A report to a .csv or .xlsx file, for the ``cards.report`` service and the command line alike."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from xiaoqu.core.errors import HubError
from xiaoqu.integrations.residents.sheet import SheetError, write_table

from .reports import Books, Progress, build


async def export_report(books: Books, path: Path, kind: str, start: float | None, end: float | None,
                        progress: Progress = lambda _n: None) -> dict[str, Any]:
    """Write report ``kind`` to ``path`` off the loop (formula-safe, 0600); its totals with it."""
    report = await build(books, kind, start, end, progress)
    try:
        rows = await asyncio.get_running_loop().run_in_executor(None, write_table, path, report.header, report.rows,
                                                                kind)
    except (SheetError, OSError) as err:
        raise HubError(f"cannot write {path}: {err}") from None
    return {"path": str(path), "kind": kind, "rows": rows, "totals": report.totals}
