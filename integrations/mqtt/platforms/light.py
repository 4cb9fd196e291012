"""MQTT light in Home Assistant's three schemas: ``default`` (a topic per feature), ``json``
(Zigbee2MQTT, ESPHome: one JSON state and command) and ``template`` (Shelly scripts)."""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from xiaoqu.core.const import STATE_OFF, STATE_ON
from xiaoqu.core.validation import boolean, string, vol
from xiaoqu.integrations.light.const import DOMAIN as DOMAIN
from xiaoqu.integrations.light.entity import LightEntity

from ..entity import PAYLOAD_NONE, MqttEntity, publish_topic, subscribe_topic
from ..models import ReceiveMessage
from .switch import OnOffEntity


def _brightness(kwargs: dict[str, Any]) -> int | None:
    if "brightness_pct" in kwargs:
        return round(kwargs["brightness_pct"] * 255 / 100)
    return kwargs.get("brightness")


def _forget_light(light: LightEntity) -> None:
    """No brightness, colour or effect known: a (re)configured light waits for its device."""
    light._attr_brightness = light._attr_rgb_color = light._attr_color_temp = None
    light._attr_color_mode = light._attr_effect = None


class DefaultLight(OnOffEntity, LightEntity):
    DEFAULT_NAME = "MQTT LightEntity"  # sic: Home Assistant's
    PLATFORM_SCHEMA = {
        vol.Optional("schema", default="default"): "default",
        vol.Optional("command_topic"): publish_topic,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("state_value_template"): string,
        vol.Optional("value_template"): string,  # what Tasmota sends for the on/off state
        vol.Optional("payload_on", default="ON"): string,
        vol.Optional("payload_off", default="OFF"): string,
        vol.Optional("brightness_command_topic"): publish_topic,
        vol.Optional("brightness_command_template"): string,
        vol.Optional("brightness_state_topic"): subscribe_topic,
        vol.Optional("brightness_value_template"): string,
        vol.Optional("brightness_scale", default=255): vol.All(vol.Coerce(int), vol.Range(min=1)),
        vol.Optional("rgb_command_topic"): publish_topic,
        vol.Optional("rgb_command_template"): string,
        vol.Optional("rgb_state_topic"): subscribe_topic,
        vol.Optional("rgb_value_template"): string,
        vol.Optional("color_temp_command_topic"): publish_topic,
        vol.Optional("color_temp_command_template"): string,
        vol.Optional("color_temp_state_topic"): subscribe_topic,
        vol.Optional("color_temp_value_template"): string,
        vol.Optional("effect_command_topic"): publish_topic,
        vol.Optional("effect_state_topic"): subscribe_topic,
        vol.Optional("effect_value_template"): string,
        vol.Optional("effect_list"): [string],
        vol.Optional("on_command_type", default="last"): vol.In(["first", "last", "brightness"]),
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        super().setup_platform(config)
        _forget_light(self)

    def subscribe_topics(self) -> None:
        super().subscribe_topics()
        for feature in ("brightness", "rgb", "color_temp", "effect"):
            self.subscribe_value(self._feature_received(feature), f"{feature}_state_topic", f"{feature}_value_template")

    def _feature_received(self, feature: str) -> Callable[[str, ReceiveMessage], None]:
        def received(value: str, message: ReceiveMessage) -> None:
            if value == PAYLOAD_NONE:
                return
            try:
                if feature == "brightness":
                    self._attr_brightness = min(255, round(float(value) * 255 / self.config["brightness_scale"]))
                elif feature == "rgb":
                    self._attr_rgb_color = [int(float(part)) for part in value.split(",")[:3]]
                    self._attr_color_mode = "rgb"
                elif feature == "color_temp":
                    self._attr_color_temp = int(float(value))
                    self._attr_color_mode = "color_temp"
                else:
                    self._attr_effect = value
            except ValueError:
                self.reject("unexpected_value", f"{message.topic}: {value[:40]!r} is not a {feature} value")
                return
            self.update()

        return received

    def turn_on(self, **kwargs: Any) -> None:
        config = self.config
        brightness = _brightness(kwargs)
        order = config["on_command_type"]
        sent_power = False
        if order == "first" and "command_topic" in config:
            self.publish(config["command_topic"], config["payload_on"])
            sent_power = True
        if brightness is not None and "brightness_command_topic" in config:
            scaled = round(brightness * config["brightness_scale"] / 255)
            self.publish(config["brightness_command_topic"], self.command_template("brightness_command_template").render(scaled))
            self._attr_brightness = brightness
        if kwargs.get("rgb_color") is not None and "rgb_command_topic" in config:
            rgb = kwargs["rgb_color"]
            text = ",".join(str(c) for c in rgb)
            template = self.command_template("rgb_command_template")
            payload = template.render(text, red=rgb[0], green=rgb[1], blue=rgb[2]) if template.text else text
            self.publish(config["rgb_command_topic"], payload)
            self._attr_rgb_color = list(rgb)
        if kwargs.get("color_temp") is not None and "color_temp_command_topic" in config:
            payload = self.command_template("color_temp_command_template").render(kwargs["color_temp"])
            self.publish(config["color_temp_command_topic"], payload)
            self._attr_color_temp = kwargs["color_temp"]
        if kwargs.get("effect") is not None and "effect_command_topic" in config:
            self.publish(config["effect_command_topic"], kwargs["effect"])
            self._attr_effect = kwargs["effect"]
        skip_power = order == "brightness" and brightness is not None
        if not sent_power and not skip_power and "command_topic" in config:
            self.publish(config["command_topic"], config["payload_on"])
        if self.optimistic:
            self._attr_is_on = True
        self.update()


class JsonLight(MqttEntity, LightEntity):
    DEFAULT_NAME = "MQTT JSON Light"
    PLATFORM_SCHEMA = {
        vol.Required("schema"): "json",
        vol.Required("command_topic"): publish_topic,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("brightness", default=False): boolean,
        vol.Optional("brightness_scale", default=255): vol.All(vol.Coerce(int), vol.Range(min=1)),
        vol.Optional("supported_color_modes"): [string],
        vol.Optional("effect", default=False): boolean,
        vol.Optional("effect_list"): [string],
        vol.Optional("min_mireds"): vol.Coerce(int),
        vol.Optional("max_mireds"): vol.Coerce(int),
        vol.Optional("flash_time_short"): vol.Coerce(int),
        vol.Optional("flash_time_long"): vol.Coerce(int),
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_is_on = None
        _forget_light(self)

    def subscribe_topics(self) -> None:
        if "state_topic" in self.config:
            self.subscribe(self.config["state_topic"], self._received)

    def _received(self, message: ReceiveMessage) -> None:
        try:
            values = message.json()
        except ValueError:
            self.reject("invalid_json", f"{message.topic}: a JSON light state must be JSON")
            return
        if not isinstance(values, dict):
            self.reject("not_an_object", f"{message.topic}: a JSON light state must be an object")
            return
        state = values.get("state")
        if state == "ON":
            self._attr_is_on = True
        elif state == "OFF":
            self._attr_is_on = False
        elif state is None and "state" in values:
            self._attr_is_on = None
        if isinstance(values.get("brightness"), (int, float)):
            self._attr_brightness = min(255, round(values["brightness"] * 255 / self.config["brightness_scale"]))
        color = values.get("color")
        if isinstance(color, dict) and all(isinstance(color.get(c), (int, float)) for c in "rgb"):
            self._attr_rgb_color = [int(color[c]) for c in "rgb"]
        if isinstance(values.get("color_temp"), (int, float)):
            self._attr_color_temp = int(values["color_temp"])
        if isinstance(values.get("color_mode"), str):
            self._attr_color_mode = values["color_mode"]
        if isinstance(values.get("effect"), str):
            self._attr_effect = values["effect"]
        self.update()

    def _command(self, body: dict[str, Any]) -> None:
        self.publish(self.config["command_topic"], json.dumps(body, separators=(",", ":")))

    def turn_on(self, **kwargs: Any) -> None:
        body: dict[str, Any] = {"state": "ON"}
        brightness = _brightness(kwargs)
        if brightness is not None and self.config["brightness"]:
            body["brightness"] = round(brightness * self.config["brightness_scale"] / 255)
            self._attr_brightness = brightness
        if kwargs.get("rgb_color") is not None:
            body["color"] = dict(zip("rgb", kwargs["rgb_color"], strict=True))
            self._attr_rgb_color = list(kwargs["rgb_color"])
        if kwargs.get("color_temp") is not None:
            body["color_temp"] = kwargs["color_temp"]
            self._attr_color_temp = kwargs["color_temp"]
        if kwargs.get("effect") is not None:
            body["effect"] = kwargs["effect"]
        if kwargs.get("transition") is not None:
            body["transition"] = kwargs["transition"]
        self._command(body)
        if self.optimistic:
            self._attr_is_on = True
            self.update()

    def turn_off(self, **kwargs: Any) -> None:
        body: dict[str, Any] = {"state": "OFF"}
        if kwargs.get("transition") is not None:
            body["transition"] = kwargs["transition"]
        self._command(body)
        if self.optimistic:
            self._attr_is_on = False
            self.update()


class TemplateLight(MqttEntity, LightEntity):
    DEFAULT_NAME = "MQTT Template Light"
    PLATFORM_SCHEMA = {
        vol.Required("schema"): "template",
        vol.Required("command_topic"): publish_topic,
        vol.Required("command_on_template"): string,
        vol.Required("command_off_template"): string,
        vol.Optional("state_topic"): subscribe_topic,
        vol.Optional("state_template"): string,
        vol.Optional("brightness_template"): string,
        vol.Optional("red_template"): string,
        vol.Optional("green_template"): string,
        vol.Optional("blue_template"): string,
        vol.Optional("effect_list"): [string],
    }

    def setup_platform(self, config: dict[str, Any]) -> None:
        self._attr_is_on = None
        _forget_light(self)
        self._brightness_template = self.value_template("brightness_template") if "brightness_template" in config else None

    def subscribe_topics(self) -> None:
        self.subscribe_value(self._received, template_key="state_template")

    def _received(self, value: str, message: ReceiveMessage) -> None:
        value = value.strip()
        if value == STATE_ON:
            self._attr_is_on = True
        elif value == STATE_OFF:
            self._attr_is_on = False
        elif value == PAYLOAD_NONE:
            self._attr_is_on = None
        else:
            self.reject("unexpected_value", f"{message.topic}: state_template gave {value[:40]!r}, not on or off")
            return
        if self._brightness_template is not None:
            brightness = self.render(self._brightness_template, message)
            if brightness and brightness.strip().isdigit():
                self._attr_brightness = int(brightness.strip())
        self.update()

    def turn_on(self, **kwargs: Any) -> None:
        variables: dict[str, Any] = {"state": STATE_ON}
        brightness = _brightness(kwargs)
        if brightness is not None:
            variables["brightness"] = brightness
        if kwargs.get("rgb_color") is not None:
            variables.update(zip(("red", "green", "blue"), kwargs["rgb_color"], strict=True))
        for key in ("color_temp", "effect", "transition"):
            if kwargs.get(key) is not None:
                variables[key] = kwargs[key]
        self.publish(self.config["command_topic"], self.command_template("command_on_template").render(None, **variables))
        if self.optimistic:
            self._attr_is_on = True
            self.update()

    def turn_off(self, **kwargs: Any) -> None:
        variables = {"state": STATE_OFF, **({"transition": kwargs["transition"]} if kwargs.get("transition") else {})}
        self.publish(self.config["command_topic"], self.command_template("command_off_template").render(None, **variables))
        if self.optimistic:
            self._attr_is_on = False
            self.update()


def entity_class(config: dict[str, Any]) -> type[MqttEntity]:
    schemas: dict[str, type[MqttEntity]] = {"json": JsonLight, "template": TemplateLight}
    return schemas.get(config.get("schema", "default"), DefaultLight)
