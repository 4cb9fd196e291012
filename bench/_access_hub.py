"""bench/access.py's memory probe: a hub of its own process, started on a site directory.

    python bench/_access_hub.py DIR     # prints {"rss_mb", "peak_mb", "start_s", "credentials"} as JSON

The hub is built from ``DIR/config.yaml`` as ``xiaoqu run`` builds it (garbage collection
tuned first, start-up frozen after), loads whatever ``DIR``'s stores hold, settles, collects
garbage and reports its resident memory (VmRSS) and the peak during start-up (VmHWM) from
``/proc/self/status``. Run on the bench's estate and on an empty copy of the same config,
the difference is what the estate costs.
"""
from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xiaoqu.core.gc_tuning import freeze_start_up, tune_for_hub
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import get_residents


def status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


async def main(directory: Path) -> None:
    tune_for_hub()
    t0 = time.perf_counter()
    async with running_hub(directory, (directory / "config.yaml").read_text(encoding="utf-8")) as hub:
        started = time.perf_counter() - t0
        freeze_start_up()
        await asyncio.sleep(2)  # the hub settles: connections, first state writes
        gc.collect()
        residents = get_residents(hub)
        credentials = sum(len(p.cards) + (p.face_id is not None) for p in residents.persons())
        credentials += len(list(residents.vehicles()))
        print(json.dumps({"rss_mb": status_mb("VmRSS"), "peak_mb": status_mb("VmHWM"), "start_s": started,
                          "credentials": credentials}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1])))
