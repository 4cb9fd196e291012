"""``trigger: webhook``: a device or service called ``/api/webhook/<webhook_id>`` — Home
Assistant's webhook trigger.

::

    - trigger: webhook
      webhook_id: "north-gate-camera-6b1f0c9e2d4a77c3"   # may be a template of trigger_variables
      allowed_methods: [POST, PUT]                        # optional; the default
      local_only: true                                    # optional; the default: callers on the site's networks only

The trigger's data: ``webhook_id``, ``json`` (a JSON body; ``{}`` when empty) or ``data``
(the fields of a form; empty for other bodies), ``query``, ``headers`` and ``description``.

As in Home Assistant, several triggers may wait on one webhook id (two automations on one
camera): the webhook is registered once and each call fires them all. They must then agree
on ``allowed_methods`` and ``local_only`` — Home Assistant silently keeps the first
trigger's settings; here a trigger asking for others is refused, naming the automation that
holds the id, so a webhook is never more open (or closed) than its config says. An id a
plugin registered for itself (a camera's) cannot be used by a trigger.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from xiaoqu.core.automation.platforms import FireTrigger, TriggerInfo
from xiaoqu.core.bus import Unsubscribe
from xiaoqu.core.http.helpers import context_of, json_message
from xiaoqu.core.http.webhook import (
    DEFAULT_METHODS,
    SUPPORTED_METHODS,
    WEBHOOK_ID,
    read_webhook_body,
    register_webhook,
    shown,
)
from xiaoqu.core.hub_data import HubKey
from xiaoqu.core.payload import PayloadError
from xiaoqu.core.template import Template, is_template_string, template_validator
from xiaoqu.core.validation import boolean, ensure_list, string, vol

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_TRIGGERS: Final = HubKey["dict[str, _Shared]"]("http.webhook_triggers")
DEFAULT_LOCAL_ONLY: Final = True
#: Headers that carry credentials: never in trigger data (traces keep trigger data).
PRIVATE_HEADERS: Final = frozenset({"authorization", "cookie", "proxy-authorization", "x-api-key"})


def _checked_id(webhook_id: str) -> str:
    if not WEBHOOK_ID.match(webhook_id):
        raise vol.Invalid(f"'{webhook_id}' is not a webhook id: 1-128 letters, digits, '_' or '-'")
    return webhook_id


def _webhook_id(hub: Hub | None) -> Any:
    """A webhook id, checked now — or a template, checked once it is rendered."""
    compile_template = template_validator(hub)

    def validate(value: Any) -> Template | str:
        text = string(value)
        return compile_template(text) if is_template_string(text) else _checked_id(text)

    return validate


def _method(value: Any) -> str:
    method = string(value).upper()
    if method not in SUPPORTED_METHODS:
        raise vol.Invalid(f"expected one of {', '.join(sorted(SUPPORTED_METHODS))}")
    return method


def _methods(value: Any) -> list[str]:
    methods = [_method(item) for item in ensure_list(value)]
    if not methods:
        raise vol.Invalid("expected at least one method")
    if len(set(methods)) != len(methods):
        raise vol.Invalid("a method is listed twice")
    return methods


@dataclass(slots=True)
class _Shared:
    """The triggers waiting on one webhook id, behind one registration."""

    allowed_methods: frozenset[str]
    local_only: bool
    holder: str
    unregister: Unsubscribe
    fires: list[FireTrigger] = field(default_factory=list)


class WebhookTrigger:
    """The ``webhook`` trigger type of one hub."""

    def __init__(self, hub: Hub | None) -> None:
        self.schema = vol.Schema({
            vol.Required("trigger"): "webhook",
            vol.Required("webhook_id"): _webhook_id(hub),
            vol.Optional("allowed_methods"): _methods,
            vol.Optional("local_only"): boolean,
        })

    def attach(self, hub: Hub, config: Mapping[str, Any], fire: FireTrigger, info: TriggerInfo) -> Unsubscribe:
        webhook_id = config["webhook_id"]
        if isinstance(webhook_id, Template):
            webhook_id = _checked_id(webhook_id.render(info.variables, limited=True))
        methods = frozenset(config.get("allowed_methods", DEFAULT_METHODS))
        local_only = config.get("local_only", DEFAULT_LOCAL_ONLY)
        triggers = hub.data.setdefault(_TRIGGERS, {})
        shared = triggers.get(webhook_id)
        if shared is None:
            unregister = register_webhook(hub, webhook_id, _handle_webhook, allowed_methods=methods,
                                          local_only=local_only, name=f"automation {info.automation_id}",
                                          domain="automation")
            shared = triggers[webhook_id] = _Shared(methods, local_only, info.automation_id, unregister)
        elif (shared.allowed_methods, shared.local_only) != (methods, local_only):
            raise ValueError(
                f"webhook {shown(webhook_id)} is already used by automation {shared.holder} with "
                f"allowed_methods {sorted(shared.allowed_methods)} and local_only {shared.local_only}; "
                "triggers on one webhook must agree on both"
            )
        shared.fires.append(fire)

        def detach() -> None:
            if fire in shared.fires:
                shared.fires.remove(fire)
            if not shared.fires and triggers.get(webhook_id) is shared:
                del triggers[webhook_id]
                shared.unregister()

        return detach


async def _handle_webhook(hub: Hub, webhook_id: str, request: web.Request) -> web.StreamResponse | None:
    """Read the request once, then fire every trigger waiting on ``webhook_id``."""
    data: dict[str, Any] = {"platform": "webhook", "webhook_id": webhook_id}
    try:
        data.update(await read_webhook_body(request) or {"data": {}})
    except PayloadError as err:
        return json_message(f"The body is not accepted: {err}.", HTTPStatus.BAD_REQUEST)
    data["query"] = dict(request.query)
    data["headers"] = {name: value for name, value in request.headers.items() if name.lower() not in PRIVATE_HEADERS}
    data["description"] = "webhook"
    shared = hub.data.get(_TRIGGERS, {}).get(webhook_id)
    context = context_of(request)
    for fire in list(shared.fires) if shared is not None else ():
        fire(data, context)
    return None
