"""``sensor.mqtt_rejected_messages``: how many messages from outside did not fit, and why."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.integrations.sensor.const import SensorStateClass
from xiaoqu.integrations.sensor.entity import SensorEntity

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle

    from .models import MqttStats, Rejections

#: Refresh the sensor at most this often (a flood of garbage must not flood the bus).
MIN_INTERVAL = 1.0
#: Devices listed in the attributes (the worst ones); all are in ``hub.data[DATA_MQTT]``.
MAX_DEVICES = 20


class RejectedMessagesSensor(SensorEntity):
    _attr_name = "MQTT rejected messages"
    _attr_unique_id = "mqtt_rejected_messages"
    _attr_icon = "mdi:message-alert"
    _attr_unit_of_measurement = "messages"
    _attr_state_class = SensorStateClass.TOTAL_INCREASING

    def __init__(self, rejections: Rejections, stats: MqttStats) -> None:
        self._rejections = rejections
        self._stats = stats
        self._last_write = float("-inf")
        self._timer: TimerHandle | None = None
        rejections.listeners.append(self._changed)

    @property
    def native_value(self) -> int:
        return self._rejections.total

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        worst = sorted(self._rejections.by_device.items(), key=lambda item: -sum(item[1].values()))[:MAX_DEVICES]
        return {
            "by_reason": dict(self._rejections.by_reason),
            "by_device": {device: dict(counts) for device, counts in worst},
            "incoming_dropped": self._stats.incoming_dropped,
            "held_back_dropped": self._stats.held_back_dropped,
        }

    def _changed(self) -> None:
        if self.hub is None or self.entity_id is None or self._timer is not None:
            return
        now = self.hub.clock.time()
        wait = self._last_write + MIN_INTERVAL - now
        if wait <= 0:
            self._write()
        else:
            self._timer = self.hub.clock.call_later(wait, self._write)

    def _write(self) -> None:
        self._timer = None
        assert self.hub is not None
        self._last_write = self.hub.clock.time()
        self.write_state()

    async def will_remove_from_hub(self) -> None:
        if self._changed in self._rejections.listeners:
            self._rejections.listeners.remove(self._changed)
        if self._timer is not None:
            self._timer.cancel()
