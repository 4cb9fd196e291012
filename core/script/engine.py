"""The scripts of the hub: loaded from the ``script:`` section, served as services, reloaded.

Scripts are checked and their services registered while the hub sets up (not when it
starts, as automations are armed), so that every ``script.<id>`` exists when the
automations that call it are armed. Their services and entities are checked against the
live hub once it has started (and after each reload), as automations' are.

``script.reload`` reads the config file again (off the event loop) and applies the
difference: an unchanged script is kept as it is, runs going on; a changed one is replaced
(its runs are cancelled: the new version starts afresh); a removed one is stopped and its
entity and service removed; a new one is added.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.engine import read_section
from xiaoqu.core.automation.platforms import Platforms, collect_platforms
from xiaoqu.core.automation.references import unknown_references
from xiaoqu.core.automation.waiting import Activity
from xiaoqu.core.bus import Event
from xiaoqu.core.config import ConfigError
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.script.config import CheckedScript, check_scripts, section_problem
from xiaoqu.core.script.const import (
    ATTR_VARIABLES,
    DOMAIN,
    SERVICE_RELOAD,
    SERVICE_TOGGLE,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
)
from xiaoqu.core.script.entity import ScriptEntity
from xiaoqu.core.services import ServiceCall, ServiceResponse, SupportsResponse
from xiaoqu.core.validation import entity_ids, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)


def _targets(value: Any) -> list[str] | str:
    """``entity_id`` of the services: script entity ids, or ``all``."""
    return "all" if value == "all" else entity_ids(value)


_TARGET_SCHEMA = vol.Schema({vol.Required("entity_id"): _targets})
_TURN_ON_SCHEMA = _TARGET_SCHEMA.extend({vol.Optional(ATTR_VARIABLES, default=dict): dict})


class ScriptEngine:
    """``hub.data["script"]``: the scripts by id, in the order of the config."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.scripts: dict[str, ScriptEntity] = {}
        self.section_errors: list[ConfigError] = []
        #: Every run's executing paths, counted together (see core.automation.waiting).
        self.activity = Activity(hub, "script runs")
        self._lock = asyncio.Lock()
        self._loaded = False
        self._started = False

    # --- loading ----------------------------------------------------------------------------

    async def apply(self, section: Any, where: tuple[str, int] | None = None) -> list[ConfigError]:
        """Check ``section`` and make the scripts match it; returns its errors."""
        async with self._lock:
            first, self._loaded = not self._loaded, True
            problem = section_problem(section, where)
            self.section_errors = [problem] if problem is not None else []
            platforms = collect_platforms(self.hub)
            checked = check_scripts(self.hub, section, platforms=platforms)
            for item in checked:
                if not item.valid_id:
                    _LOGGER.error("%s", item.errors[0])
            fresh = self._replace([item for item in checked if item.valid_id], platforms)
            for script in fresh:
                script.write_state()
                self._report(script, first)
            if self._started:
                self._check_references(fresh)
            for error in self.section_errors:
                _LOGGER.error("%s", error)
            return [*self.section_errors, *(error for script in checked for error in script.errors)]

    def _replace(self, checked: list[CheckedScript], platforms: Platforms) -> list[ScriptEntity]:
        """Swap in the new set; returns the scripts that are new or changed."""
        previous, current, fresh = self.scripts, {}, []
        for item in checked:
            old = previous.get(item.id)
            if old is not None and _unchanged(old.checked, item):
                current[item.id] = old
                continue
            if old is not None:
                old.remove()
            script = current[item.id] = ScriptEntity(self.hub, item, platforms, self.activity)
            fresh.append(script)
            self.hub.services.register(DOMAIN, item.id, self._call_script, vol.Schema(dict),
                                       SupportsResponse.OPTIONAL, script.config.get("description") or script.name)
        for script_id, old in previous.items():
            if script_id not in current:
                old.remove()
                self.hub.services.remove(DOMAIN, script_id)
        self.scripts = current
        return fresh

    def started(self, _event: Event | None = None) -> None:
        """The hub has started: check every script's services and entities against it."""
        self._started = True
        self._check_references(list(self.scripts.values()))

    def _check_references(self, scripts: list[ScriptEntity]) -> None:
        for script in scripts:
            script.warnings.extend(unknown_references(self.hub, script.checked))
            for warning in script.warnings:
                _LOGGER.warning("Script %s: %s", script.name, warning)

    @staticmethod
    def _report(script: ScriptEntity, first: bool) -> None:
        if not script.errors:
            return
        if first:  # start-up: check-config's errors were already printed with the others
            _LOGGER.error("Script %s could not be validated and is unavailable (%d error(s), first: %s)",
                          script.name, len(script.errors), script.errors[0])
        else:
            _LOGGER.error("Script %s could not be validated and is unavailable:\n%s",
                          script.name, "\n".join(str(error) for error in script.errors))

    async def reload(self) -> list[ConfigError]:
        """Read the config file again and apply its ``script:`` section; returns its errors."""
        return await self.apply(*await read_section(self.hub, DOMAIN))

    async def stop(self) -> None:
        """Cancel every run (the hub is stopping)."""
        await asyncio.gather(*(script.stop() for script in self.scripts.values()))

    # --- services ---------------------------------------------------------------------------

    def register_services(self) -> None:
        services = self.hub.services
        services.register(DOMAIN, SERVICE_TURN_ON, self._turn_on, _TURN_ON_SCHEMA,
                          description="Start scripts in the background, with variables; the caller does not wait.")
        services.register(DOMAIN, SERVICE_TURN_OFF, self._turn_off, _TARGET_SCHEMA,
                          description="Stop every run of scripts (and the runs waiting in their queue).")
        services.register(DOMAIN, SERVICE_TOGGLE, self._toggle, _TARGET_SCHEMA,
                          description="Stop scripts that run; start, in the background, those that do not.")
        services.register(DOMAIN, SERVICE_RELOAD, self._reload, vol.Schema({}),
                          description="Read the scripts from the config again; changed ones start afresh.")

    def _find(self, wanted: list[str] | str) -> list[ScriptEntity]:
        if wanted == "all":
            return list(self.scripts.values())
        found = []
        for entity_id in wanted:
            domain, _, script_id = entity_id.partition(".")
            script = self.scripts.get(script_id) if domain == DOMAIN else None
            if script is None:
                raise ServiceValidationError(f"{DOMAIN}: no script {entity_id}")
            found.append(script)
        return found

    async def _call_script(self, call: ServiceCall) -> ServiceResponse:
        """``script.<id>``: run it and wait for the end; its ``stop`` response is the answer."""
        script = self.scripts.get(call.service)
        if script is None:  # removed by a reload while the call was on its way
            raise ServiceValidationError(f"{DOMAIN}: no script {DOMAIN}.{call.service}")
        run = await script.run(call.data, call.context, service=f"{DOMAIN}.{call.service}")
        if not call.return_response:
            return None
        return (run.response if run is not None else None) or {}

    async def _turn_on(self, call: ServiceCall) -> None:
        for script in self._find(call.data["entity_id"]):
            script.start(call.data[ATTR_VARIABLES], call.context, service=f"{DOMAIN}.{SERVICE_TURN_ON}")

    async def _turn_off(self, call: ServiceCall) -> None:
        await asyncio.gather(*(script.stop() for script in self._find(call.data["entity_id"])))

    async def _toggle(self, call: ServiceCall) -> None:
        for script in self._find(call.data["entity_id"]):
            if script.running:
                await script.stop()
            else:
                script.start({}, call.context, service=f"{DOMAIN}.{SERVICE_TOGGLE}")

    async def _reload(self, call: ServiceCall) -> None:
        await self.reload()

    # --- reading ----------------------------------------------------------------------------

    def get(self, script_id: str) -> ScriptEntity | None:
        """By id, or by entity id (``script.<id>``)."""
        return self.scripts.get(script_id.removeprefix(f"{DOMAIN}."))

    def describe(self) -> list[dict[str, Any]]:
        """Every script as JSON-able data (``GET /api/script``)."""
        return [script.describe() for script in self.scripts.values()]

    def traces(self, script_id: str) -> list[dict[str, Any]] | None:
        """The summaries of a script's stored runs, newest first; None for an unknown id."""
        script = self.get(script_id)
        return None if script is None else script.traces.summaries(self.hub.clock.tz)

    def trace(self, script_id: str, run_id: str | None = None) -> dict[str, Any] | None:
        """One run in full (the newest when ``run_id`` is None); None when there is none."""
        script = self.get(script_id)
        return None if script is None else script.traces.read(run_id, self.hub.clock.tz)


def _unchanged(old: CheckedScript, new: CheckedScript) -> bool:
    return old.raw == new.raw and old.config == new.config and old.errors == new.errors
