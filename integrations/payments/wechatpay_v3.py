"""WeChat Pay API v3's payment notify (支付成功回调通知), both ends, as the official SDK does it.

The platform POSTs JSON to the merchant's ``notify_url`` with four headers:
``Wechatpay-Timestamp`` (Unix seconds), ``Wechatpay-Nonce``, ``Wechatpay-Serial`` (which
platform certificate, or public-key id, signed) and ``Wechatpay-Signature``: base64 of
SHA256-with-RSA (PKCS#1 v1.5) over ``timestamp\\nnonce\\nbody\\n``, the body as the **raw
bytes** received (re-serialising the JSON breaks the signature). The payment itself is in
``resource``: AEAD_AES_256_GCM under the merchant's APIv3 key, a 12-character nonce, the
``associated_data`` (may be empty), base64 of ciphertext followed by the 16-byte tag.

:func:`open_notify` is the merchant's side (wechatpay-go ``core/notify``): the timestamp
within five minutes of now, the serial known, the signature good, then the resource
decrypted; anything short of that raises :class:`NotifyRefused` (an outsider, a replay, a
forgery: answer 401) or, when a correctly signed notify cannot be decrypted or read,
:class:`NotifyUnreadable` (our key is wrong: answer 5xx so the platform retries once it is
fixed). :func:`seal_notify` is the platform's side, for the simulated provider and the
tests. The official SDK's test vector (docs/payments.md) is the regression test.
:class:`WechatPayV3Provider` is a provider's notify half: a WeChat Pay plugin (and the
simulated one) subclasses it and adds ``checkout``.

Key length: production APIv3 keys are 32 bytes (AES-256); the SDK's own test vector uses a
16-byte key, which Go's AES (and ``AESGCM``) take as AES-128, so this module takes 16, 24 or
32 bytes and the providers' config asks for 32.
"""
from __future__ import annotations

import base64
import binascii
import json
import secrets
import string
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from xiaoqu.core.payload import PayloadError, loads

from .errors import NotifyRefused, NotifyUnreadable
from .provider import Notice, PaymentProvider

__all__ = [
    "HEADER_NONCE",
    "HEADER_SERIAL",
    "HEADER_SIGNATURE",
    "HEADER_SIGNATURE_TYPE",
    "HEADER_TIMESTAMP",
    "SIGNATURE_TYPE",
    "WINDOW",
    "Opened",
    "Sealed",
    "WechatPayV3Provider",
    "open_notify",
    "seal_notify",
    "signed_headers",
]

HEADER_TIMESTAMP: Final = "Wechatpay-Timestamp"
HEADER_NONCE: Final = "Wechatpay-Nonce"
HEADER_SERIAL: Final = "Wechatpay-Serial"
HEADER_SIGNATURE: Final = "Wechatpay-Signature"
HEADER_SIGNATURE_TYPE: Final = "Wechatpay-Signature-Type"
SIGNATURE_TYPE: Final = "WECHATPAY2-SHA256-RSA2048"
#: A notify whose timestamp is this many seconds or more from now is refused (the SDK's rule):
#: a captured notify cannot be replayed later, and a signed one cannot be kept for later.
WINDOW: Final = 300
ALGORITHM: Final = "AEAD_AES_256_GCM"
KEY_LENGTHS: Final = (16, 24, 32)
_ALPHABET: Final = string.ascii_letters + string.digits
_HEADER_MAX: Final = 1024  # characters in any of the four headers: a signature of RSA-4096 is 684


