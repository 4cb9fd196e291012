"""WeChat Pay API v3's notify, both ends: the official SDK's test vector verifies and decrypts,
and every way a notify can be wrong is refused with the reason (fixtures/README.md names the
samples' sources)."""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.payments import NotifyRefused, NotifyUnreadable, get_payments
from xiaoqu.integrations.payments.wechatpay_v3 import (
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    WechatPayV3Provider,
    open_notify,
    seal_notify,
    signed_headers,
)

FIXTURES = Path(__file__).parent / "fixtures"
VECTOR: dict[str, Any] = json.loads((FIXTURES / "wechatpay_v3_notify_testvector.json").read_text(encoding="utf-8"))
CAPTURE: dict[str, Any] = json.loads((FIXTURES / "wechatpay_v3_notify_transaction_capture.json").read_text(
    encoding="utf-8"))
CERTIFICATE = x509.load_pem_x509_certificate(VECTOR["wechatpay_certificate_pem"].encode())
PLATFORM = {format(CERTIFICATE.serial_number, "X"): CERTIFICATE.public_key()}
NOW = VECTOR["now_unix"]
KEY = VECTOR["mch_apiv3_key"].encode()
BODY = VECTOR["body"].encode()


def _open(headers: dict[str, str] = VECTOR["headers"], body: bytes = BODY, now: float = NOW,
          key: bytes = KEY) -> Any:
    return open_notify(headers, body, certificates=PLATFORM, apiv3_key=key, now=now)  # type: ignore[arg-type]


def test_the_official_test_vector_verifies_and_decrypts() -> None:
    opened = _open()
    assert opened.notify_id == "3119dfba-e649-5eec-ab1e-3412bc4d2e17"
    assert opened.event_type == "PAYSCORE.USER_OPEN_SERVICE" and opened.original_type == "payscore"
    assert opened.resource == json.loads(VECTOR["expected_plaintext"])
    # header names in any case, as a proxy may write them
    assert _open({name.lower(): value for name, value in VECTOR["headers"].items()}).resource == opened.resource


@pytest.mark.parametrize(("now", "accepted"), [(NOW - 299, True), (NOW + 299, True), (NOW - 300, False),
                                               (NOW + 300, False), (NOW + 86_400, False)])
def test_a_notify_is_good_only_within_five_minutes_of_its_timestamp(now: float, accepted: bool) -> None:
    if accepted:
        _open(now=now)
        return
    with pytest.raises(NotifyRefused, match="stale: signed .* outside ±300 s"):
        _open(now=now)


@pytest.mark.parametrize(("change", "reason"), [
    (lambda h, b: (h, b.replace(b"payscore", b"payscorf", 1)), "does not match the body"),
    (lambda h, b: ({**h, HEADER_TIMESTAMP: str(NOW - 1)}, b), "does not match the body"),  # re-stamped
    (lambda h, b: ({**h, "Wechatpay-Nonce": "x" * 32}, b), "does not match the body"),
    (lambda h, b: ({**h, HEADER_SIGNATURE: "WECHATPAY/SIGNTEST/" + h[HEADER_SIGNATURE]}, b), "does not match"),
    (lambda h, b: ({**h, HEADER_SIGNATURE: "not base64!"}, b), "does not match the body"),
    (lambda h, b: ({k: v for k, v in h.items() if k != HEADER_SIGNATURE}, b), "unsigned: no Wechatpay-Signature"),
    (lambda h, b: ({**h, "Wechatpay-Serial": "21BC5C0E19CF953DA421E5275B1AB7741FBF465C"}, b), "unknown platform"),
    (lambda h, b: ({**h, HEADER_TIMESTAMP: "1624523846.5"}, b), "not Unix seconds"),
    (lambda h, b: ({**h, "Wechatpay-Nonce": "n" * 5000}, b), "too long"),
])
def test_a_forged_or_altered_notify_is_refused_saying_why(change: Any, reason: str) -> None:
    headers, body = change(dict(VECTOR["headers"]), BODY)
    with pytest.raises(NotifyRefused, match=reason):
        _open(headers, body)


def test_a_real_production_notify_from_another_merchants_platform_is_refused() -> None:
    body = CAPTURE["body"].encode()
    assert len(body) == int(CAPTURE["headers"]["Content-Length"])
    with pytest.raises(NotifyRefused, match="unknown platform certificate '21BC5C0E"):
        _open(CAPTURE["headers"], body, now=int(CAPTURE["headers"]["Wechatpay-Timestamp"]))


def test_signed_but_not_decryptable_is_unreadable_not_refused() -> None:
    with pytest.raises(NotifyUnreadable, match="does not decrypt with the APIv3 key"):
        _open(key=b"anotherMchAPIv3K")


# The platform's side, as the simulated provider uses it.

PRIVATE_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
APIV3 = b"0123456789abcdefghijklmnopqrstuv"  # 32 bytes: AES-256, as production keys are
SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
TRANSACTION = {"mchid": "1900000001", "appid": "wxd678efh567hg6787", "out_trade_no": "PK20260302001",
               "transaction_id": "4200001814202603028853553578", "trade_state": "SUCCESS",
               "amount": {"total": 600, "payer_total": 600, "currency": "CNY", "payer_currency": "CNY"}}


