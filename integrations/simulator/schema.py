"""The ``simulator:`` section of config.yaml: how big the estate is, how fast its day runs,
and where its devices reach the hub (docs/simulator.md)."""
from __future__ import annotations

from typing import Any

from xiaoqu.core.validation import boolean, port, positive_int, string, time_of_day, vol


def _speed(value: Any) -> float:
    if isinstance(value, bool):
        raise vol.Invalid("expected a number")
    try:
        speed = float(value)
    except (TypeError, ValueError):
        raise vol.Invalid("expected a number") from None
    if not 0 < speed <= 3600:
        raise vol.Invalid("expected a speed above 0 and at most 3600 (an hour a second)")
    return speed


def _modbus_port(value: Any) -> int:
    """A port, or 0 for one the system picks (tests)."""
    return 0 if value in (0, "0") else port(value)


def _acme_among_barriers(config: dict[str, Any]) -> dict[str, Any]:
    if config["acme_barriers"] > config["barriers"]:
        raise vol.Invalid(f"the Acme barriers are some of the {config['barriers']} Modbus barriers; "
                          "raise barriers or lower acme_barriers", path=["acme_barriers"])
    return config


def _at_most(most: int) -> Any:
    return vol.All(positive_int, vol.Range(max=most, msg=f"expected at most {most}"))


#: How many of each there are by default, and at most.
COUNTS = {
    "buildings": (3, 50), "units_per_building": (2, 10), "floors": (6, 60), "households_per_floor": (2, 8),
    "lpr_cameras": (2, 20), "barriers": (2, 20), "acme_barriers": (0, 20), "mqtt_barriers": (1, 20),
    "patrol_wands": (2, 20), "pos_terminals": (2, 20), "smart_home_devices": (6, 200),
}


CONFIG_SCHEMA = vol.All(
    lambda value: {} if value is None else value,
    vol.Schema({
        **{vol.Optional(key, default=default): _at_most(most) for key, (default, most) in COUNTS.items()},
        vol.Optional("readers"): _at_most(500),
        vol.Optional("speed", default=1.0): _speed,
        vol.Optional("start_at"): time_of_day,
        vol.Optional("seed", default=42): vol.Coerce(int),
        #: The office bills each period and the residents pay, when the hub runs billing (billing.py).
        vol.Optional("billing", default=True): boolean,
        vol.Optional("modbus_host", default="127.0.0.1"): string,
        vol.Optional("modbus_port", default=5020): _modbus_port,
        vol.Optional("mqtt"): vol.Schema({
            vol.Required("host"): string,
            vol.Optional("port", default=1883): port,
            vol.Optional("username"): string,
            vol.Optional("password"): string,
        }),
    }),
    _acme_among_barriers,
)
