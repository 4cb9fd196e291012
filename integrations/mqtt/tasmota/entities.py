"""The Home Assistant-discovery entities, taught three things about how Tasmota reports.

1. A value arrives on more than one topic: ``tele/…/STATE`` (or ``SENSOR``) every
   TelePeriod, ``stat/…/RESULT`` right after a change, and ``stat/…/STATUS10`` in answer to
   a poll, wrapped in ``StatusSNS``. Subscribing the config's ``state_topic`` also
   subscribes its ``result_topic`` and ``status_topic``, and their messages are reshaped
   into the state topic's shape, so the platform's own template and handler read them.
2. Each of those messages is one JSON object with many fields, and every command's answer
   goes to ``RESULT``: a message without this entity's field is not about it, so it is
   neither an error nor counted.
3. The first relay is ``POWER`` on a device with one and ``POWER1`` otherwise (or with
   ``SetOption26``): both are read as ``POWER1`` (hatasmota's ``get_state_power``).

Everything else (commands, availability, the device registry, options) is the platforms'.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, ClassVar

from xiaoqu.core.validation import vol

from ..entity import MqttEntity, subscribe_topic
from ..models import ReceiveMessage
from ..platforms.binary_sensor import MqttBinarySensor
from ..platforms.light import DefaultLight
from ..platforms.sensor import MqttSensor
from ..platforms.switch import MqttSwitch

#: Where a reshaped message came from: the config key of its topic → its name in :meth:`TasmotaEntity.reshape`.
SOURCES = {"state_topic": "state", "result_topic": "result", "status_topic": "status"}
STATUS_SENSORS = "StatusSNS"
#: The reason a value template gives when the payload lacks its field (``ValueTemplate.render``).
MISSING_VALUE = "missing_value"
_HEX = frozenset("0123456789abcdefABCDEF")

Values = dict[str, Any]


class TasmotaEntity(MqttEntity):
    """The shared part; a platform class comes after it in the bases."""

    TASMOTA_SCHEMA: ClassVar[dict[Any, Any]] = {
        vol.Optional("result_topic"): subscribe_topic,
        vol.Optional("status_topic"): subscribe_topic,
    }

    def subscribe(self, topic: str, handler: Callable[[ReceiveMessage], None]) -> None:
        if topic != self.config.get("state_topic"):
            super().subscribe(topic, handler)
            return
        for key, source in SOURCES.items():
            if key in self.config:
                super().subscribe(self.config[key], self._reshaped(handler, source))

    def _reshaped(self, handler: Callable[[ReceiveMessage], None], source: str) -> Callable[[ReceiveMessage], None]:
        def received(message: ReceiveMessage) -> None:
            try:
                values = message.json()
            except ValueError:
                values = None  # not JSON: the handler's template says so, and it is counted
            if isinstance(values, dict):
                shaped = self.reshape(values, source)
                if shaped is None:
                    return
                if shaped is not values:
                    payload = json.dumps(shaped, ensure_ascii=False).encode()
                    message = ReceiveMessage(message.topic, payload, message.qos, message.retain, message.timestamp)
            handler(message)

        return received

    def reshape(self, values: Values, source: str) -> Values | None:
        """``values`` as the state topic would carry them; None when they hold nothing for this entity."""
        if source == "status":
            inner = values.get(STATUS_SENSORS)
            return inner if isinstance(inner, dict) else None
        return values

    def reject(self, reason: str, detail: str) -> None:
        if reason != MISSING_VALUE:  # another field of a shared topic (point 2 above)
            super().reject(reason, detail)


class _PowerEntity(TasmotaEntity):
    """Relays and lights: on/off is ``POWER<n>`` in STATE and RESULT."""

    def reshape(self, values: Values, source: str) -> Values | None:
        shaped = super().reshape(values, source)
        if shaped is not None and "POWER" in shaped and "POWER1" not in shaped:
            shaped = {**shaped, "POWER1": shaped["POWER"]}
        return shaped


class TasmotaRelay(_PowerEntity, MqttSwitch):
    PLATFORM_SCHEMA = {**MqttSwitch.PLATFORM_SCHEMA, **TasmotaEntity.TASMOTA_SCHEMA}


class TasmotaLight(_PowerEntity, DefaultLight):
    """Brightness from ``Dimmer`` (0–100), ``CT`` in mireds, ``Color`` as hex or decimal."""

    PLATFORM_SCHEMA = {**DefaultLight.PLATFORM_SCHEMA, **TasmotaEntity.TASMOTA_SCHEMA}

    def reshape(self, values: Values, source: str) -> Values | None:
        shaped = super().reshape(values, source)
        color = shaped.get("Color") if shaped is not None else None
        if isinstance(color, str) and "," not in color and len(color) >= 6 and set(color) <= _HEX:
            # "FF8000" (SetOption17 0, the default) → "255,128,0" as the default schema reads it
            assert shaped is not None  # the color came from it
            shaped = {**shaped, "Color": ",".join(str(int(color[i : i + 2], 16)) for i in range(0, 6, 2))}
        return shaped


class TasmotaSwitch(TasmotaEntity, MqttBinarySensor):
    """A switch input: ``"Switch1": "ON"`` in SENSOR and STATUS10, ``{"Switch1": {"Action": "ON"}}`` in RESULT."""

    PLATFORM_SCHEMA = {**MqttBinarySensor.PLATFORM_SCHEMA, **TasmotaEntity.TASMOTA_SCHEMA}

    def reshape(self, values: Values, source: str) -> Values | None:
        shaped = super().reshape(values, source)
        if source != "result" or shaped is None:
            return shaped
        states = (self.config["payload_on"], self.config["payload_off"])
        # Other actions (TOGGLE, HOLD, DOUBLE) are presses, not states
        return {
            name: value["Action"]
            for name, value in shaped.items()
            if isinstance(value, dict) and value.get("Action") in states
        }


class TasmotaSensor(TasmotaEntity, MqttSensor):
    PLATFORM_SCHEMA = {**MqttSensor.PLATFORM_SCHEMA, **TasmotaEntity.TASMOTA_SCHEMA}


#: platform → entity class
ENTITY_CLASSES: dict[str, type[MqttEntity]] = {
    "switch": TasmotaRelay,
    "light": TasmotaLight,
    "binary_sensor": TasmotaSwitch,
    "sensor": TasmotaSensor,
}