class Merchant(WechatPayV3Provider):
    name = "wechat_test"

    async def checkout(self, order: Any) -> Any:
        raise NotImplementedError


MERCHANT = Merchant(mchid="1900000001", appid="wxd678efh567hg6787", apiv3_key=APIV3,
                    certificates={SERIAL: PRIVATE_KEY.public_key()})


def _sealed(resource: dict[str, Any] = TRANSACTION, now: float = NOW, **kwargs: Any) -> Any:
    return seal_notify(resource, private_key=PRIVATE_KEY, serial=SERIAL, apiv3_key=APIV3, now=now, **kwargs)


def test_what_the_platform_seals_the_merchant_reads_as_a_payment() -> None:
    sealed = _sealed()
    envelope = json.loads(sealed.body)
    assert envelope["event_type"] == "TRANSACTION.SUCCESS" and envelope["resource"]["algorithm"] == "AEAD_AES_256_GCM"
    assert len(envelope["resource"]["nonce"]) == 12 and len(sealed.headers["Wechatpay-Nonce"]) == 32
    assert b"4200001814202603028853553578" not in sealed.body  # the transaction travels encrypted
    notice = MERCHANT.read_notify(sealed.headers, sealed.body, NOW + 10)
    assert notice is not None
    assert (notice.order_id, notice.payment_id, notice.amount_fen, notice.paid, notice.state, notice.method) == (
        "PK20260302001", "4200001814202603028853553578", 600, True, "SUCCESS", "wechat")
    assert notice.notify_id == envelope["id"]


def test_a_retry_is_signed_afresh_over_the_same_body() -> None:
    sealed = _sealed()
    later = NOW + 3600
    with pytest.raises(NotifyRefused, match="stale"):
        MERCHANT.read_notify(sealed.headers, sealed.body, later)
    again = signed_headers(sealed.body, private_key=PRIVATE_KEY, serial=SERIAL, now=later)
    assert again["Wechatpay-Nonce"] != sealed.headers["Wechatpay-Nonce"]
    assert MERCHANT.read_notify(again, sealed.body, later) is not None


def test_a_notify_that_is_no_payment_is_read_as_none() -> None:
    refund = _sealed({"mchid": "1900000001", "out_refund_no": "R1"}, original_type="refund",
                     event_type="REFUND.SUCCESS")
    assert MERCHANT.read_notify(refund.headers, refund.body, NOW) is None


@pytest.mark.parametrize(("resource", "reason"), [
    ({**TRANSACTION, "mchid": "1230000109"}, "for merchant 1230000109 .* not ours"),
    ({**TRANSACTION, "amount": {"total": "600"}}, "lacks .*amount.total"),
    ({k: v for k, v in TRANSACTION.items() if k != "transaction_id"}, "lacks .*transaction_id"),
])
def test_a_signed_transaction_that_cannot_be_ours_is_unreadable(resource: dict[str, Any], reason: str) -> None:
    sealed = _sealed(resource)
    with pytest.raises(NotifyUnreadable, match=reason):
        MERCHANT.read_notify(sealed.headers, sealed.body, NOW)


def test_a_notify_signed_by_another_key_is_refused() -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sealed = seal_notify(TRANSACTION, private_key=other, serial=SERIAL, apiv3_key=APIV3, now=NOW)
    with pytest.raises(NotifyRefused, match="does not match the body"):
        MERCHANT.read_notify(sealed.headers, sealed.body, NOW)
    assert base64.b64decode(sealed.headers[HEADER_SIGNATURE])  # a well-formed signature, by the wrong key


class VectorMerchant(WechatPayV3Provider):
    """The merchant of the official test vector, registered as a provider of a hub."""

    name = "wechat_vector"

    async def checkout(self, order: Any) -> Any:
        raise NotImplementedError


async def test_the_official_test_vector_through_the_hubs_callback(tmp_path: Path) -> None:
    """The SDK's notify, byte for byte over real HTTP, on a hub whose clock is the vector's:
    taken (it is a contract's notify, not a payment: acknowledged, nothing paid); five
    minutes later the same request is a replay, refused."""
    clock = ManualClock(NOW)
    async with running_hub(tmp_path, {"payments": {}}, clock=clock) as hub, aiohttp.ClientSession() as session:
        resource = json.loads(VECTOR["expected_plaintext"])
        get_payments(hub).register(VectorMerchant(mchid=resource["mchid"], appid=resource["appid"], apiv3_key=KEY,
                                                  certificates=PLATFORM))  # type: ignore[arg-type]
        url = f"http://127.0.0.1:{hub.data['http'].port}/api/payments/wechat_vector/notify"

        async def post() -> int:
            async with session.post(url, data=BODY, headers=VECTOR["headers"]) as response:
                return response.status

        assert await post() == 204
        clock.advance(300)
        assert await post() == 401
