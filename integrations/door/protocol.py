"""Doors over the device protocol: commands out on ``door/<id>/command``, contacts in on
``door/<id>/state`` (docs/device-protocol.md).

A controller may send its door state again at any time (the hub acts on changes only); one
that wants its silence noticed sends it at least every ``offline_after / 3`` seconds.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.integrations import mqtt

from .entities import DoorEntity

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub
    from xiaoqu.integrations.mqtt.device_protocol import Handler

    from .doors import Doors
    from .settings import DoorSettings

_LOGGER = logging.getLogger(__name__)

#: The reason an unknown device's messages are counted under (``mqtt.get(hub).rejections``).
NOT_CONFIGURED = "not_configured"
#: How many unknown devices the "not configured" log remembers (device ids are the sender's).
_MAX_UNKNOWN_LOGGED = 256


class MqttDoor(DoorEntity):
    """A door whose controller speaks the device protocol."""

    def __init__(self, settings: DoorSettings, root: str) -> None:
        super().__init__(settings)
        self._command_topic = f"{root}/door/{settings.id}/command"

    def send_command(self, action: str, duration: float | None = None, request_id: str | None = None) -> None:
        assert self.hub is not None
        command: dict[str, Any] = {"action": action}
        if duration is not None:
            command["duration"] = duration
        if request_id is not None:
            command["request_id"] = request_id
        mqtt.publish_nowait(self.hub, self._command_topic, command, qos=1)


class Unconfigured:
    """Messages from devices no door lists: counted per device, logged once a minute each."""

    def __init__(self, hub: Hub) -> None:
        self._rejections = mqtt.get(hub).rejections
        self._log = RateLimitedLog(_LOGGER, hub.clock.time, max_keys=_MAX_UNKNOWN_LOGGED)
        self.count = 0

    def seen(self, device_type: str, device_id: str) -> str:
        """Count and log a message from an unknown ``device_type/device_id``; returns the sentence."""
        self.count += 1
        self._rejections.add(f"{device_type}/{device_id}", NOT_CONFIGURED)
        reason = f"{device_type} {device_id} is not configured at any door"
        self._log.warning((device_type, device_id), "%s (add it to door: doors: in config.yaml)", reason)
        return reason


def door_state_handler(doors: Doors, unconfigured: Unconfigured) -> Handler:
    """The ``door/state`` handler: the contact (or a fault) of a configured door."""

    def on_state(message: mqtt.DeviceMessage, _reply: mqtt.Reply) -> None:
        door = doors.door(message.device_id)
        if door is None:
            unconfigured.seen("door", message.device_id)
            return
        door.heard()
        state = message.payload["state"]
        if state == "fault":
            door.report_fault(message.payload.get("fault") or "the controller reports a fault")
            return
        if door.status.fault is not None:
            door.report_fault(None)
        door.report_contact(state == "open")

    return on_state
