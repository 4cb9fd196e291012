"""The two extension points of the automation language: trigger types and condition types.

The core's own types (``state``, ``event``, ``time``... and ``state``, ``template``,
``time``... as conditions) are built the same way a plugin's are. A plugin adds its own
through two hooks, for example the MQTT integration's ``mqtt`` trigger::

    @hookimpl
    def xiaoqu_automation_triggers(hub):
        return {"mqtt": MqttTrigger(hub)}

A **trigger platform** has

- ``schema``: a validator (usually ``vol.Schema``) for one trigger's mapping, including its
  ``trigger:`` key but not the keys every trigger has (``id``, ``alias``, ``enabled``,
  ``variables``), which the engine checks itself;
- ``attach(hub, config, fire, info)``: start watching for ``config`` (the validated mapping)
  and return a function that stops watching — or an awaitable giving it, when watching
  needs I/O (subscribing to a broker). When the trigger fires, call
  ``fire(data, context)`` from the event loop: ``data`` becomes the ``trigger`` variable of the
  run (add ``description``, a few words the trace shows, and whatever a template may want:
  ``topic``, ``payload``...); ``context`` is the context of what caused it (an event's),
  or None.

A **condition platform** has ``schema`` (the same way, without ``condition``'s common keys
``alias`` and ``enabled``) and ``checker(hub, config)``, which returns a function
``check(variables) -> bool``. Checks run synchronously and must not wait; to say *why* a
check failed, call :func:`core.automation.trace.record` with the details.

Both hooks are called while ``xiaoqu check-config`` validates (no event loop runs, nothing
is set up), so they must return the mapping itself and build nothing that needs the loop.
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from xiaoqu.core.bus import Context, Unsubscribe
from xiaoqu.core.hooks import hook_calls

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

FireTrigger = Callable[[dict[str, Any], Context | None], None]
Checker = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True, slots=True)
class TriggerInfo:
    """What a trigger platform knows about the automation it serves."""

    automation_id: str
    #: The trigger's ``id:``, or its position ("0", "1"...) when it has none.
    trigger_id: str
    index: int
    #: The automation's ``trigger_variables`` (known when triggers attach; no state reads).
    variables: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class TriggerPlatform(Protocol):
    @property  # read-only, so a platform's own validator type (vol.Schema, vol.All...) matches
    def schema(self) -> Callable[[Any], Any]: ...

    def attach(
        self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo
    ) -> Unsubscribe | Awaitable[Unsubscribe]: ...


@runtime_checkable
class ConditionPlatform(Protocol):
    @property  # read-only, as TriggerPlatform's
    def schema(self) -> Callable[[Any], Any]: ...

    def checker(self, hub: Hub, config: Mapping[str, Any]) -> Checker: ...


@dataclass(slots=True)
class Platforms:
    """The trigger and condition types one hub knows, core and contributed."""

    triggers: dict[str, TriggerPlatform]
    conditions: dict[str, ConditionPlatform]
    #: Which plugin contributed each type (``core`` for the core's own).
    origin: dict[str, str] = field(default_factory=dict)


def collect_platforms(hub: Hub) -> Platforms:
    """The core's trigger and condition types plus those every registered plugin adds.

    A plugin whose hook fails, returns something else than a mapping of platforms, or
    claims a name already taken is logged and skipped; the others still count.
    """
    from xiaoqu.core.automation.conditions import core_conditions
    from xiaoqu.core.automation.triggers import core_triggers

    platforms = Platforms(core_triggers(hub), core_conditions(hub))
    platforms.origin.update({f"trigger:{name}": "core" for name in platforms.triggers})
    platforms.origin.update({f"condition:{name}": "core" for name in platforms.conditions})
    _contribute(hub, "xiaoqu_automation_triggers", "trigger", platforms.triggers, TriggerPlatform, platforms.origin)
    _contribute(hub, "xiaoqu_automation_conditions", "condition", platforms.conditions, ConditionPlatform,
                platforms.origin)
    return platforms


def _contribute(hub: Hub, hook: str, kind: str, into: dict[str, Any], protocol: type,
                origin: dict[str, str]) -> None:
    for call in hook_calls(hub.pm, hook, {"hub": hub}):
        plugin = call.plugin
        try:
            contributed = call()
        except Exception:
            _LOGGER.exception("%s of plugin %s failed; its %s types are not available", hook, plugin, kind)
            continue
        if inspect.isawaitable(contributed):
            if inspect.iscoroutine(contributed):
                contributed.close()
            _LOGGER.error("%s of plugin %s returned an awaitable; it must return the mapping itself "
                          "(it is called while checking a config, with no event loop)", hook, plugin)
            continue
        if contributed is None:
            continue
        if not isinstance(contributed, Mapping):
            _LOGGER.error("%s of plugin %s returned %s, not a mapping of %s types",
                          hook, plugin, type(contributed).__name__, kind)
            continue
        for name, platform in contributed.items():
            taken = origin.get(f"{kind}:{name}")
            if taken is not None:
                _LOGGER.error("Plugin %s adds %s type '%s', which %s already provides; ignored",
                              plugin, kind, name, "the core" if taken == "core" else f"plugin {taken}")
                continue
            if not isinstance(platform, protocol):
                _LOGGER.error("Plugin %s: %s type '%s' lacks %s", plugin, kind, name,
                              "schema and attach()" if kind == "trigger" else "schema and checker()")
                continue
            into[name] = platform
            origin[f"{kind}:{name}"] = plugin
