"""Service calls over the HTTP API: what an unknown service's error may tell the caller."""
from __future__ import annotations

CONFIG = {"http": {"server_port": 0}, "auth": {"roles": {"guard": ["barrier.open"]}}}


def _services(hub) -> None:
    for name in ("open", "close"):
        hub.services.register("barrier", name, lambda call: None)
    hub.services.register("billing", "refund", lambda call: None)


async def _unknown(api, role: str, service: str) -> str:
    status, body = await api.request("POST", f"/api/services/{service.replace('.', '/')}", role=role, json={})
    assert status == 404, body
    return body["message"]


async def test_a_hint_names_only_services_the_caller_may_call(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, CONFIG) as api:
        _services(api.hub)
        # a resident may call none of them: never told a name
        assert await _unknown(api, "resident", "billing.refnd") == "service billing.refnd not found"
        assert await _unknown(api, "resident", "barrier.opn") == "service barrier.opn not found"
        # a guard may open barriers, not close them nor refund
        assert await _unknown(api, "guard", "billing.refnd") == "service billing.refnd not found"
        assert "barrier.close" not in await _unknown(api, "guard", "barrier.clse")
        assert await _unknown(api, "guard", "barrier.opn") == "service barrier.opn not found; did you mean barrier.open?"
        # an admin may call everything, and is told
        assert (await _unknown(api, "admin", "billing.refnd")
                == "service billing.refnd not found; did you mean billing.refund?")
