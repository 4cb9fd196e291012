"""Helpers for testing plugins on a real hub — what ``xiaoqu new-plugin``'s test uses.

A test describes the site as a config mapping (or YAML text); the hub is built through the
same path ``xiaoqu run`` takes, in a temporary directory, with an optional manual clock.
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import yaml

from xiaoqu.core.clock import Clock
from xiaoqu.core.hub import Hub


def write_config(config_dir: Path, config: Mapping[str, Any] | str, name: str = "config.yaml") -> Path:
    path = config_dir / name
    text = config if isinstance(config, str) else yaml.safe_dump(dict(config), allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


@asynccontextmanager
async def running_hub(
    config_dir: Path,
    config: Mapping[str, Any] | str,
    *,
    clock: Clock | None = None,
    plugins_dir: Path | None = None,
    expect_problems: bool = False,
) -> AsyncIterator[Hub]:
    """Build and start a hub on ``config``; stop it (flushing every store) on exit.

    Unless ``expect_problems``, any config error or plugin failure fails the test at once
    with every message, instead of surfacing later as a missing entity. ``plugins_dir`` is a
    folder of site plugins to load besides ``<config_dir>/plugins/`` (a plugin's own tests
    pass the folder their plugin lives in).
    """
    from xiaoqu.core.bootstrap import setup_hub

    extra = [plugins_dir] if plugins_dir is not None else []
    if not isinstance(config, str) and "http" not in config:
        # A test hub serves HTTP on a free port (hub.data[DATA_SERVER].port), never the site's 8123.
        config = {**config, "http": {"server_port": 0}}
    hub, checked = await setup_hub(write_config(config_dir, config), clock=clock, plugin_dirs=extra)
    try:
        errors = [str(e) for e in checked.errors if e.severity == "error"] + [str(p) for p in checked.problems]
        if errors and not expect_problems:
            raise AssertionError("the test hub did not come up cleanly:\n" + "\n".join(errors))
        await hub.start()
        await hub.block_till_done()
        yield hub
    finally:
        await hub.stop()
