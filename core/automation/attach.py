"""Attaching a list of triggers (an automation's, or a ``wait_for_trigger`` step's).

A disabled trigger (``enabled: false``, or a limited template rendered with the automation's
``trigger_variables`` that gives something false) is not attached at all. Each trigger is
attached through its platform; what the platform reports when it fires is
completed into the ``trigger`` variable a run sees: ``id`` (the trigger's ``id:`` or its
position), ``idx``, ``alias``, ``platform`` and the platform's own data. A trigger whose
platform fails to attach is logged and the others still attach, as in Home Assistant.
"""
from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import Platforms, TriggerInfo
from xiaoqu.core.automation.templates import Template, TemplateError
from xiaoqu.core.bus import Context, Unsubscribe

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: Called with the ``trigger`` variable, the context of what caused it, and the trigger's own
#: ``variables:`` (still to be rendered; None when it has none).
OnTrigger = Callable[[dict[str, Any], Context | None, Mapping[str, Any] | None], None]


async def attach_triggers(
    hub: Hub,
    platforms: Platforms,
    configs: list[Mapping[str, Any]],
    on_trigger: OnTrigger,
    automation_id: str,
    variables: Mapping[str, Any],
) -> tuple[Unsubscribe, list[str]]:
    """Attach every enabled trigger; returns a function detaching them all, and the failures."""
    detachers: list[Unsubscribe] = []
    failures: list[str] = []
    for index, config in enumerate(configs):
        kind = config["trigger"]
        try:
            if not _enabled(config, variables):
                continue
        except TemplateError as err:
            _LOGGER.error("Automation %s: trigger %d (%s): enabled: %s", automation_id, index, kind, err)
            failures.append(f"trigger {index} ({kind}) is not attached: enabled: {err}")
            continue
        info = TriggerInfo(automation_id, str(config.get("id", index)), index, variables)
        fire = _firing(on_trigger, kind, config, info)
        try:
            detach = platforms.triggers[kind].attach(hub, config, fire, info)
            if inspect.isawaitable(detach):
                detach = await detach
        except Exception as err:  # a platform (maybe a plugin's) may fail in any way
            _LOGGER.exception("Automation %s: trigger %d (%s) could not be attached", automation_id, index, kind)
            failures.append(f"trigger {index} ({kind}) could not be attached: {type(err).__name__}: {err}")
            continue
        if not callable(detach):
            failures.append(f"trigger {index} ({kind}): its platform returned no way to detach it")
            continue
        detachers.append(detach)

    def detach_all() -> None:
        for detach in detachers:
            try:
                detach()
            except Exception:
                _LOGGER.exception("Automation %s: detaching a trigger failed", automation_id)
        detachers.clear()

    return detach_all, failures


def _enabled(config: Mapping[str, Any], variables: Mapping[str, Any]) -> bool:
    """Whether a trigger is attached: ``enabled`` is true, or its limited template (rendered
    with the ``trigger_variables``) gives something true, as Home Assistant decides."""
    enabled = config.get("enabled", True)
    if isinstance(enabled, Template):
        return bool(enabled.render_native(variables, limited=True))
    return bool(enabled)


def _firing(on_trigger: OnTrigger, kind: str, config: Mapping[str, Any],
            info: TriggerInfo) -> Callable[[dict[str, Any], Context | None], None]:
    base = {"id": info.trigger_id, "idx": str(info.index), "alias": config.get("alias"), "platform": kind}
    extra = config.get("variables") or None

    def fire(data: dict[str, Any], context: Context | None = None) -> None:
        on_trigger({**base, **data}, context, extra)

    return fire
