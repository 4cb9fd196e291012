"""How the hub's process collects garbage.

CPython's default thresholds (700 allocations between young collections) make a burst of
work — ten thousand retained discovery configs at start-up, each building entities, schemas
and registry entries that all live on — spend a fifth of its time collecting objects that
are not garbage. A hub allocates fast and keeps most of what it allocates, so the young
generation is collected far less often, and what start-up built is frozen out of every later
full collection. Cyclic garbage is still collected: every 100,000 allocations young, and the
oldest generation every 200 million (docs/benchmarks.md, MQTT discovery at scale).
"""
from __future__ import annotations

import gc
from typing import Final

#: Young-generation allocations, then collections of each generation before the next.
THRESHOLDS: Final = (100_000, 20, 100)


def tune_for_hub() -> None:
    """Collect less often: called once, before the hub is built (``xiaoqu run``)."""
    gc.set_threshold(*THRESHOLDS)


def freeze_start_up() -> None:
    """Move every object alive now (modules, config, entities) out of later collections:
    called once the hub has started."""
    gc.collect()
    gc.freeze()
