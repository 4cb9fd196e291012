"""The integration's voluptuous schemas: the ``mqtt:`` section of config.yaml
(:data:`CONFIG_SCHEMA`) and the ``mqtt.publish`` service's data (:data:`PUBLISH_SCHEMA`).

    mqtt:
      broker: embedded            # the default; or mqtt://user:pass@host:1883, mqtts://host:8883,
                                  # or {host, port, username, password, tls: {ca_certs, certfile, keyfile}}
      port: 1884                  # where the embedded broker listens (1883 is often taken by Mosquitto);
                                  # 0: any free port (tests), then mqtt.get(hub).broker.port
      bind: 127.0.0.1             # the embedded broker's address; anything else requires `users`
      users:                      # accounts on the embedded broker, each with the topics it may use
        reader_r1: {password: s3cret, device: reader/r1}      # xiaoqu/<site>/reader/r1/#
        resident_3_301: {password: s3cret, household: 3-301}  # xiaoqu/<site>/household/3-301/#
        z2m: {password: s3cret, publish: [zigbee2mqtt/#, homeassistant/#], subscribe: [zigbee2mqtt/#]}
      discovery: true             # Home Assistant MQTT discovery in (Zigbee2MQTT, ESPHome, Shelly, ...)
      discovery_prefix: homeassistant
      max_discovered_entities: 1000   # discovery creates no more entities than this (Tasmota's included)
      max_entities_per_device: 100    # ... nor more than this for one device
      discovery_out: false        # announce xiaoqu's entities to Home Assistant: true or {domains: [lock]}
      state_stream: true          # every state to xiaoqu/<site>/state/<entity_id>, retained
      device_protocol: true       # the vendor protocol under xiaoqu/<site>/
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from xiaoqu.core.validation import (
    boolean,
    ensure_list,
    port,
    port_or_zero,
    positive_int,
    string,
    vol,
)

from .broker import HUB_USER, is_loopback
from .entity import publish_topic
from .topic import InvalidTopic, valid_subscribe_topic

if TYPE_CHECKING:
    from .client import PayloadType

EMBEDDED = "embedded"
DEFAULT_EMBEDDED_PORT = 1884
_PREFIX = re.compile(r"^[^#+\s]+$")

TLS_SCHEMA = vol.Schema(
    {
        vol.Optional("ca_certs"): string,
        vol.Optional("certfile"): string,
        vol.Optional("keyfile"): string,
        vol.Optional("insecure", default=False): boolean,
    }
)

BROKER_MAPPING_SCHEMA = vol.Schema(
    {
        vol.Required("host"): string,
        vol.Optional("port"): port,
        vol.Optional("username"): string,
        vol.Optional("password"): string,
        vol.Optional("tls"): vol.Any(None, TLS_SCHEMA),
    }
)


def broker(value: Any) -> Any:
    """``embedded``, an ``mqtt://``/``mqtts://`` URL, or a mapping; always returned as a mapping
    (``{"embedded": True}`` or ``{"host", "port", "username", "password", "tls"}``)."""
    if value == EMBEDDED:
        return {EMBEDDED: True}
    if isinstance(value, dict):
        data = BROKER_MAPPING_SCHEMA(value)
        data.setdefault("port", 8883 if data.get("tls") is not None else 1883)
        return data
    if isinstance(value, str):
        parsed = urlparse(value)
        if parsed.scheme in ("mqtt", "mqtts", "tcp", "ssl") and parsed.hostname:
            secure = parsed.scheme in ("mqtts", "ssl")
            try:
                url_port = parsed.port
            except ValueError:
                raise vol.Invalid("the port in the broker URL is not a number from 1 to 65535") from None
            data = {"host": parsed.hostname, "port": url_port or (8883 if secure else 1883)}
            if parsed.username:
                data["username"] = unquote(parsed.username)
            if parsed.password:
                data["password"] = unquote(parsed.password)
            if secure:
                data["tls"] = TLS_SCHEMA({})
            return data
    raise vol.Invalid("expected 'embedded', a URL such as mqtt://host:1883, or a mapping with host and port")


def topic_prefix(value: Any) -> str:
    text = string(value).strip("/")
    if not text or not _PREFIX.match(text):
        raise vol.Invalid("expected a topic prefix without spaces, '+' or '#'")
    return text


def _topic_filter(value: Any) -> str:
    try:
        return valid_subscribe_topic(string(value))
    except InvalidTopic as err:
        raise vol.Invalid(str(err)) from None


def _topic_level(what: str) -> Any:
    def validate(value: Any) -> str:
        text = string(value)
        if not text or any(c in text for c in "/+#\0") or text.strip() != text:
            raise vol.Invalid(f"expected a {what} without '/', '+', '#' or surrounding spaces")
        return text

    return validate


def _device_path(value: Any) -> str:
    """``<device type>/<device id>``: the account's own subtree of the device protocol."""
    kind, slash, device_id = string(value).partition("/")
    if not slash:
        raise vol.Invalid("expected <device type>/<device id>, such as reader/r1")
    return f"{_topic_level('device type')(kind)}/{_topic_level('device id')(device_id)}"


