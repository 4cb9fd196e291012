"""Reads over the device protocol: ``xiaoqu/<site>/lpr/<camera>/plate`` (schema ``lpr_plate``).

The mqtt integration's router has checked the payload against its schema (and fired
``device_message`` for automations); here a camera listed with ``format: mqtt`` becomes a
:class:`Read`. A camera not listed is told once a minute in the log and not decided: a read
from a camera nobody placed at a lane has no lane or direction to mean anything for.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.const import DATA_MQTT
from xiaoqu.integrations.mqtt.device_protocol import device_time

from .const import MQTT
from .models import Read

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .lpr import Lpr

_LOGGER = logging.getLogger(__name__)


def listen(hub: Hub, lpr: Lpr) -> Callable[[], None] | None:
    """Take the device protocol's plate reads; the unregister function, or None without mqtt."""
    if DATA_MQTT not in hub.data or mqtt.get(hub).router is None:
        return None
    log = RateLimitedLog(_LOGGER, hub.clock.time)

    def plate(message: mqtt.DeviceMessage, _reply: mqtt.Reply) -> None:
        """Taken in the message's own turn (the protocol's reads carry no picture to save)."""
        camera = lpr.cameras.get(message.device_id)
        if camera is None or camera.format != MQTT:
            log.warning(("unlisted", message.device_id[:64]), "A plate from camera %s, which lpr: cameras does not list "
                        "with format mqtt: not decided", message.device_id)
            return
        lpr.take_now(read_of(camera, message.payload))

    return mqtt.register_device_message(hub, "lpr/plate", "lpr_plate", plate)


def read_of(camera: Any, payload: Any) -> Read:
    """A read from a valid ``lpr_plate`` payload (the schema has checked every field)."""
    ts = payload.get("ts")
    return Read(camera, MQTT, payload["plate"], float(payload["confidence"]), colour=payload.get("color"),
                direction=payload.get("direction"), camera_time=device_time(ts) if ts is not None else None,
                image_url=payload.get("image_url"))
