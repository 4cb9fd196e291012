"""What several trigger types share: ``for:``, the time what matched must hold before they fire."""
from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.automation.templates import TemplateError, render
from xiaoqu.core.automation.validators import period_from

if TYPE_CHECKING:
    from xiaoqu.core.bus import Context
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)


def _hold_for(config: Mapping[str, Any], info: TriggerInfo, data: Mapping[str, Any]) -> timedelta | None:
    """The trigger's ``for:`` (rendered with the trigger's data when it is a template).

    A template that fails or renders no duration is logged and the trigger does not fire,
    as in Home Assistant.
    """
    value = config.get("for")
    if value is None or isinstance(value, timedelta):
        return value
    try:
        return period_from(render(value, {**info.variables, "trigger": data}))
    except (TemplateError, ValueError) as err:
        _LOGGER.error("Automation %s, trigger %s: 'for' is not a duration: %s",
                      info.automation_id, info.trigger_id, err)
        return None


class HoldTimers:
    """A trigger's ``for:``: the trigger fires once what matched has held that long.

    The state, numeric_state and template triggers each decide *whether* they match; this
    decides *when* they fire: at once without ``for:``, else after the period (a template
    rendered with the trigger's data). One pending hold per key (an entity); the trigger
    cancels it when what matched stops holding.
    """

    __slots__ = ("_hub", "_config", "_info", "_fire", "_pending")

    def __init__(self, hub: Hub, config: Mapping[str, Any], info: TriggerInfo, fire: FireTrigger) -> None:
        self._hub = hub
        self._config = config
        self._info = info
        self._fire = fire
        self._pending: dict[str, tuple[TimerHandle, Any]] = {}

    def fire(self, key: str, data: dict[str, Any], context: Context | None, held: Any = None) -> None:
        """The trigger matched for ``key``: fire with ``data`` now, or once ``held`` (what must
        hold, see `held`) has held for ``for:``, which is then in ``data["for"]``."""
        if "for" not in self._config:
            self._fire(data, context)
            return
        period = _hold_for(self._config, self._info, data)
        if period is None:
            return
        data["for"] = period
        self.cancel(key)

        def due() -> None:
            self._pending.pop(key, None)
            self._fire(data, context)

        self._pending[key] = (self._hub.clock.call_later(period, due), held)

    def cancel(self, key: str) -> None:
        pending = self._pending.pop(key, None)
        if pending is not None:
            pending[0].cancel()

    def pending(self, key: str) -> bool:
        return key in self._pending

    def held(self, key: str) -> Any:
        """What the pending hold of ``key`` waits to see hold (None when none is pending)."""
        pending = self._pending.get(key)
        return None if pending is None else pending[1]

    def cancel_all(self) -> None:
        for handle, _held in self._pending.values():
            handle.cancel()
        self._pending.clear()
