"""A simulated community: the devices of a small estate, talking to the hub like hardware.

    simulator:
      buildings: 3            # each with units_per_building units of floors × households_per_floor flats
      units_per_building: 2
      floors: 6
      households_per_floor: 2
      readers: 8              # door readers: one per unit entrance, the rest at pedestrian gates
      lpr_cameras: 2
      barriers: 2             # Modbus barrier gates (one unit id each on the simulator's server)
      acme_barriers: 0        # how many of those speak Acme's register map (plugins/acme_barrier)
      mqtt_barriers: 1        # barrier gates speaking the device protocol
      patrol_wands: 2         # every second one offline: it uploads its rounds afterwards
      pos_terminals: 2
      smart_home_devices: 6   # a Zigbee2MQTT plug, a Tasmota light, an ESPHome sensor, in turn
      speed: 1.0              # the simulated day runs this many times faster than the clock
      start_at: "07:00"       # the simulated day starts at this time (default: now)
      seed: 42
      modbus_host: 127.0.0.1
      modbus_port: 5020
      mqtt: {host, port, username, password}   # where devices connect; default: the hub's broker

docs/simulator.md describes the traffic, the topics and the barriers' register map.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.validation import port, positive_int, string, time_of_day, vol

from .const import DATA_SIMULATOR
from .simulator import Simulator

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

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


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any] | None) -> None:
    simulator = Simulator(hub, config if config is not None else CONFIG_SCHEMA({}))
    hub.data[DATA_SIMULATOR] = simulator
    try:
        await simulator.start()
    except BaseException:
        await simulator.stop()
        hub.data.pop(DATA_SIMULATOR, None)
        raise


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    simulator = hub.data.pop(DATA_SIMULATOR, None)
    if simulator is not None:
        await simulator.stop()
