"""Access's own data on disk: ``<data dir>/access.db``, one row per credential, group, restriction.

A :class:`~xiaoqu.core.rowstore.RowStore`: a change writes its one row, off the event
loop, and is durable when its ``await`` returns, whatever the tables hold. The decision
never reads the disk: :meth:`AccessStore.load` reads everything once at start-up into the
in-memory indexes, and every change is made in memory first, then written.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from xiaoqu.core.rowstore import Change, RowStore
from xiaoqu.core.storage import open_private

from .const import KEY_FILE, STORE_FILE, TABLE_CREDENTIALS, TABLE_GROUPS, TABLE_RESTRICTIONS

TABLES = (TABLE_CREDENTIALS, TABLE_GROUPS, TABLE_RESTRICTIONS)


class AccessStore:
    def __init__(self, data_dir: Path) -> None:
        self.rows = RowStore(Path(data_dir) / STORE_FILE, TABLES)

    async def open(self) -> dict[str, list[dict[str, Any]]]:
        """Open the file and read every table: ``{table: [document, ...]}``."""
        await self.rows.open()
        return {table: [doc for _key, doc in await self.rows.load(table)] for table in TABLES}

    async def close(self) -> None:
        await self.rows.close()

    async def put(self, table: str, key: str, doc: dict[str, Any]) -> None:
        await self.rows.put(table, key, doc)

    async def delete(self, table: str, key: str) -> None:
        await self.rows.delete(table, key)

    async def write(self, changes: list[Change]) -> None:
        await self.rows.write(changes)


def load_site_key(data_dir: Path) -> bytes:
    """The site's secret for keyed digests, from ``<data dir>/access.key`` (made once, 0600).
    Its own file, not residents' key: that one rotates, and every PIN's digest would change
    with it. Blocking."""
    path = Path(data_dir) / KEY_FILE
    try:
        fd = open_private(path, os.O_RDONLY)
    except FileNotFoundError:
        return _make_site_key(path)
    with os.fdopen(fd, "rb") as file:
        return bytes.fromhex(file.read().decode("ascii").strip())


def _make_site_key(path: Path) -> bytes:
    secret = secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = open_private(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(fd, "w") as file:
        file.write(secret.hex() + "\n")
        file.flush()
        os.fsync(file.fileno())
    return secret
