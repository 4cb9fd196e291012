"""Webhooks: public, found by their secret id, with methods and local-only as registered."""
from __future__ import annotations

import logging

import pytest
from aiohttp import web

from xiaoqu.core.http import generate_webhook_id, register_webhook, unregister_webhook, webhook_payload
from xiaoqu.core.http.helpers import context_of


def _recorder(calls: list):
    async def handler(hub, webhook_id, request):
        calls.append((webhook_id, await webhook_payload(request), context_of(request)))

    return handler


async def test_a_webhook_needs_no_token_and_gets_the_payload(api) -> None:
    calls: list = []
    webhook_id = generate_webhook_id()
    assert len(webhook_id) == 64
    register_webhook(api.hub, webhook_id, _recorder(calls), name="North gate camera", domain="lpr")
    status, body = await api.request("POST", f"/api/webhook/{webhook_id}?lane=2", role=None, json={"plate": "沪C88888"})
    assert (status, body) == (200, "")
    ((got_id, payload, context),) = calls
    assert got_id == webhook_id
    assert payload == {"query": {"lane": "2"}, "json": {"plate": "沪C88888"}}
    assert context.user_id is None and context.source == "webhook"
    status, _ = await api.request("POST", f"/api/webhook/{webhook_id}", role=None, data={"plate": "沪C1"})
    assert status == 200 and calls[-1][1]["data"] == {"plate": "沪C1"}


async def test_a_handler_may_answer(api) -> None:
    async def answer(hub, webhook_id, request):
        return web.json_response({"open": True})

    webhook_id = generate_webhook_id()
    register_webhook(api.hub, webhook_id, answer, allowed_methods=["GET"])
    assert await api.request("GET", f"/api/webhook/{webhook_id}", role=None) == (200, {"open": True})
    status, body = await api.request("POST", f"/api/webhook/{webhook_id}", role=None)
    assert status == 405 and "POST" in body["message"]


async def test_unknown_and_unregistered_ids_reveal_nothing(api, caplog) -> None:
    calls: list = []
    webhook_id = generate_webhook_id()
    unregister = register_webhook(api.hub, webhook_id, _recorder(calls))
    unregister()
    assert await api.request("POST", f"/api/webhook/{webhook_id}", role=None, json={}) == (200, "")
    other = generate_webhook_id()
    register_webhook(api.hub, other, _recorder(calls))
    unregister_webhook(api.hub, other)
    assert await api.request("POST", f"/api/webhook/{other}", role=None, json={}) == (200, "")
    assert calls == []
    assert webhook_id not in caplog.text and webhook_id[:4] + "…" in caplog.text


async def test_a_flood_of_unknown_ids_is_logged_once(api, caplog) -> None:
    for _ in range(20):
        assert (await api.request("POST", f"/api/webhook/{generate_webhook_id()}", role=None, json={}))[0] == 200
    assert len([r for r in caplog.records if "which is not registered" in r.getMessage()]) == 1


async def test_local_only_refuses_outside_callers(tmp_path, serve_api) -> None:
    config = {"http": {"server_port": 0, "use_x_forwarded_for": True, "trusted_proxies": ["127.0.0.1"]}}
    async with serve_api(tmp_path, config) as api:
        calls: list = []
        webhook_id = generate_webhook_id()
        register_webhook(api.hub, webhook_id, _recorder(calls), local_only=True)
        path = f"/api/webhook/{webhook_id}"
        assert (await api.request("POST", path, role=None, json={}, headers={"X-Forwarded-For": "203.0.113.7"}))[0] == 200
        assert (await api.request("POST", path, role=None, json={}, headers={"X-Forwarded-For": "1.2.3.4"}))[0] == 200
        assert calls == []
        assert (await api.request("POST", path, role=None, json={}, headers={"X-Forwarded-For": "192.168.10.7"}))[0] == 200
        assert (await api.request("POST", path, role=None, json={}))[0] == 200
        assert len(calls) == 2


async def test_a_failing_handler_is_a_500_without_details(api, caplog) -> None:
    async def broken(hub, webhook_id, request):
        raise RuntimeError("database password is hunter2")

    webhook_id = generate_webhook_id()
    register_webhook(api.hub, webhook_id, broken)
    status, body = await api.request("POST", f"/api/webhook/{webhook_id}", role=None, json={})
    assert status == 500 and "hunter2" not in body["message"]
    assert "Webhook" in caplog.text and webhook_id not in caplog.text


def test_registration_checks_ids_and_methods(hub, caplog) -> None:
    async def handler(hub, webhook_id, request):
        return None

    with pytest.raises(ValueError, match="1-128 letters"):
        register_webhook(hub, "has/slash", handler)
    with pytest.raises(ValueError, match="allowed_methods"):
        register_webhook(hub, generate_webhook_id(), handler, allowed_methods=["DELETE"])
    webhook_id = generate_webhook_id()
    register_webhook(hub, webhook_id, handler, domain="lpr")
    with pytest.raises(ValueError, match="already registered"):
        register_webhook(hub, webhook_id, handler)
    with caplog.at_level(logging.WARNING):
        register_webhook(hub, "gate1", handler, name="Gate 1")
    assert "short enough to be guessed" in caplog.text
