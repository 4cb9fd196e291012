"""The automation engine: every automation of the hub, armed, reloaded and answered for.

Automations are checked and armed when the hub starts (``hub_start``, after every plugin is
set up), because they name services, entities and trigger types that plugins register while
they set up. ``automation.reload`` reads the config file again (off the event loop) and
applies the difference:

- an automation whose config did not change is kept as it is: armed, its runs going on;
- a changed one is replaced, and the new version takes over the old one's runs per its mode
  (see `Automation.take_over`) and keeps its on/off (unless it sets ``initial_state``);
- a removed one is stopped (its runs cancelled) and its entity removed;
- a new one is armed.

A config whose file (or the file the section is included from) cannot be read at all — a
YAML syntax error — changes nothing: the error is raised and the running automations stay.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.automation import Automation
from xiaoqu.core.automation.blueprints import BlueprintLoader
from xiaoqu.core.automation.config import (
    CheckedAutomation,
    StartChecked,
    Written,
    check_automations,
    read_automations,
    section_place,
)
from xiaoqu.core.automation.const import DATA_START_CHECKED, DOMAIN, EVENT_AUTOMATION_RELOADED
from xiaoqu.core.automation.platforms import Platforms, collect_platforms
from xiaoqu.core.automation.references import unknown_references
from xiaoqu.core.automation.waiting import Activity
from xiaoqu.core.bus import Event
from xiaoqu.core.config import ConfigError, domain_keys, load_config
from xiaoqu.core.const import DEFAULT_CONFIG_FILE
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.services import ServiceCall
from xiaoqu.core.validation import ENTITY_MATCH_ALL, ENTITY_MATCH_NONE, boolean, comp_entity_ids, vol
from xiaoqu.core.yaml_loader import Unresolved

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)


class AutomationEngine:
    """``hub.data[DATA_ENGINE]``: the automations by id, in the order of the config."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.automations: dict[str, Automation] = {}
        self.section_errors: list[ConfigError] = []
        self._lock = asyncio.Lock()
        self._loaded = False
        #: Every run's executing paths, counted together: one tracked task covers them all.
        self.activity = Activity(hub, "automation runs")

    # --- loading ---------------------------------------------------------------------------

    async def start(self, _event: Event | None = None) -> None:
        """Arm the automations of the config the hub started with (checked while it was built)."""
        early = self.hub.data.pop(DATA_START_CHECKED, None)
        await self.apply(*read_automations(self.hub.config.raw), early=early)

    async def reload(self) -> list[ConfigError]:
        """Read the config file again and apply its automation sections; returns their errors."""
        return await self.apply(*read_automations(await reread_config(self.hub, DOMAIN)))

    async def apply(self, section_errors: list[ConfigError], written: list[Written], *,
                    early: StartChecked | None = None) -> list[ConfigError]:
        """Check the automations ``written`` (`read_automations`) and make the running ones match;
        ``early``: the same automations, already checked against the same trigger and condition types."""
        async with self._lock:
            first = not self._loaded
            self._loaded = True
            self.section_errors = section_errors
            platforms = collect_platforms(self.hub)
            if early is not None and early.origin == platforms.origin and len(early.automations) == len(written):
                checked = early.automations
            else:
                blueprints = BlueprintLoader(Path(self.hub.config.config_dir))
                for path in _blueprint_paths(item.value for item in written):
                    await self.hub.run_in_executor(blueprints.load, path)
                checked = check_automations(self.hub, written, platforms=platforms, blueprints=blueprints)
            fresh = self._replace(checked, platforms)
            for automation in fresh:  # each automation's entity exists before another's references are checked
                automation.write_state()
            for automation in fresh:
                automation.warnings.extend(unknown_references(self.hub, automation.checked))
                await automation.arm()
                automation.write_state()
                self._report(automation, first)
            for error in self.section_errors:
                _LOGGER.error("%s", error)
            if not first:
                self.hub.bus.fire(EVENT_AUTOMATION_RELOADED, {"count": len(self.automations)})
            return [*self.section_errors, *(e for c in checked for e in c.errors)]

    def _replace(self, checked: list[CheckedAutomation], platforms: Platforms) -> list[Automation]:
        """Swap in the new set; returns the automations that are new or changed (to arm)."""
        previous, current, fresh = self.automations, {}, []
        for item in checked:
            old = previous.get(item.id)
            if old is not None and _unchanged(old.checked, item):
                current[item.id] = old
                continue
            automation = Automation(self.hub, item, platforms, self.activity)
            if old is not None:
                old.disarm()
                if "initial_state" not in automation.config:
                    automation.enabled = old.enabled and automation.ok
                automation.take_over(old)
            current[item.id] = automation
            fresh.append(automation)
        for automation_id, old in previous.items():
            if automation_id not in current:
                old.remove()
        self.automations = current
        return fresh

    @staticmethod
    def _report(automation: Automation, first: bool) -> None:
        errors = [error for error in automation.errors if error.severity == "error"]
        if errors and first:  # start-up: check-config's errors were already printed with the others
            _LOGGER.error("Automation %s could not be validated and has been disabled (%d error(s), first: %s)",
                          automation.name, len(errors), errors[0])
        elif errors:
            _LOGGER.error("Automation %s could not be validated and has been disabled:\n%s",
                          automation.name, "\n".join(str(error) for error in errors))
        for warning in automation.warnings:
            _LOGGER.warning("Automation %s: %s", automation.name, warning)

    async def stop(self) -> None:
        """Detach every trigger and cancel every run (the hub is stopping)."""
        await asyncio.gather(*(automation.stop() for automation in self.automations.values()))

    # --- services ---------------------------------------------------------------------------

    def register_services(self) -> None:
        target: dict[vol.Marker, Any] = {vol.Required("entity_id"): comp_entity_ids}
        services = self.hub.services
        services.register(DOMAIN, "turn_on", self._turn_on, vol.Schema(target),
                          description="Turn automations on (arm their triggers).")
        services.register(DOMAIN, "turn_off", self._turn_off, vol.Schema({
            **target, vol.Optional("stop_actions", default=True): boolean,
        }), description="Turn automations off; stop_actions (default true) also stops their runs.")
        services.register(DOMAIN, "toggle", self._toggle, vol.Schema(target),
                          description="Turn automations on if off, off if on.")
        services.register(DOMAIN, "trigger", self._trigger, vol.Schema({
            **target,
            vol.Optional("skip_condition", default=True): boolean,
            vol.Optional("variables", default=dict): dict,
        }), description="Run automations' actions now (conditions skipped unless skip_condition is false).")
        services.register(DOMAIN, "reload", self._reload, vol.Schema({}),
                          description="Read the automations from the config again, keeping unchanged ones running.")

    def _find(self, wanted: list[str] | str) -> list[Automation]:
        if wanted == ENTITY_MATCH_ALL:
            return list(self.automations.values())
        if wanted == ENTITY_MATCH_NONE:
            return []
        by_entity = {automation.entity_id: automation for automation in self.automations.values()}
        found = []
        for entity_id in wanted:
            automation = by_entity.get(entity_id) or self.automations.get(entity_id.partition(".")[2])
            if automation is None:
                raise ServiceValidationError(f"{DOMAIN}: no automation {entity_id}")
            found.append(automation)
        return found

    async def _turn_on(self, call: ServiceCall) -> None:
        for automation in self._find(call.data["entity_id"]):
            automation.enabled = automation.ok
            await automation.arm()
            automation.write_state()

    async def _turn_off(self, call: ServiceCall) -> None:
        for automation in self._find(call.data["entity_id"]):
            automation.enabled = False
            automation.disarm()
            if call.data["stop_actions"]:
                automation.cancel_runs()
            automation.write_state()

    async def _toggle(self, call: ServiceCall) -> None:
        for automation in self._find(call.data["entity_id"]):
            if automation.enabled:
                automation.enabled = False
                automation.disarm()
                automation.cancel_runs()
            else:
                automation.enabled = automation.ok
                await automation.arm()
            automation.write_state()

    async def _trigger(self, call: ServiceCall) -> None:
        for automation in self._find(call.data["entity_id"]):
            if not automation.ok:
                raise ServiceValidationError(f"{DOMAIN}: {automation.entity_id} is disabled by config errors")
            automation.compile()
            automation.trigger(
                {"id": "manual", "idx": "0", "alias": None, "platform": None,
                 "description": f"{DOMAIN}.trigger service"},
                call.context,
                skip_conditions=call.data["skip_condition"],
                extra=call.data["variables"],
                as_caller=True,
            )

    async def _reload(self, call: ServiceCall) -> None:
        await self.reload()

    # --- reading ----------------------------------------------------------------------------

    def get(self, automation_id: str) -> Automation | None:
        """By id, or by entity id (``automation.<object id>``)."""
        found = self.automations.get(automation_id)
        if found is None and automation_id.startswith(f"{DOMAIN}."):
            found = next((a for a in self.automations.values() if a.entity_id == automation_id), None)
        return found

    def describe(self) -> list[dict[str, Any]]:
        """Every automation as JSON-able data (``xiaoqu automation list``, ``GET /api/automation``)."""
        return [automation.describe() for automation in self.automations.values()]

    def traces(self, automation_id: str) -> list[dict[str, Any]] | None:
        """The summaries of an automation's stored runs, newest first; None for an unknown id."""
        automation = self.get(automation_id)
        return None if automation is None else automation.traces.summaries(self.hub.clock.tz)

    def trace(self, automation_id: str, run_id: str | None = None) -> dict[str, Any] | None:
        """One run in full (the newest when ``run_id`` is None); None when there is none."""
        automation = self.get(automation_id)
        return None if automation is None else automation.traces.read(run_id, self.hub.clock.tz)


