"""The gates at run time: built from the ``barrier:`` section (a gate with ``modbus:`` on that
modbus hub, the others on the device protocol), wired to MQTT, watched for silence; their
timers stopped when the hub stops."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError, PluginError
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.modbus import get_hub

from .const import DATA_BARRIERS, DOMAIN
from .gates import Barriers
from .modbus_gate import ModbusBarrier
from .protocol import MqttBarrier, state_handler

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


def get_barriers(hub: Hub) -> Barriers:
    """The hub's gates; a plugin that uses them lists ``"barrier"`` in its manifest's dependencies."""
    barriers = hub.data.get(DATA_BARRIERS)
    if barriers is None:
        raise RuntimeError("the barrier integration is not set up: add 'barrier:' to config.yaml or depend on 'barrier'")
    return barriers


async def set_up(hub: Hub, config: Mapping[str, Any]) -> None:
    barriers = hub.data[DATA_BARRIERS] = Barriers(hub)
    modbus_gates = [_modbus_gate(hub, index, conf) for index, conf in enumerate(config["gates"]) if "modbus" in conf]
    mqtt_gates = _mqtt_gates(hub, [conf for conf in config["gates"] if "modbus" not in conf])
    await hub.entities.add(DOMAIN, [*modbus_gates, *mqtt_gates.values()])
    if mqtt_gates:
        barriers.on_stop(mqtt.register_device_message(hub, "barrier/state", "barrier_state",
                                                      state_handler(hub, mqtt_gates)))
        for gate in mqtt_gates.values():
            gate.start_watchdog()


def _modbus_gate(hub: Hub, index: int, conf: Mapping[str, Any]) -> ModbusBarrier:
    """A gate on the reference register map; whether its modbus hub exists is known only now."""
    try:
        modbus = get_hub(hub, conf["modbus"].get("hub"))
    except HubError as err:
        raise PluginError(f"{DOMAIN}.gates[{index}] ({conf['id']}): {err} (modbus: in config.yaml)") from None
    return ModbusBarrier(modbus, conf)


def _mqtt_gates(hub: Hub, confs: list[Mapping[str, Any]]) -> dict[str, MqttBarrier]:
    """The gates with no ``modbus:``, on the device protocol (the mqtt integration must be up)."""
    if not confs:
        return {}
    try:
        mqtt.get(hub)
    except RuntimeError:
        names = ", ".join(conf["id"] for conf in confs)
        raise PluginError(f"{DOMAIN}: gates {names} speak the device protocol (they have no modbus:), "
                          "which needs the mqtt integration: add mqtt: to config.yaml") from None
    root = mqtt.topic_root(hub)
    return {conf["id"]: MqttBarrier(conf, root) for conf in confs}


def stop(hub: Hub) -> None:
    barriers = hub.data.get(DATA_BARRIERS)
    if barriers is not None:
        barriers.shut_down()
