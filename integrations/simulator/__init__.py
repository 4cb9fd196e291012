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

from . import sheet, simulator
from .schema import CONFIG_SCHEMA

if TYPE_CHECKING:
    import argparse

    from xiaoqu.core.hub import Hub


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await simulator.set_up(hub, config)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await simulator.tear_down(hub)


@hookimpl
def xiaoqu_cli(subparsers: argparse._SubParsersAction) -> None:
    sheet.register(subparsers)
