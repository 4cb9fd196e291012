"""The base class of every button, whoever presses it."""
from __future__ import annotations

from collections.abc import Awaitable
from datetime import UTC, datetime

from xiaoqu.core.entity import Entity, ServiceNotSupported

from .const import DEVICE_CLASS_NAMES, DOMAIN


class ButtonEntity(Entity):
    """A button has no state of its own: its state is when it was last pressed (ISO 8601,
    UTC), so automations can trigger on a press. A subclass implements :meth:`press` and
    calls :meth:`record_press` once the press went out."""

    domain = DOMAIN
    device_class_names = DEVICE_CLASS_NAMES

    _last_pressed: str | None = None

    @property
    def state(self) -> str | None:
        return self._last_pressed

    def record_press(self) -> None:
        """The button was pressed now (by the hub's clock)."""
        assert self.hub is not None, "a button is pressed once it is on the hub"
        self._last_pressed = datetime.fromtimestamp(self.hub.clock.time(), UTC).isoformat()
        self.write_state()

    def press(self) -> Awaitable[None] | None:
        raise ServiceNotSupported(self, "press")
