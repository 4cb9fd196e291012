"""The device protocol: vendors' devices talk to the hub under ``xiaoqu/<site>/`` with no plugin.

A device publishes ``xiaoqu/<site>/<device type>/<device id>/<message>`` with a JSON
payload; every message kind has a JSON schema in ``schemas/`` (docs/device-protocol.md
shows them with examples). The router checks each payload against its schema, then hands
it to the handler a domain integration registered with :func:`register_device_message`
(access decides on credentials, lpr takes plates, ...) together with a ``reply`` function
that answers on the kind's reply topic with the request's ``request_id``. Every valid
message also fires a ``device_message`` event, so automations can use the protocol before
(or besides) any integration.

A ``ts`` must name a moment the hub can use (:func:`device_time`: a real date and hour, with
an offset, from 1970 up to 2100). Whatever does not parse or fit is logged with the reason
(rate-limited per message kind and reason: device ids are chosen by senders), counted per
device and reason, and, where the device waits for an answer, answered with an error.
"""
from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

from xiaoqu.core.ratelimit import RateLimitedLog

from .const import topic_root
from .models import ReceiveMessage
from .schema_errors import describe

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .client import MqttClient
    from .models import Rejections

_LOGGER = logging.getLogger(__name__)

SCHEMA_DIR = Path(__file__).parent / "schemas"
EVENT_DEVICE_MESSAGE = "device_message"

Reply = Callable[[Mapping[str, Any]], None]
Handler = Callable[["DeviceMessage", Reply], Any]


@dataclass(slots=True, frozen=True)
class MessageKind:
    """One message a device sends: ``<device_type>/<id>/<message>``, its schema, and its answer."""

    device_type: str
    message: str
    schema: str
    reply: str | None = None  # message name of the answer topic, e.g. "result"
    error_reply: Mapping[str, Any] | None = None  # what an error answer says besides the error

    @property
    def name(self) -> str:
        return f"{self.device_type}/{self.message}"


#: The kinds in DESIGN.md; domain integrations add handlers (and may add kinds).
BUILTIN_KINDS = (
    MessageKind("reader", "credential", "reader_credential", "result", {"granted": False}),
    MessageKind("lpr", "plate", "lpr_plate"),
    MessageKind("barrier", "state", "barrier_state"),
    MessageKind("door", "state", "door_state"),
    MessageKind("patrol", "scan", "patrol_scan"),
    MessageKind("pos", "charge", "pos_charge", "result", {"ok": False}),
    # An offline door controller's side of its whitelist (the door integration's controllers).
    MessageKind("controller", "status", "controller_status"),
    MessageKind("controller", "sync", "controller_sync"),
    MessageKind("controller", "events", "controller_events", "ack", {"accepted": []}),
)
#: Messages the hub itself publishes under the device tree (ignored when they come back).
HUB_MESSAGES = frozenset({
    ("reader", "result"), ("door", "command"), ("barrier", "command"), ("pos", "result"),
    ("controller", "whitelist"), ("controller", "ack"), ("display", "show"),
})


