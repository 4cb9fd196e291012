"""What several trigger types share: the `for:` hold timer and rendering a `for:` template."""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from core.automation.platforms import TriggerInfo
from core.automation.templates import TemplateError, render
from core.automation.validators import period_from

if TYPE_CHECKING:
    from core.clock import TimerHandle
    from core.hub import Hub

_LOGGER = logging.getLogger(__name__)


def hold_for(config: Mapping[str, Any], info: TriggerInfo, data: Mapping[str, Any]) -> timedelta | None:
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
    """One pending `for:` per key (an entity): started when the trigger matches, cancelled
    when what matched stops holding, firing when the time is up."""

    __slots__ = ("_hub", "_pending")

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._pending: dict[str, tuple[TimerHandle, Any]] = {}

    def start(self, key: str, period: timedelta, callback: Callable[[], None], held: Any = None) -> None:
        """Call ``callback`` after ``period`` unless cancelled; ``held`` is what must hold."""
        self.cancel(key)

        def due() -> None:
            self._pending.pop(key, None)
            callback()

        self._pending[key] = (self._hub.clock.call_later(period, due), held)

    def cancel(self, key: str) -> None:
        pending = self._pending.pop(key, None)
        if pending is not None:
            pending[0].cancel()

    def pending(self, key: str) -> bool:
        return key in self._pending

    def held(self, key: str) -> Any:
        """What the pending timer of ``key`` waits to see hold (None when none is pending)."""
        pending = self._pending.get(key)
        return None if pending is None else pending[1]

    def cancel_all(self) -> None:
        for handle, _held in self._pending.values():
            handle.cancel()
        self._pending.clear()
