"""The demo's fire panel (消防报警主机): its alarm output announced to the hub as a Home Assistant
MQTT binary sensor, ``binary_sensor.fire_panel_alarm``, which the emergency integration's
``fire_alarm:`` links to the fire plan (docs/emergency.md).

Nothing in the simulated day sets it off. To play a fire, set the panel's state: the staff
dashboard's or the API's ``mqtt.publish`` with ``{topic: xiaoqu_sim/<site>/fire_panel/alarm,
payload: "ON", retain: true}`` (``"OFF"`` resets it), or :meth:`FirePanel.alarm` from code. The
topic is outside the device tree, where the service may publish.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .link import DeviceConnection

ON, OFF = "ON", "OFF"


def alarm_topic(site: str) -> str:
    return f"xiaoqu_sim/{site}/fire_panel/alarm"


class FirePanel:
    def __init__(self, connection: DeviceConnection, site: str, discovery_prefix: str) -> None:
        """Announce the panel (retained) with its output off, as a panel that has just been reset."""
        self.connection = connection
        self.topic = alarm_topic(site)
        config: dict[str, Any] = {
            "name": "Alarm", "unique_id": f"xiaoqu_sim_{site}_fire_panel_alarm", "state_topic": self.topic,
            "payload_on": ON, "payload_off": OFF, "device_class": "smoke",
            "default_entity_id": "binary_sensor.fire_panel_alarm",
            "device": {"identifiers": [f"xiaoqu_sim_{site}_fire_panel"], "name": "Fire panel",
                       "manufacturer": "xiaoqu simulator", "model": "消防报警主机"},
        }
        connection.publish(f"{discovery_prefix}/binary_sensor/xiaoqu_sim_{site}/fire_panel/config", config, retain=True)
        self.alarm(False)

    def alarm(self, on: bool) -> None:
        """The panel's alarm relay closes (a fire) or opens (reset)."""
        self.connection.publish(self.topic, ON if on else OFF, retain=True)