def _user_name(value: Any) -> str:
    name = string(value)
    if not name or ":" in name or any(c.isspace() for c in name):
        raise vol.Invalid(f"account name {name!r}: expected a name without ':' or spaces")
    if name in (HUB_USER, "anonymous"):
        raise vol.Invalid(f"account name {name!r} is reserved (the hub's own account, or clients without one)")
    return name


_ONE_OWNER = "an account belongs to a device or to a household, not both"
ACCOUNT_SCHEMA = vol.Schema(
    {
        vol.Required("password"): string,
        vol.Exclusive("device", "owner", msg=_ONE_OWNER): _device_path,
        vol.Exclusive("household", "owner", msg=_ONE_OWNER): _topic_level("household id"),
        vol.Optional("publish", default=[]): vol.All(ensure_list, [_topic_filter]),
        vol.Optional("subscribe", default=[]): vol.All(ensure_list, [_topic_filter]),
    }
)


def account(value: Any) -> dict[str, Any]:
    """A password alone (an account that may use no topic), or a mapping with its topics."""
    if isinstance(value, dict):
        return ACCOUNT_SCHEMA(value)
    return ACCOUNT_SCHEMA({"password": value})


def _domains_option(default_enabled: bool) -> Any:
    """``true``/``false`` or ``{domains: [...]}`` (only those domains), as ``{"enabled", "domains"}``."""

    def validate(value: Any) -> dict[str, Any]:
        if value is None:
            return {"enabled": default_enabled, "domains": None}
        if isinstance(value, dict):
            data = vol.Schema(
                {
                    vol.Optional("domains"): vol.All(vol.Length(min=1), [string]),
                    vol.Optional("qos", default=1): vol.All(int, vol.In([0, 1, 2])),
                }
            )(value)
            return {"enabled": True, "domains": data.get("domains"), "qos": data["qos"]}
        return {"enabled": boolean(value), "domains": None, "qos": 1}

    return validate


def _exposed_needs_accounts(config: dict[str, Any]) -> dict[str, Any]:
    if config["broker"].get(EMBEDDED) and not is_loopback(config["bind"]) and not config["users"]:
        raise vol.Invalid(
            "the embedded broker listens beyond loopback, so it takes no anonymous clients: "
            "add 'mqtt: users' with at least one account",
            path=["users"],
        )
    return config


CONFIG_SCHEMA = vol.All(
    vol.Schema(
        {
            vol.Optional("broker", default=EMBEDDED): broker,
            vol.Optional("port", default=DEFAULT_EMBEDDED_PORT): port_or_zero,
            vol.Optional("bind", default="127.0.0.1"): string,
            vol.Optional("users", default={}): vol.Schema({_user_name: account}),
            vol.Optional("client_id"): string,
            vol.Optional("keepalive", default=60): vol.All(positive_int, vol.Range(min=5, max=3600)),
            vol.Optional("tcp_nodelay", default=True): boolean,
            vol.Optional("max_payload", default=256 * 1024): vol.All(positive_int, vol.Range(min=64)),
            vol.Optional("max_queued_incoming", default=10_000): vol.All(positive_int, vol.Range(min=1)),
            vol.Optional("max_held_back", default=10_000): vol.All(positive_int, vol.Range(min=1)),
            vol.Optional("discovery", default=True): boolean,
            vol.Optional("discovery_prefix", default="homeassistant"): topic_prefix,
            vol.Optional("max_discovered_entities", default=1000): positive_int,
            vol.Optional("max_entities_per_device", default=100): vol.All(positive_int, vol.Range(min=1)),
            vol.Optional("discovery_out", default=False): _domains_option(False),
            vol.Optional("state_stream", default=True): _domains_option(True),
            vol.Optional("device_protocol", default=True): boolean,
        }
    ),
    _exposed_needs_accounts,
)


def _payload(value: Any) -> PayloadType:
    """Text, a number, a mapping or list (sent as JSON), or None (an empty message)."""
    if value is None or isinstance(value, str | int | float | dict | list) and not isinstance(value, bool):
        return value
    return string(value)


def _has_topic(config: dict[str, Any]) -> dict[str, Any]:
    if "topic" not in config and "topic_template" not in config:
        raise vol.Invalid("required key not provided: give the topic to publish to", path=["topic"])
    return config


#: ``mqtt.publish``'s data (services.py).
PUBLISH_SCHEMA = vol.All(
    vol.Schema({
        vol.Exclusive("topic", "topic"): publish_topic,
        vol.Exclusive("topic_template", "topic"): string,
        vol.Exclusive("payload", "payload"): _payload,
        vol.Exclusive("payload_template", "payload"): string,
        vol.Optional("evaluate_payload", default=False): boolean,
        vol.Optional("qos", default=0): vol.All(vol.Coerce(int), vol.In((0, 1, 2), msg="expected 0, 1 or 2")),
        vol.Optional("retain", default=False): boolean,
    }),
    _has_topic,
)
