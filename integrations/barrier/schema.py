"""The ``barrier:`` section of config.yaml, the keys every gate's entry shares (vendor plugins
add :data:`GATE_OPTIONS` to theirs), and the services' ``reason``.

    barrier:
      gates:
        - id: main-1                  # the gate's own id: its entity (barrier.main_1) and its topics
          name: Main gate lane 1 (in)
          modbus: {hub: gates, device_id: 1, scan_interval: 1}   # the reference register map
          auto_close: 30              # seconds up with no car before the hub closes it (0: never)
          close_after_pass: 1         # seconds after the car has left the loop (false: never)
          confirm_timeout: 2          # seconds an open command may take to be confirmed
        - id: back-1                  # no modbus: the device protocol (barrier/back-1/state, /command)
          name: Back gate
          offline_after: 180          # seconds of silence before it is unavailable
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from xiaoqu.core.validation import name, number, string, vol

from .const import (
    DEFAULT_AUTO_CLOSE,
    DEFAULT_CLOSE_AFTER_PASS,
    DEFAULT_CONFIRM_TIMEOUT,
    DEFAULT_OFFLINE_AFTER,
    DEFAULT_SCAN_INTERVAL,
    MAX_REASON,
)


def _seconds(low: float, high: float) -> Callable[[Any], float]:
    return vol.All(number, vol.Range(min=low, max=high, msg=f"expected seconds from {low:g} to {high:g}"))


def _seconds_or_off(high: float) -> Callable[[Any], float | None]:
    """Seconds, or ``false``/``0`` for never (None)."""
    seconds = _seconds(0, high)

    def validate(value: Any) -> float | None:
        if value is False or value is None:
            return None
        return seconds(value) or None

    return validate


#: A device's own id, as the device protocol's topics carry it (docs/device-protocol.md).
DEVICE_ID: Final = vol.All(string, vol.Match(r"^[A-Za-z0-9_-]{1,64}$",
                                             msg="expected a device id: 1 to 64 letters, digits, '-' or '_'"))

#: What every gate may say of its behaviour, whoever drives it (settings.GateOptions).
GATE_OPTIONS: Final[dict[Any, Any]] = {
    vol.Optional("auto_close", default=DEFAULT_AUTO_CLOSE): _seconds_or_off(86400),
    vol.Optional("close_after_pass", default=DEFAULT_CLOSE_AFTER_PASS): _seconds_or_off(600),
    vol.Optional("confirm_timeout", default=DEFAULT_CONFIRM_TIMEOUT): _seconds(0.05, 60),
}


def _unit_id(value: Any) -> int:
    unit = vol.Coerce(int)(value)
    if isinstance(value, bool) or not 1 <= unit <= 247:
        raise vol.Invalid("expected a unit id from 1 to 247")
    return unit


MODBUS_SCHEMA: Final = vol.Schema({
    vol.Optional("hub"): string,
    vol.Required("device_id"): _unit_id,
    vol.Optional("scan_interval", default=DEFAULT_SCAN_INTERVAL): _seconds(0.05, 3600),
})

_HARDWARE: Final[dict[Any, Any]] = {
    vol.Optional("number"): vol.All(string, vol.Length(min=1, max=64)),
    vol.Optional("manufacturer"): vol.All(string, vol.Length(min=1, max=100)),
    vol.Optional("model"): vol.All(string, vol.Length(min=1, max=100)),
}

GATE_SCHEMA: Final = vol.Schema({
    vol.Required("id"): DEVICE_ID,
    vol.Optional("name"): name,
    **_HARDWARE,
    vol.Optional("modbus"): MODBUS_SCHEMA,
    vol.Optional("offline_after", default=DEFAULT_OFFLINE_AFTER): _seconds(10, 86400),
    **GATE_OPTIONS,
})


def _unique_ids(section: dict[str, Any]) -> dict[str, Any]:
    seen: dict[str, int] = {}
    for index, gate in enumerate(section["gates"]):
        if gate["id"] in seen:
            raise vol.Invalid(f"gate id {gate['id']!r} is already used by entry {seen[gate['id']] + 1}",
                              path=["gates", index, "id"])
        seen[gate["id"]] = index
    return section


CONFIG_SCHEMA: Final = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({vol.Optional("gates", default=list): [GATE_SCHEMA]}),
    _unique_ids,
)

#: Why the gate is moved; required when a person asks (docs/barrier.md).
REASON: Final = vol.All(string, vol.Length(min=1, max=MAX_REASON))
SERVICE_FIELDS: Final[dict[Any, Any]] = {vol.Optional("reason"): REASON}
