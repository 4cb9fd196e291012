"""The payment provider's notify callback, sent what a forger, a broken proxy or a confused
provider would send: unsigned, forged, truncated and re-signed bodies, and signed transactions
with any value anywhere. Nothing raises; every refusal is a 401 that is audited; nothing pays an
order unless it is the provider's signed payment of that order's exact amount."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.badinput.common import bounded, byte_mutations, logged_tracebacks, mutated
from tests.integrations.payments.conftest import Site, audit_acts
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.payments.wechatpay_v3 import Sealed, seal_notify

ORDER = "PKbadinput0001"
AMOUNT = 600
HEADER_NAMES = ["Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial", "Wechatpay-Signature", "X-Other"]


class Harness:
    def __init__(self, site: Site, loop: asyncio.AbstractEventLoop) -> None:
        self.site, self.loop = site, loop
        self.refused = 0  # 401s answered
        self.tracebacks: list[str] = []

    def run(self, awaitable: Any) -> Any:
        return self.loop.run_until_complete(awaitable)

    def post(self, sealed: Sealed) -> int:
        status, _text = self.run(self.site.post(sealed))
        assert status in (204, 401, 500), status  # taken; refused; signed but unusable (our config or theirs)
        self.refused += status == 401
        assert self.tracebacks == [], "a 500 is the provider's or our config's, never a crash"
        if status == 401:  # every refusal audited, checked as it happens (no test depends on another's order)
            assert len(self.run(audit_acts(self.site.hub, "payment_notify_refused"))) == self.refused
        return status


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """A hub with payments and the simulated WeChat Pay; no address is banned however often it fails."""
    loop = asyncio.new_event_loop()
    config = {"http": {"server_port": 0, "login_attempts_threshold": 1_000_000},
              "payments": {}, "sim_pay": {"pay_after": None, "retry_seconds": [0.05]}}
    manager = running_hub(Path(tmp_path_factory.mktemp("pay")), config)
    hub = loop.run_until_complete(manager.__aenter__())
    session = loop.run_until_complete(_session())
    site = Site(hub, session, {})
    hub.bus.listen("payment_received", lambda event: site.received.append(dict(event.data)))
    loop.run_until_complete(site.payments.create_order(ORDER, AMOUNT, "停车费", purpose="parking", reference="s-1"))
    found = Harness(site, loop)

    with logged_tracebacks() as tracebacks:
        found.tracebacks = tracebacks
        try:
            yield found
        finally:
            loop.run_until_complete(session.close())
            loop.run_until_complete(manager.__aexit__(None, None, None))
            loop.close()


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()


def _seal(site: Site, transaction: Any) -> Sealed:
    keys = site.platform.keys
    return seal_notify(transaction, private_key=keys.private_key, serial=keys.serial, apiv3_key=keys.apiv3_key,
                       now=site.hub.clock.time())


def _pending(site: Site) -> bool:
    order = site.payments.order(ORDER)
    return order is not None and order.status == "pending"


@bounded(60)
@given(st.data())
def test_unsigned_forged_or_truncated_notifies_are_refused_and_audited(harness: Harness, data: st.DataObject) -> None:
    site = harness.site
    good = _seal(site, site.platform.transaction(ORDER, "4200000000000000000000000001", AMOUNT))
    body = data.draw(byte_mutations(good.body) | st.just(good.body), label="body")
    headers = dict(good.headers)
    for name in data.draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=3), label="changed"):
        headers[name] = data.draw(st.text(max_size=40) | st.sampled_from(["", "0", "9" * 400, "1e9"]))
    headers = {k: v for k, v in headers.items() if v.isprintable() and v.isascii()}
    status = harness.post(Sealed(headers, body))
    if (body, headers) != (good.body, good.headers):
        assert status == 401 or (status == 204 and body == good.body), status
    assert _pending(site) or [r["payment_id"] for r in site.received] == ["4200000000000000000000000001"]


@bounded(80)
@given(mutated({"mchid": "1900000109", "appid": "wx0000000000000000", "out_trade_no": ORDER,
                "transaction_id": "4200000000000000000000000002", "trade_state": "SUCCESS",
                "amount": {"total": AMOUNT + 1, "payer_total": AMOUNT + 1, "currency": "CNY"}}))
def test_signed_transactions_with_any_value_pay_nothing_they_should_not(harness: Harness, transaction: Any) -> None:
    """The amount is one fen off, so whatever else is changed, no example may pay the order."""
    site = harness.site
    platform = site.platform
    if isinstance(transaction, dict):  # the merchant's own ids, where the mutation left them
        ours = {"1900000109": platform.mchid, "wx0000000000000000": platform.appid}
        transaction = {k: ours.get(v, v) if k in ("mchid", "appid") and isinstance(v, str) else v
                       for k, v in transaction.items()}
    ledger = site.payments.books.ledger
    before = ledger.balance("purpose:parking")
    harness.post(_seal(site, transaction))
    assert _pending(site) or len(site.received) <= 1
    assert ledger.balance("purpose:parking") == before
    assert not [r for r in site.received if r["payment_id"] == "4200000000000000000000000002"]