@dataclass(slots=True, frozen=True)
class DeviceMessage:
    """A valid message from a device, as a handler receives it."""

    kind: str
    device_type: str
    device_id: str
    payload: Mapping[str, Any]
    topic: str
    received_at: float

    @property
    def request_id(self) -> str | None:
        value = self.payload.get("request_id")
        return value if isinstance(value, str) else None


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A schema from ``schemas/<name>.json`` (the files docs/device-protocol.md shows)."""
    path = SCHEMA_DIR / f"{name}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in SCHEMA_DIR.glob("*.json")))
        raise ValueError(f"no device-protocol schema named {name!r}; known: {known}")
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


#: A device's ``ts`` names a moment from 1970 up to (not including) 2100: ``maximum`` of the
#: number form in the schemas, and the range the ``date-time`` check accepts.
TS_MAX = 4102444800


def device_time(value: float | str) -> float:
    """A device's ``ts`` (epoch seconds, or an ISO 8601 date-time with its offset) as epoch
    seconds; ValueError saying why it names no moment the hub can use."""
    if isinstance(value, str):
        moment = datetime.fromisoformat(value)  # ValueError: not a date-time, or no such day or hour
        if moment.tzinfo is None:
            raise ValueError("no offset: add one, such as +08:00 or Z")
        try:
            seconds = moment.timestamp()
        except OverflowError:
            seconds = math.inf
    else:
        seconds = float(value)
    if not 0 <= seconds < TS_MAX:
        raise ValueError("not between 1970 and 2100")
    return seconds


def _is_device_time(value: object) -> bool:
    if isinstance(value, str):
        device_time(value)
    return True


#: jsonschema checks ``date-time`` only with an optional package, and then accepts a time
#: without an offset: the protocol's own check is :func:`device_time`.
FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checks("date-time", raises=ValueError)(_is_device_time)


def _validator(schema: str | Mapping[str, Any]) -> Draft202012Validator:
    body = load_schema(schema) if isinstance(schema, str) else dict(schema)
    Draft202012Validator.check_schema(body)
    return Draft202012Validator(body, format_checker=FORMAT_CHECKER)


class Invalid(Exception):
    """Why a payload was refused: a reason code (counted) and a sentence (logged, answered)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class _Route:
    __slots__ = ("kind", "validator", "handlers")

    def __init__(self, kind: MessageKind, validator: Draft202012Validator) -> None:
        self.kind = kind
        self.validator = validator
        self.handlers: list[Handler] = []


