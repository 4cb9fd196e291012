"""Automations: Home Assistant's automation language, as a core plugin (always set up).

Public API (for plugins, the HTTP API and the command line):

- trigger and condition types: the ``xiaoqu_automation_triggers`` and
  ``xiaoqu_automation_conditions`` hooks; the interfaces are in `core.automation.platforms`;
- ``hub.data[DATA_ENGINE]`` is the `AutomationEngine`: ``describe()``, ``traces(id)``,
  ``trace(id, run_id)`` (JSON-able data), ``reload()``;
- `validate_automations(hub, raw_config)`: every error in a config's automations, without
  setting anything up (``xiaoqu check-config``);
- `core.automation.trace.record`: explain a condition's result in the trace.

The automations are checked and armed when the hub starts (``hub_start``), once every
plugin has registered its services, entities and trigger types.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.automation.config import validate_automations
from xiaoqu.core.automation.const import DATA_ENGINE, DOMAIN, SERVICES
from xiaoqu.core.automation.engine import AutomationEngine
from xiaoqu.core.automation.platforms import ConditionPlatform, TriggerInfo, TriggerPlatform
from xiaoqu.core.automation.trace import record
from xiaoqu.core.const import EVENT_HUB_START

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

__all__ = [
    "AutomationEngine",
    "ConditionPlatform",
    "TriggerInfo",
    "TriggerPlatform",
    "record",
    "validate_automations",
]


@hookimpl
def xiaoqu_services() -> list[str]:
    return [f"{DOMAIN}.{service}" for service in SERVICES]


@hookimpl
async def xiaoqu_setup(hub: Hub, config: Any) -> None:
    """No config schema on purpose: each automation is checked on its own, and the labelled
    sections (``automation kitchen:``) with ``automation:`` (see config.py)."""
    from xiaoqu.core.hub import HubState

    engine = hub.data[DATA_ENGINE] = AutomationEngine(hub)
    engine.register_services()
    if hub.state is HubState.RUNNING:
        await engine.start()
    else:
        hub.bus.listen_once(EVENT_HUB_START, engine.start)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    engine = hub.data.get(DATA_ENGINE)
    if engine is not None:
        await engine.stop()


@hookimpl
def xiaoqu_http_routes(hub: Hub, app: web.Application) -> None:
    from xiaoqu.core.automation.http import add_routes

    add_routes(hub, app)
