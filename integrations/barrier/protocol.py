"""Gates on the device protocol: commands out on ``barrier/<id>/command``, states in on
``barrier/<id>/state`` (docs/device-protocol.md).

A gate reports its state on every change and every minute; the hub acts on what changed and
takes any message as a sign of life. Silent for ``offline_after`` seconds (three reports
missed, by default), the gate is unavailable — a fault episode — until it is heard again.
The device protocol's state has no loop detector, so these gates close by time only
(``auto_close``), unless the controller closes behind the car itself.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.integrations import mqtt

from .const import BarrierEntityFeature, BarrierState, Command
from .devices import gate_device
from .entity import BarrierEntity
from .settings import GateOptions

if TYPE_CHECKING:
    from xiaoqu.core.clock import TimerHandle
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

#: The reason an unknown gate's messages are counted under (``mqtt.get(hub).rejections``).
NOT_CONFIGURED = "not_configured"
#: How many unknown gates the "not configured" log remembers (device ids are the sender's).
_MAX_UNKNOWN_LOGGED = 256


class MqttBarrier(BarrierEntity):
    """A gate whose controller speaks the device protocol."""

    _attr_supported_features = BarrierEntityFeature.STOP

    def __init__(self, conf: Mapping[str, Any], root: str) -> None:
        self.gate_id: str = conf["id"]
        self.offline_after: float = conf["offline_after"]
        self.options = GateOptions.from_config(conf)
        self._attr_name = conf.get("name") or conf["id"]
        self._attr_unique_id = conf["id"]
        self._attr_suggested_object_id = conf["id"]
        self._attr_device_info = gate_device(conf)
        self._command_topic = f"{root}/barrier/{self.gate_id}/command"
        self._last_heard = 0.0
        self._watchdog: TimerHandle | None = None

    def send_command(self, command: Command, request_id: str | None = None) -> None:
        assert self.hub is not None
        payload = {"action": command.value} if request_id is None else {"action": command.value, "request_id": request_id}
        mqtt.publish_nowait(self.hub, self._command_topic, payload, qos=1)

    def report(self, payload: Mapping[str, Any]) -> None:
        """A ``barrier/<id>/state`` message (valid against its schema)."""
        self.heard()
        state = BarrierState(payload["state"])
        self._attr_barrier_state = state
        self._attr_fault = (payload.get("fault") or None) if state is BarrierState.FAULT else None
        self.write_state()

    # --- silence ----------------------------------------------------------------------

    def heard(self) -> None:
        assert self.hub is not None
        self._last_heard = self.hub.clock.time()
        if not self._attr_available:
            self._attr_available, self._attr_unavailable_reason = True, None
            self._arm_watchdog()  # the next report writes the state

    def start_watchdog(self) -> None:
        """Count silence from now (the hub has just started)."""
        assert self.hub is not None
        self._last_heard = self.hub.clock.time()
        self._arm_watchdog()

    def _arm_watchdog(self) -> None:
        assert self.hub is not None
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._watchdog = self.hub.clock.call_at(self._last_heard + self.offline_after, self._watch)

    def _watch(self) -> None:
        """Due when the gate would have been silent too long, unless it was heard since (then
        due again from that message): no timer is re-made per message."""
        assert self.hub is not None
        self._watchdog = None
        if self.hub.clock.time() - self._last_heard < self.offline_after:
            self._arm_watchdog()
            return
        self._attr_available = False
        self._attr_unavailable_reason = f"nothing heard from the gate for {self.offline_after:g} s"
        self.write_state()

    def stop_timers(self) -> None:
        super().stop_timers()
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None


def state_handler(hub: Hub, gates: Mapping[str, MqttBarrier]) -> Callable[[mqtt.DeviceMessage, mqtt.Reply], None]:
    """The ``barrier/state`` handler: the report of a configured gate; an unknown gate's is
    counted per device and logged once a minute."""
    rejections = mqtt.get(hub).rejections
    unknown = RateLimitedLog(_LOGGER, hub.clock.time, max_keys=_MAX_UNKNOWN_LOGGED)

    def on_state(message: mqtt.DeviceMessage, _reply: mqtt.Reply) -> None:
        gate = gates.get(message.device_id)
        if gate is None:
            rejections.add(f"barrier/{message.device_id}", NOT_CONFIGURED)
            unknown.warning(message.device_id, "barrier %s is not configured (add it to barrier: gates: in config.yaml)",
                            message.device_id)
            return
        gate.report(message.payload)

    return on_state