class DeviceRouter:
    """Validates, routes and answers device-protocol messages for one hub."""

    def __init__(self, hub: Hub, client: MqttClient, rejections: Rejections) -> None:
        self.hub = hub
        self.client = client
        self.rejections = rejections
        self.root = topic_root(hub)
        self._routes: dict[tuple[str, str], _Route] = {}
        self._log = RateLimitedLog(_LOGGER, hub.clock.time)
        self._unsubscribe: Callable[[], None] | None = None
        for kind in BUILTIN_KINDS:
            self.add_kind(kind)

    def start(self) -> None:
        self._unsubscribe = self.client.subscribe_nowait(f"{self.root}/+/+/+", self._on_message, qos=1)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def add_kind(self, kind: MessageKind, schema: str | Mapping[str, Any] | None = None) -> None:
        """Teach the router a message kind (a plugin's own, with its own schema)."""
        key = (kind.device_type, kind.message)
        if key in HUB_MESSAGES:
            raise ValueError(f"{kind.name} is published by the hub; a device cannot send it")
        self._routes[key] = _Route(kind, _validator(schema if schema is not None else kind.schema))

    def register(self, kind: str, handler: Handler, schema: str | Mapping[str, Any] | None = None) -> Callable[[], None]:
        """Call ``handler(message, reply)`` for each valid ``kind`` message; returns an unregister function."""
        device_type, _, message = kind.partition("/")
        key = (device_type, message)
        route = self._routes.get(key)
        if route is None:
            if schema is None:
                known = ", ".join(sorted(r.kind.name for r in self._routes.values()))
                raise ValueError(f"unknown device message kind {kind!r} (known: {known}); give a schema to add one")
            self.add_kind(MessageKind(device_type, message, schema if isinstance(schema, str) else kind), schema)
            route = self._routes[key]
        elif schema is not None and (isinstance(schema, str) and schema != route.kind.schema or not isinstance(schema, str)):
            route.validator = _validator(schema)
        route.handlers.append(handler)
        return lambda: route.handlers.remove(handler) if handler in route.handlers else None

    def reply_topic(self, kind: MessageKind, device_id: str) -> str | None:
        return f"{self.root}/{kind.device_type}/{device_id}/{kind.reply}" if kind.reply else None

    # --- handling -----------------------------------------------------------------------

    def _on_message(self, message: ReceiveMessage) -> None:
        rest = message.topic[len(self.root) + 1 :]
        device_type, device_id, name = rest.split("/")
        key = (device_type, name)
        if key in HUB_MESSAGES:
            return
        device = f"{device_type}/{device_id}"
        route = self._routes.get(key)
        if route is None:
            self.rejections.add(device, "unknown_topic")
            self._log.warning(
                ("unknown", "unknown_topic"),
                "Ignoring %s: no device-protocol message %s/%s",
                message.topic,
                device_type,
                name,
            )
            return
        kind = route.kind
        try:
            payload = self._parse(message, route)
        except Invalid as err:
            self._refuse(kind, device_id, message, err)
            return
        parsed = DeviceMessage(kind.name, device_type, device_id, payload, message.topic, message.timestamp)
        reply = self._reply_function(kind, device_id, parsed.request_id)
        self.hub.bus.fire(
            EVENT_DEVICE_MESSAGE,
            {"kind": kind.name, "device_type": device_type, "device_id": device_id, "payload": payload},
            origin="remote",
        )
        for handler in list(route.handlers):
            self._call(handler, parsed, reply, kind, device_id)

    @staticmethod
    def _parse(message: ReceiveMessage, route: _Route) -> dict[str, Any]:
        try:
            payload = message.json()
        except ValueError as err:  # core.payload's PayloadError: not UTF-8, not JSON, too deep
            raise Invalid("invalid_json", str(err)) from None
        if not isinstance(payload, dict):
            raise Invalid("not_an_object", f"payload must be a JSON object, not {type(payload).__name__}")
        error = best_match(route.validator.iter_errors(payload))
        if error is not None:  # told by path and rule: the value may be a secret (schema_errors)
            raise Invalid("schema", describe(error)[:300])
        return payload

    def _refuse(self, kind: MessageKind, device_id: str, message: ReceiveMessage, err: Invalid) -> None:
        device = f"{kind.device_type}/{device_id}"
        self.rejections.add(device, err.code)
        self._log.warning((kind.name, err.code), "Refused %s from %s: %s", kind.name, device, err)
        topic = self.reply_topic(kind, device_id)
        if topic is None:
            return
        request_id = None
        try:
            candidate = message.json().get("request_id")
            request_id = candidate if isinstance(candidate, str) and len(candidate) <= 64 else None
        except Exception:  # the payload is what was wrong; there is no id to echo
            pass
        answer = {**(kind.error_reply or {}), "request_id": request_id, "error": {"code": err.code, "message": str(err)}}
        self.client.publish_nowait(topic, answer, qos=1)

    def _reply_function(self, kind: MessageKind, device_id: str, request_id: str | None) -> Reply:
        topic = self.reply_topic(kind, device_id)
        client = self.client

        def reply(payload: Mapping[str, Any]) -> None:
            if topic is None:
                raise ValueError(f"{kind.name} has no reply topic")
            client.publish_nowait(topic, {"request_id": request_id, **payload}, qos=1)

        return reply

    def _call(self, handler: Handler, message: DeviceMessage, reply: Reply, kind: MessageKind, device_id: str) -> None:
        try:
            result = handler(message, reply)
        except Exception:
            self._handler_failed(handler, message, reply, kind, device_id)
            return
        if asyncio.iscoroutine(result):
            self.hub.create_task(self._await(result, handler, message, reply, kind, device_id), name=f"device {kind.name}")

    async def _await(
        self,
        result: Any,
        handler: Handler,
        message: DeviceMessage,
        reply: Reply,
        kind: MessageKind,
        device_id: str,
    ) -> None:
        try:
            await result
        except Exception:
            self._handler_failed(handler, message, reply, kind, device_id)

    def _handler_failed(self, handler: Handler, message: DeviceMessage, reply: Reply, kind: MessageKind, device_id: str) -> None:
        self.rejections.add(f"{kind.device_type}/{device_id}", "handler_error")
        self._log.exception(
            (kind.name, "handler_error"),
            "Error in the %s handler %s for %s",
            kind.name,
            getattr(handler, "__qualname__", handler),
            message.topic,
        )
        if kind.reply:
            error = {"code": "handler_error", "message": "the hub could not handle this request"}
            reply({**(kind.error_reply or {}), "error": error})
