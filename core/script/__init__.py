"""Scripts: Home Assistant's ``script:`` integration, as a core plugin (always set up).

A script is a named sequence of steps in the automation language, run when something calls
it: the entity ``script.<id>`` (on while it runs) and the service ``script.<id>`` (the
caller waits for the end and may take its response), plus ``script.turn_on``,
``script.turn_off``, ``script.toggle`` and ``script.reload``. The steps, run modes, traces
and config errors are the automation engine's own (``core.automation``).

Public API:

- ``hub.data["script"]`` is the `ScriptEngine`: ``describe()``, ``traces(id)``,
  ``trace(id, run_id)`` (JSON-able data, also at ``/api/script``), ``reload()``;
- `validate_scripts(hub, raw_config)`: every error in a config's scripts, without setting
  anything up (``xiaoqu check-config``); `entity_ids(section)`: the ``script.<id>`` a
  section creates.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.automation.config import section_place
from xiaoqu.core.const import EVENT_HUB_START
from xiaoqu.core.script.config import entity_ids, script_ids, validate_scripts
from xiaoqu.core.script.const import DOMAIN, SERVICE_TOGGLE, SERVICE_TURN_OFF, SERVICE_TURN_ON, SERVICES
from xiaoqu.core.script.engine import ScriptEngine

if TYPE_CHECKING:
    from aiohttp import web

    from xiaoqu.core.hub import Hub

__all__ = ["ScriptEngine", "entity_ids", "validate_scripts"]


@hookimpl
def xiaoqu_services(config: Any) -> list[str]:
    """The four services every hub has, and ``script.<id>`` for each script of the section."""
    return [f"{DOMAIN}.{name}" for name in (*SERVICES, *script_ids(config))]


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    """Managers may start and stop scripts by hand, as they may automations; what a script
    then does is checked step by step against their role. ``script.<id>`` itself is granted
    per script in ``auth: roles:``."""
    return {"manager": [f"{DOMAIN}.{name}" for name in (SERVICE_TURN_ON, SERVICE_TURN_OFF, SERVICE_TOGGLE)]}


@hookimpl
async def xiaoqu_setup(hub: Hub, config: Any) -> None:
    """No config schema on purpose: each script is checked on its own (see config.py).

    Set up while the hub sets up, so that ``script.<id>`` exists when automations are armed.
    """
    from xiaoqu.core.hub import HubState

    engine = hub.data[DOMAIN] = ScriptEngine(hub)
    engine.register_services()
    await engine.apply(config, section_place(hub.config.raw, DOMAIN))
    if hub.state is HubState.RUNNING:
        engine.started()
    else:
        hub.bus.listen_once(EVENT_HUB_START, engine.started)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    engine: ScriptEngine | None = hub.data.get(DOMAIN)
    if engine is not None:
        await engine.stop()


@hookimpl
def xiaoqu_http_routes(hub: Hub, app: web.Application) -> None:
    from xiaoqu.core.automation.http import add_trace_routes

    add_trace_routes(app, DOMAIN)