async def reread_config(hub: Hub, domain: str) -> Mapping[str, Any]:
    """Read the config file the hub started with again (off the event loop), for a reload of
    ``domain``'s sections (``automation:``, ``automation kitchen:``...).

    A file (or the file a section is included from) that cannot be read at all — a YAML
    syntax error — raises `HubError`, so a reload changes nothing.
    """
    name = getattr(hub.config.raw, "__config_file__", None) or DEFAULT_CONFIG_FILE
    loaded = await hub.run_in_executor(load_config, Path(hub.config.config_dir) / name)
    unread = any(isinstance(loaded.raw[key], Unresolved) for key in domain_keys(loaded.raw, domain))
    fatal = [error for error in loaded.errors if error.severity == "error" and (not error.path or unread)]
    if fatal or not loaded.raw:
        reasons = "; ".join(str(error) for error in fatal or loaded.errors) or "the file is empty"
        raise HubError(f"{domain}.reload: nothing changed, the config cannot be read: {reasons}")
    return loaded.raw


async def read_section(hub: Hub, domain: str) -> tuple[Any, tuple[str, int] | None]:
    """The config file read again: its ``domain`` section and where it is written."""
    raw = await reread_config(hub, domain)
    return raw.get(domain), section_place(raw, domain)


def _unchanged(old: CheckedAutomation, new: CheckedAutomation) -> bool:
    return old.raw == new.raw and old.config == new.config and old.errors == new.errors


def _blueprint_paths(items: Iterable[Any]) -> set[str]:
    paths = set()
    for item in items:
        use = item.get("use_blueprint") if isinstance(item, Mapping) else None
        if isinstance(use, Mapping) and isinstance(use.get("path"), str):
            paths.add(use["path"])
    return paths
