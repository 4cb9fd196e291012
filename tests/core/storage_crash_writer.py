"""Child process for the crash test: a burst of awaited inserts, each acknowledged on stdout.

Usage: python storage_crash_writer.py DIRECTORY

Every line printed is a key whose insert had returned, i.e. was on disk by the store's
promise. The test kills this process with SIGKILL mid-burst and checks every printed key is
in the store. Twenty tasks write at once, so group commit is what is being killed.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from xiaoqu.core.storage import Storage

WRITERS = 20
PER_WRITER = 5_000  # a bound in case nobody kills us


async def main(directory: Path) -> None:
    storage = Storage(directory)
    table = (await storage.open("crash")).table("acks")

    async def write(writer: int) -> None:
        for n in range(PER_WRITER):
            key = f"{writer}-{n}"
            await table.insert({"key": key, "pad": "x" * 200})
            sys.stdout.write(f"{key}\n")
            sys.stdout.flush()

    await asyncio.gather(*(write(writer) for writer in range(WRITERS)))
    await storage.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