@dataclass(frozen=True, slots=True)
class Opened:
    """A notify verified and decrypted: its envelope and its resource's plaintext."""

    notify_id: str
    event_type: str
    create_time: str
    summary: str
    original_type: str
    resource: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sealed:
    """A notify as the platform sends it: the headers and the exact body bytes."""

    headers: dict[str, str]
    body: bytes


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def message(timestamp: str, nonce: str, body: bytes) -> bytes:
    """What is signed: ``timestamp\\nnonce\\nbody\\n``, the body's own bytes."""
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def seal_notify(
    resource: Mapping[str, Any],
    *,
    private_key: rsa.RSAPrivateKey,
    serial: str,
    apiv3_key: bytes,
    now: float,
    event_type: str = "TRANSACTION.SUCCESS",
    summary: str = "支付成功",
    original_type: str = "transaction",
    notify_id: str | None = None,
) -> Sealed:
    """The platform's notify of ``resource`` (a transaction): encrypted, signed, stamped ``now``."""
    nonce = _random(12)
    plaintext = json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode()
    ciphertext = AESGCM(apiv3_key).encrypt(nonce.encode(), plaintext, original_type.encode())
    created = _rfc3339(now)
    body = json.dumps({
        "id": notify_id or str(uuid.uuid4()),
        "create_time": created,
        "resource_type": "encrypt-resource",
        "event_type": event_type,
        "summary": summary,
        "resource": {"original_type": original_type, "algorithm": ALGORITHM,
                     "ciphertext": base64.b64encode(ciphertext).decode(), "associated_data": original_type,
                     "nonce": nonce},
    }, ensure_ascii=False, separators=(",", ":")).encode()
    return Sealed(signed_headers(body, private_key=private_key, serial=serial, now=now), body)


def signed_headers(body: bytes, *, private_key: rsa.RSAPrivateKey, serial: str, now: float) -> dict[str, str]:
    """The headers that sign ``body`` at ``now``: a notify delivered again is signed again,
    with a fresh timestamp and nonce, so a retry hours later is inside the window."""
    timestamp, nonce = str(int(now)), _random(32)
    signature = private_key.sign(message(timestamp, nonce, body), padding.PKCS1v15(), hashes.SHA256())
    return {
        "Content-Type": "application/json",
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SERIAL: serial,
        HEADER_SIGNATURE: base64.b64encode(signature).decode(),
        HEADER_SIGNATURE_TYPE: SIGNATURE_TYPE,
    }


def open_notify(
    headers: Mapping[str, str],
    body: bytes,
    *,
    certificates: Mapping[str, rsa.RSAPublicKey],
    apiv3_key: bytes,
    now: float,
) -> Opened:
    """Verify a notify and decrypt its resource; see the module docstring for what is refused.

    ``headers`` may be any case (aiohttp's are case-insensitive, a dict need not be);
    ``certificates`` maps each platform serial (or public-key id) to its public key.
    """
    verify(headers, body, certificates=certificates, now=now)
    try:
        envelope = loads(body)
        resource = envelope["resource"]
        if resource.get("algorithm") != ALGORITHM:
            raise NotifyUnreadable(f"resource algorithm {str(resource.get('algorithm'))[:40]!r}, not {ALGORITHM}")
        plaintext = AESGCM(apiv3_key).decrypt(
            str(resource["nonce"]).encode(), base64.b64decode(resource["ciphertext"], validate=True),
            str(resource.get("associated_data") or "").encode(),
        )
        decrypted = loads(plaintext)
        if not isinstance(decrypted, dict):
            raise NotifyUnreadable("the resource is not a JSON object")
        return Opened(str(envelope.get("id", "")), str(envelope.get("event_type", "")),
                      str(envelope.get("create_time", "")), str(envelope.get("summary", "")),
                      str(resource.get("original_type", "")), decrypted)
    except InvalidTag:
        raise NotifyUnreadable("the resource does not decrypt with the APIv3 key (is apiv3_key right?)") from None
    except (PayloadError, KeyError, TypeError, AttributeError, ValueError, binascii.Error) as err:
        raise NotifyUnreadable(f"the notify's body or resource is not what WeChat Pay sends: {type(err).__name__}") \
            from None


