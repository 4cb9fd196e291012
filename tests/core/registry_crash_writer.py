"""Child process for the registry crash test: one staff rename, stopped after each file write.

Usage: python registry_crash_writer.py DIRECTORY

The store's file writer is wrapped so that once a file write is complete this process prints
``wrote`` and goes no further; the test kills it with SIGKILL there. That is the worst moment
for a change the store would take two file writes to make: the first is on disk, the second
never comes.
"""
from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from xiaoqu.core import storage as storage_module
from xiaoqu.core.hub import Hub, HubConfig
from xiaoqu.core.registry import STORE_NAME, EntityRegistry
from xiaoqu.core.storage import Storage

RENAMED = "lock.north_gate"
NAME = "North gate"


def stop_after_writing(write: Callable[..., None]) -> Callable[..., None]:
    def write_then_stop(*args: Any) -> None:
        write(*args)
        sys.stdout.write("wrote\n")
        sys.stdout.flush()
        threading.Event().wait()  # until the SIGKILL

    return write_then_stop


async def main(directory: Path) -> None:
    storage = Storage(directory)
    registry = EntityRegistry(Hub(HubConfig(config_dir=directory)))
    registry.load(await storage.open(STORE_NAME))
    storage_module._write_store = stop_after_writing(storage_module._write_store)
    await registry.update("lock.gate_1", new_entity_id=RENAMED, name=NAME)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
