"""The webhook channel: each notice to each household POSTed as JSON to a gateway (an SMS
provider's, a WeChat service account's relay), signed, with a timeout and retries.

    POST <url>
    Content-Type: application/json
    X-Xiaoqu-Timestamp: 1772416800
    X-Xiaoqu-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

    {"notice_id": "N1A2B3C4D", "household": "1-2-0601", "title": "...", "body": "...",
     "sent_at": "...", "template": "fee_notice", "ref": "billing:2026-03:1-2-0601",
     "to": ["13812345678"]}

``to`` holds the household's phones (``field: phone``; ``field: null`` sends none), opened from
residents for this request only and never logged. A 2xx answer is delivered; a 429, a 5xx, a
timeout or a broken connection is tried again after ``backoff`` seconds, doubling, up to
``retries`` more times; any other answer fails at once (the gateway refused the request: trying
again would not change its mind).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any, Final

import aiohttp

from xiaoqu.core.validation import number, positive_int, slug, string, url, vol

from ..const import CHANNEL_WEBHOOK
from .base import ChannelBase, ChannelContext, ChannelType, DeliveryFailed, Message

HEADER_SIGNATURE: Final = "X-Xiaoqu-Signature"
HEADER_TIMESTAMP: Final = "X-Xiaoqu-Timestamp"
#: The answers worth trying again: too many requests, and the gateway's own trouble.
RETRIED: Final = frozenset({429, 500, 502, 503, 504})


def _secret(value: Any) -> str:
    text = string(value)
    if len(text) < 16:
        raise vol.Invalid("expected a secret of at least 16 characters (keep it in secrets.yaml)")
    return text


SCHEMA: Final = vol.Schema({
    vol.Required("url"): url,
    vol.Required("secret"): _secret,
    vol.Optional("timeout", default=5.0): vol.All(number, vol.Range(min=0.1, max=60)),
    vol.Optional("retries", default=3): vol.All(vol.Coerce(int), vol.Range(min=0, max=10)),
    vol.Optional("backoff", default=1.0): vol.All(number, vol.Range(min=0, max=60)),
    vol.Optional("field", default="phone"): vol.Any(None, slug),
    vol.Optional("max_connections", default=8): vol.All(positive_int, vol.Range(min=1, max=100)),
})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the gateway recomputes to know the request is the hub's: ``sha256=<hex>``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookChannel(ChannelBase):
    def __init__(self, context: ChannelContext, config: dict[str, Any]) -> None:
        self.hub = context.hub
        self.contacts = context.contacts
        self.config = config
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.config["timeout"]),
                connector=aiohttp.TCPConnector(limit=self.config["max_connections"]))
        return self._session

    async def send(self, message: Message, household: str) -> None:
        payload = message.payload(household)
        field = self.config["field"]
        if field is not None:
            payload["to"] = self.contacts.of(household, field)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        retries, pause = self.config["retries"], self.config["backoff"]
        why = ""
        for attempt in range(retries + 1):
            if attempt:
                await asyncio.sleep(pause * 2 ** (attempt - 1))
            timestamp = str(int(self.hub.clock.time()))
            headers = {"Content-Type": "application/json", HEADER_TIMESTAMP: timestamp,
                       HEADER_SIGNATURE: signature(self.config["secret"], timestamp, body)}
            try:
                async with self._client().post(self.config["url"], data=body, headers=headers) as response:
                    if response.status < 300:
                        return
                    why = f"the gateway answered {response.status}"
                    if response.status not in RETRIED:
                        raise DeliveryFailed(why)
            except (aiohttp.ClientError, TimeoutError) as err:
                why = f"the gateway could not be reached ({type(err).__name__})"
        raise DeliveryFailed(f"{why}, {retries + 1} time(s)")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


TYPE: Final = ChannelType(CHANNEL_WEBHOOK, SCHEMA, WebhookChannel, "A signed POST to an SMS or WeChat gateway")
