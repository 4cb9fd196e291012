"""The base of every entity created from a Home Assistant MQTT discovery config.

It handles what all platforms share: name and device (→ the device registry), unique id
(→ a stable entity id), availability (one topic or a list, mode ``all``/``any``/``latest``,
templates), JSON attributes, QoS/retain/encoding, optimistic mode, and unavailability while
the hub has no broker. A platform subclass adds its schema keys, subscribes its topics in
:meth:`subscribe_topics` (most through :meth:`subscribe_value`) and turns service calls into
the payloads the config asks for.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from xiaoqu.core.entity import DeviceInfo, Entity
from xiaoqu.core.payload import loads
from xiaoqu.core.validation import boolean, ensure_list, string, vol

from .models import ReceiveMessage, text_codec
from .templates import CommandTemplate, TemplateValueError, ValueTemplate
from .topic import valid_publish_topic, valid_subscribe_topic

if TYPE_CHECKING:
    from .discovery import Discovery

_LOGGER = logging.getLogger(__name__)

#: What a state topic sends to say "no value" (Home Assistant's PAYLOAD_NONE).
PAYLOAD_NONE = "None"


def subscribe_topic(value: Any) -> str:
    try:
        return valid_subscribe_topic(string(value))
    except ValueError as err:
        raise vol.Invalid(str(err)) from None


def publish_topic(value: Any) -> str:
    try:
        return valid_publish_topic(string(value))
    except ValueError as err:
        raise vol.Invalid(str(err)) from None


def encoding(value: Any) -> str:
    try:
        return text_codec(string(value))
    except ValueError as err:
        raise vol.Invalid(f"{err} (for example utf-8, gbk)") from None


def optional_string(value: Any) -> str | None:
    return None if value is None else string(value)


def _identifiers(value: Any) -> list[str]:
    return [string(item) for item in ensure_list(value)]


DEVICE_SCHEMA = vol.Schema(
    {
        vol.Optional("identifiers", default=[]): _identifiers,
        vol.Optional("connections", default=[]): [vol.All(vol.Length(min=2, max=2), [string])],
        vol.Optional("name"): optional_string,
        vol.Optional("manufacturer"): optional_string,
        vol.Optional("model"): optional_string,
        vol.Optional("model_id"): optional_string,
        vol.Optional("sw_version"): optional_string,
        vol.Optional("hw_version"): optional_string,
        vol.Optional("serial_number"): optional_string,
        vol.Optional("suggested_area"): optional_string,
        vol.Optional("configuration_url"): optional_string,
        vol.Optional("via_device"): optional_string,
    },
    extra=vol.REMOVE_EXTRA,
)

AVAILABILITY_SCHEMA = vol.Schema(
    {
        vol.Required("topic"): subscribe_topic,
        vol.Optional("payload_available", default="online"): string,
        vol.Optional("payload_not_available", default="offline"): string,
        vol.Optional("value_template"): string,
    },
    extra=vol.REMOVE_EXTRA,
)

def device_info(device: dict[str, Any]) -> DeviceInfo | None:
    """The device registry entry a config's (validated) ``device`` block describes; None
    without identifiers or connections."""
    identifiers = [f"mqtt:{i}" for i in device["identifiers"]]
    identifiers += [f"mqtt:{kind}:{value}" for kind, value in device["connections"]]
    if not identifiers:
        return None
    optional = ("model_id", "hw_version", "serial_number", "suggested_area", "configuration_url", "via_device")
    extra = {k: device[k] for k in optional if device.get(k)}
    return DeviceInfo(
        identifiers=identifiers,
        name=device.get("name"),  # a config may share its device's block by identifiers alone
        model=device.get("model"),
        manufacturer=device.get("manufacturer"),
        sw_version=device.get("sw_version"),
        extra=extra,
    )


#: Keys every platform accepts (unknown keys are dropped, as Home Assistant does).
COMMON_SCHEMA: dict[Any, Any] = {
    vol.Optional("name"): optional_string,
    vol.Optional("unique_id"): string,
    vol.Optional("object_id"): string,
    vol.Optional("default_entity_id"): string,
    vol.Optional("device"): DEVICE_SCHEMA,
    vol.Optional("origin"): dict,
    vol.Optional("availability"): vol.All(ensure_list, [AVAILABILITY_SCHEMA]),
    vol.Optional("availability_topic"): subscribe_topic,
    vol.Optional("availability_template"): string,
    vol.Optional("availability_mode", default="latest"): vol.In(["all", "any", "latest"]),
    vol.Optional("payload_available", default="online"): string,
    vol.Optional("payload_not_available", default="offline"): string,
    vol.Optional("json_attributes_topic"): subscribe_topic,
    vol.Optional("json_attributes_template"): string,
    vol.Optional("qos", default=0): vol.All(vol.Coerce(int), vol.In([0, 1, 2])),
    vol.Optional("retain", default=False): boolean,
    vol.Optional("encoding", default="utf-8"): encoding,
    vol.Optional("icon"): string,
    vol.Optional("entity_category"): optional_string,
    vol.Optional("enabled_by_default", default=True): boolean,
    vol.Optional("device_class"): optional_string,
    vol.Optional("optimistic"): boolean,
}


class MqttEntity(Entity):
    """One discovered entity; ``PLATFORM_SCHEMA`` lists the platform's own keys."""

    PLATFORM_SCHEMA: ClassVar[dict[Any, Any]] = {}
    #: Attributes copied from the config into the state attributes when present.
    CONFIG_ATTRIBUTES: ClassVar[tuple[str, ...]] = ()
    #: The name of an entity whose config gives none (Home Assistant's, per platform).
    DEFAULT_NAME: ClassVar[str | None] = None

    @classmethod
    def schema(cls) -> vol.Schema:
        return vol.Schema({**COMMON_SCHEMA, **cls.PLATFORM_SCHEMA}, extra=vol.REMOVE_EXTRA)

    def __init__(self, discovery: Discovery, config: dict[str, Any], discovery_key: str) -> None:
        self.discovery = discovery
        self.discovery_key = discovery_key
        self._unsubscribes: list[Callable[[], None]] = []
        self.configure(config)

    # --- configuration ------------------------------------------------------------------

    def configure(self, config: dict[str, Any]) -> None:
        """Take a (new) config; called on creation and on every discovery update."""
        self.config = config
        hub = self.discovery.hub
        device = config.get("device")
        self._attr_device_class = config.get("device_class")
        self._attr_has_entity_name = True
        self._attr_name = self._entity_name(config)
        self._attr_unique_id = config.get("unique_id")
        self._attr_entity_registry_enabled_default = config["enabled_by_default"]
        self._attr_icon = config.get("icon")
        self._attr_device_info = device_info(device) if device else None
        self.device_key = (device and (device["identifiers"] or [None])[0]) or config.get("unique_id") or self.discovery_key
        self._attr_suggested_object_id = self._requested_object_id(config)
        self._availability = self._availability_topics(config)
        self._available_by_topic: dict[str, bool] = {}
        self._latest_available: bool | None = None
        self._json_attributes: dict[str, Any] = {}
        self._json_attributes_template = (
            ValueTemplate(config["json_attributes_template"], hub) if "json_attributes_template" in config else None
        )
        self.setup_platform(config)

    def _entity_name(self, config: dict[str, Any]) -> str | None:
        """The entity's own name, as Home Assistant's MQTT entities take it (``has_entity_name``):
        the config's ``name``, even None (the device's main feature, called by the device's
        name alone); without one, the name of its device class where its domain names
        entities so ("Temperature"), else the platform's default name ("MQTT Sensor")."""
        if "name" in config:
            return config["name"]
        return self.device_class_name() or self.DEFAULT_NAME

    def _requested_object_id(self, config: dict[str, Any]) -> str | None:
        """The object id the config asks for, as Home Assistant reads it: ``default_entity_id``
        (``sensor.weather_temperature``) is a whole entity id whose domain part is left out
        (the entity's own domain is used), ``object_id`` (the older option) is the part after
        the dot; ``default_entity_id`` wins when both are given. Home Assistant turns a
        ``default_entity_id`` without a dot into ``unnamed_device``; here it is logged and the
        id comes from the name instead."""
        if (default_entity_id := config.get("default_entity_id")) is not None:
            _, dot, object_id = default_entity_id.partition(".")
            if dot and object_id:
                return object_id
            self.reject(
                "invalid_default_entity_id",
                f"default_entity_id {default_entity_id[:80]!r} is not <domain>.<object_id>; the entity id comes from its name",
            )
        return config.get("object_id")

    def setup_platform(self, config: dict[str, Any]) -> None:
        """Platform part of :meth:`configure` (templates, payloads, initial state)."""

    def _availability_topics(self, config: dict[str, Any]) -> list[dict[str, Any]]:
        hub = self.discovery.hub
        entries = [dict(entry) for entry in config.get("availability", [])]
        if "availability_topic" in config:
            entries.append(
                {
                    "topic": config["availability_topic"],
                    "payload_available": config["payload_available"],
                    "payload_not_available": config["payload_not_available"],
                    **({"value_template": config["availability_template"]} if "availability_template" in config else {}),
                }
            )
        for entry in entries:
            entry["template"] = ValueTemplate(entry.get("value_template"), hub)
        return entries

    # --- life on the hub -------------------------------------------------------------------

    async def added_to_hub(self) -> None:
        client = self.discovery.client
        self._unsubscribes.append(client.on_connection_change(self._connection_changed))
        for entry in self._availability:
            self.subscribe(entry["topic"], self._availability_received(entry))
        if "json_attributes_topic" in self.config:
            self.subscribe(self.config["json_attributes_topic"], self._attributes_received)
        self.subscribe_topics()

    async def will_remove_from_hub(self) -> None:
        self.unsubscribe_all()

    def unsubscribe_all(self) -> None:
        for unsubscribe in self._unsubscribes:
            unsubscribe()
        self._unsubscribes = []

    def subscribe_topics(self) -> None:
        """Subscribe the platform's state topics (called after each (re)configuration)."""

    def subscribe(self, topic: str, handler: Callable[[ReceiveMessage], None]) -> None:
        self._unsubscribes.append(self.discovery.client.subscribe_nowait(topic, handler, self.config["qos"]))

    def subscribe_value(
        self,
        handler: Callable[[str, ReceiveMessage], None],
        topic_key: str = "state_topic",
        template_key: str = "value_template",
    ) -> None:
        """Call ``handler(value, message)`` with each value the config's ``template_key``
        renders from ``topic_key`` (when the config has that topic).

        A payload the template cannot turn into a value is counted and logged here; an empty
        (or blank) value is skipped, as Home Assistant skips it, so handlers see only values.
        """
        topic = self.config.get(topic_key)
        if topic is None:
            return
        template = self.value_template(template_key)

        def received(message: ReceiveMessage) -> None:
            value = self.render(template, message)
            if value is not None and value.strip():
                handler(value, message)

        self.subscribe(topic, received)

    def publish(self, topic: str, payload: str | bytes) -> None:
        self.discovery.client.publish_nowait(topic, payload, self.config["qos"], self.config["retain"])

    def update(self) -> None:
        """Write the state if the entity is on the hub (configure runs before it is)."""
        if self.entity_id is not None and self.hub is not None:
            self.write_state()

    def _connection_changed(self, connected: bool) -> None:
        self.update()

    # --- values --------------------------------------------------------------------------

    def render(self, template: ValueTemplate, message: ReceiveMessage, **variables: Any) -> str | None:
        """``template`` applied to ``message``; None (counted, logged) when it does not fit."""
        try:
            return template.render(message, self.config["encoding"], **variables)
        except TemplateValueError as err:
            self.reject(err.code, f"{message.topic}: {err}")
            return None

    def reject(self, reason: str, detail: str) -> None:
        self.discovery.rejections.add(str(self.device_key), reason)
        who = self.entity_id or self.friendly_name or self.device_key
        self.discovery.log.warning((self.domain, reason), "%s: %s", who, detail)

    def command_template(self, key: str) -> CommandTemplate:
        return CommandTemplate(self.config.get(key), self.discovery.hub)

    def value_template(self, key: str = "value_template") -> ValueTemplate:
        return ValueTemplate(self.config.get(key), self.discovery.hub)

    @property
    def optimistic(self) -> bool:
        """Optimistic when the config says so, or when there is no state topic to follow."""
        return bool(self.config.get("optimistic")) or "state_topic" not in self.config

    # --- availability and attributes --------------------------------------------------------

    def _availability_received(self, entry: dict[str, Any]) -> Callable[[ReceiveMessage], None]:
        def received(message: ReceiveMessage) -> None:
            value = self.render(entry["template"], message)
            if value == entry["payload_available"]:
                available = True
            elif value == entry["payload_not_available"]:
                available = False
            else:
                return
            self._available_by_topic[entry["topic"]] = available
            self._latest_available = available
            self.update()

        return received

    @property
    def available(self) -> bool:
        if not self.discovery.client.connected:
            return False
        if not self._availability:
            return True
        mode = self.config["availability_mode"]
        if mode == "latest":
            return bool(self._latest_available)
        values = [self._available_by_topic.get(entry["topic"]) for entry in self._availability]
        if mode == "all":
            return all(v is True for v in values)
        return any(v is True for v in values)

    def _attributes_received(self, message: ReceiveMessage) -> None:
        if self._json_attributes_template is not None:
            text = self.render(self._json_attributes_template, message)
            if text is None:
                return
            try:
                attributes = loads(text)
            except ValueError as err:
                self.reject("invalid_json", f"json_attributes_template did not give JSON on {message.topic}: {err}")
                return
        else:
            try:
                attributes = message.json()
            except ValueError as err:
                self.reject("invalid_json", f"attributes on {message.topic} are not JSON: {err}")
                return
        if not isinstance(attributes, dict):
            self.reject("not_an_object", f"attributes on {message.topic} are not a JSON object")
            return
        self._json_attributes = attributes
        self.update()

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        attributes = dict(self._json_attributes)
        for key in self.CONFIG_ATTRIBUTES:
            if self.config.get(key) is not None:
                attributes[key] = self.config[key]
        return attributes