def verify(headers: Mapping[str, str], body: bytes, *, certificates: Mapping[str, rsa.RSAPublicKey],
           now: float) -> None:
    """Raise :class:`NotifyRefused` unless the platform signed ``body`` within :data:`WINDOW` of ``now``.

    The cheap checks come first, so a flood of junk costs no RSA verification.
    """
    lower = {key.lower(): value for key, value in headers.items()}
    found = {name: lower.get(name.lower(), "") for name in (HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SERIAL,
                                                             HEADER_SIGNATURE)}
    missing = [name for name, value in found.items() if not value]
    if missing:
        raise NotifyRefused(f"unsigned: no {', '.join(missing)}")
    if any(len(value) > _HEADER_MAX for value in found.values()):
        raise NotifyRefused("a signature header is too long")
    timestamp = found[HEADER_TIMESTAMP]
    # at most 12 digits: a longer one is no moment, and too large a number to compare with the clock
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise NotifyRefused("the timestamp is not Unix seconds")
    if abs(int(timestamp) - now) >= WINDOW:
        raise NotifyRefused(f"stale: signed {int(timestamp) - int(now):+d} s from now, outside ±{WINDOW} s "
                            "(a replay, or the hub's clock is wrong)")
    key = certificates.get(found[HEADER_SERIAL])
    if key is None:
        raise NotifyRefused(f"signed with an unknown platform certificate {found[HEADER_SERIAL][:64]!r}")
    try:
        signature = base64.b64decode(found[HEADER_SIGNATURE], validate=True)
        key.verify(signature, message(timestamp, found[HEADER_NONCE], body), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        raise NotifyRefused("the signature does not match the body (forged or altered)") from None


#: The notifies of a payment; others (refunds, contracts) are acknowledged and ignored.
TRANSACTION: Final = "transaction"
SUCCESS: Final = "SUCCESS"


class WechatPayV3Provider(PaymentProvider):
    """A WeChat Pay v3 merchant's notifies: verified, decrypted and read as a :class:`Notice`.

    ``certificates`` maps each platform certificate serial (or public-key id) to its key;
    ``mchid`` and ``appid`` are the merchant's, and a notify for another merchant is refused as
    unusable (our config is wrong, not the sender). Subclasses implement ``checkout``.
    """

    method = "wechat"

    def __init__(self, *, mchid: str, appid: str, apiv3_key: bytes,
                 certificates: Mapping[str, rsa.RSAPublicKey]) -> None:
        self.mchid, self.appid = mchid, appid
        self.apiv3_key = apiv3_key
        self.certificates = dict(certificates)

    def read_notify(self, headers: Mapping[str, str], body: bytes, now: float) -> Notice | None:
        opened = open_notify(headers, body, certificates=self.certificates, apiv3_key=self.apiv3_key, now=now)
        if opened.original_type != TRANSACTION:
            return None
        paid = opened.resource
        merchant = (paid.get("mchid"), paid.get("appid"))
        if merchant != (self.mchid, self.appid):
            raise NotifyUnreadable(f"the payment is for merchant {str(merchant[0])[:32]} (app {str(merchant[1])[:32]}), "
                                   f"not ours ({self.mchid}, app {self.appid})")
        amount = paid.get("amount")
        total = amount.get("total") if isinstance(amount, dict) else None
        order_id, payment_id, state = paid.get("out_trade_no"), paid.get("transaction_id"), paid.get("trade_state")
        if (isinstance(total, bool) or not isinstance(total, int) or not isinstance(order_id, str)
                or not isinstance(payment_id, str) or not payment_id or not isinstance(state, str)):
            raise NotifyUnreadable("the transaction lacks out_trade_no, transaction_id, trade_state or amount.total")
        return Notice(opened.notify_id, order_id, payment_id, total, state == SUCCESS, state, self.method)


#: The platform writes its times in Beijing time, whatever the merchant's zone.
_BEIJING: Final = timezone(timedelta(hours=8))


def _rfc3339(now: float) -> str:
    """``2021-06-24T16:37:26+08:00``."""
    return datetime.fromtimestamp(int(now), _BEIJING).isoformat()
