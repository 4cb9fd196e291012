"""Device triggers: what a device says it can be made to do, as Home Assistant's MQTT
``device_automation`` discovery has it, and what ``trigger: device`` automations attach to.

A Zigbee2MQTT button announces one config per action, on
``homeassistant/device_automation/<ieee>/action_single/config``::

    {"automation_type": "trigger", "type": "action", "subtype": "single",
     "topic": "zigbee2mqtt/button/action", "payload": "single", "device": {...}}

(or as a component ``"p": "device_automation"`` of a device discovery config). A trigger is
known by its device (the registry's id), ``type`` and ``subtype``, as in Home Assistant, so
an automation may attach before the device has announced it (after a restart, automations
attach while retained configs are still arriving): it waits, subscribed to nothing, and is
subscribed once the config comes, again after a new config changes it, and unsubscribed
while the config is removed. A message on ``topic`` fires when it is ``payload`` (or when
``value_template`` renders it so; a device's template renders limited, as all of them), with
the ``mqtt`` trigger's data. The device's config is plain text: its ``payload`` is never
rendered as a template.
"""
from __future__ import annotations

import functools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.ratelimit import RateLimitedLog
from xiaoqu.core.template import Template
from xiaoqu.core.validation import string, vol

from .entity import DEVICE_SCHEMA, device_info, optional_string, subscribe_topic
from .templates import DEVICE_LIMITS
from .trigger_match import DEFAULT_ENCODING, Match, on_message

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .client import MqttClient, Unsubscribe

_LOGGER = logging.getLogger(__name__)

#: The discovery component of device automations.
COMPONENT = "device_automation"

def _identified(device: dict[str, Any]) -> dict[str, Any]:
    if not device["identifiers"] and not device["connections"]:
        raise vol.Invalid("a device trigger's device needs identifiers or connections")
    return device


DISCOVERY_SCHEMA = vol.Schema(
    {
        vol.Required("automation_type"): vol.In(["trigger"], msg="only device triggers ('trigger') are supported"),
        vol.Required("device"): vol.All(DEVICE_SCHEMA, _identified),
        vol.Required("type"): string,
        vol.Required("subtype"): string,
        vol.Required("topic"): subscribe_topic,
        vol.Optional("payload"): optional_string,
        vol.Optional("value_template"): optional_string,
        vol.Optional("qos", default=0): vol.All(vol.Coerce(int), vol.In([0, 1, 2])),
    },
    extra=vol.REMOVE_EXTRA,
)

#: ``(device id, type, subtype)``: how Home Assistant (since 2024.2) and automations name a trigger.
TriggerKey = tuple[str, str, str]


@dataclass(slots=True)
class _Attached:
    """One automation's trigger waiting on a device trigger."""

    fire: FireTrigger
    info: TriggerInfo
    log: RateLimitedLog
    unsubscribe: Unsubscribe | None = None

    def stop(self) -> None:
        if self.unsubscribe is not None:
            self.unsubscribe()
            self.unsubscribe = None


@dataclass(slots=True)
class DeviceTrigger:
    """One device trigger: its config while the device announces it, and who waits on it."""

    key: TriggerKey
    config: dict[str, Any] | None = None
    attached: list[_Attached] = field(default_factory=list)


class DeviceTriggers:
    """The hub's device triggers (``mqtt.get(hub).device_triggers``), by device, type and subtype."""

    def __init__(self, hub: Hub, client: MqttClient) -> None:
        self.hub = hub
        self.client = client
        self._triggers: dict[TriggerKey, DeviceTrigger] = {}
        #: discovery key → the trigger its config describes
        self._discovered: dict[str, TriggerKey] = {}

    def device_of(self, discovery_key: str) -> str | None:
        """The device id of the trigger discovered under ``discovery_key``, if there is one."""
        key = self._discovered.get(discovery_key)
        return key[0] if key is not None else None

    def uses(self, device_id: str) -> bool:
        """Whether a discovered trigger belongs to the device (which then stays registered)."""
        return any(key[0] == device_id for key in self._discovered.values())

    async def discovered(self, discovery_key: str, config: dict[str, Any]) -> str | None:
        """Take a config :data:`DISCOVERY_SCHEMA` validated; None, or why it is refused (the
        device already has a trigger of that type and subtype, under another topic)."""
        info = device_info(config["device"])
        assert info is not None, "the schema requires identifiers or connections"
        device = await self.hub.devices.get_or_create_for("mqtt", info)
        key = (device.id, config["type"], config["subtype"])
        old = self._discovered.get(discovery_key)
        trigger = self._triggers.get(key)
        if old != key and trigger is not None and trigger.config is not None:
            return f"device {device.display_name} already has the trigger {config['type']} {config['subtype']}"
        if old is not None and old != key:
            await self.removed(discovery_key)
        if trigger is None:
            trigger = self._triggers[key] = DeviceTrigger(key)
        self._discovered[discovery_key] = key
        if trigger.config != config:
            trigger.config = config
            for attached in trigger.attached:
                self._subscribe(trigger, attached)
        return None

    async def removed(self, discovery_key: str) -> None:
        """The config under ``discovery_key`` was removed: the automations waiting on it stay."""
        key = self._discovered.pop(discovery_key, None)
        if key is None:
            return
        trigger = self._triggers[key]
        trigger.config = None
        for attached in trigger.attached:
            attached.stop()
        if not trigger.attached:
            del self._triggers[key]

    async def attach(self, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        """Attach an automation's ``trigger: device`` (validated); returns the detach function."""
        key = (config["device_id"], config["type"], config["subtype"])
        trigger = self._triggers.setdefault(key, DeviceTrigger(key))
        attached = _Attached(fire, info, RateLimitedLog(_LOGGER, self.hub.clock.time))
        trigger.attached.append(attached)
        if trigger.config is not None:
            self._subscribe(trigger, attached)

        def detach() -> None:
            attached.stop()
            trigger.attached.remove(attached)
            if not trigger.attached and trigger.config is None:
                self._triggers.pop(key, None)

        return detach

    def _subscribe(self, trigger: DeviceTrigger, attached: _Attached) -> None:
        """Listen on the trigger's topic; the broker is told right after, without holding up
        discovery (this runs while discovery decides a config) for its answer."""
        config = trigger.config
        assert config is not None
        render = None
        if config.get("value_template") is not None:
            render = functools.partial(Template(config["value_template"], self.hub).render, limited=True, limits=DEVICE_LIMITS)
        # as Home Assistant: without a payload (or with an empty one) every message fires
        match = Match(config.get("payload") or None, render, DEFAULT_ENCODING, attached.info, attached.log)
        attached.stop()
        attached.unsubscribe = self.client.subscribe_nowait(config["topic"], on_message(match, attached.fire), config["qos"])
