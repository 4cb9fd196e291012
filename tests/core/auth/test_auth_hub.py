"""The auth plugin on a real hub: the permission check on every user's call, and its audit."""
from __future__ import annotations

import logging

import pytest

from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import Unauthorized
from xiaoqu.core.testing import running_hub

HUB = Actor("hub", "test")


async def test_first_start_says_how_to_make_the_first_admin(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO)
    async with running_hub(tmp_path, {}):
        pass
    hints = [r.getMessage() for r in caplog.records if "No users yet" in r.getMessage()]
    assert len(hints) == 1 and "xiaoqu user add admin --role admin" in hints[0] and "xiaoqu token create admin" in hints[0]
    async with running_hub(tmp_path, {}) as hub:
        await hub.data["auth"].manager.add_user("admin", "admin", None, HUB)
    caplog.clear()
    async with running_hub(tmp_path, {}):
        pass
    assert not [r for r in caplog.records if "No users yet" in r.getMessage()]


async def test_first_user_hint_names_the_config_file_the_hub_runs(tmp_path, caplog, monkeypatch) -> None:
    from xiaoqu.core.bootstrap import setup_hub

    monkeypatch.chdir(tmp_path.parent)
    (tmp_path / "site.yaml").write_text("http: {server_port: 0}\n", encoding="utf-8")
    hub, _checked = await setup_hub(tmp_path / "site.yaml")
    await hub.stop()
    hint = next(r.getMessage() for r in caplog.records if "No users yet" in r.getMessage())
    assert f"-c {tmp_path / 'site.yaml'}" in hint


def test_audit_redacts_codes_and_secrets_in_any_case() -> None:
    from xiaoqu.core.auth.audit import REDACTED, redact

    data = {"code": "1234", "lock_code": "9", "passcode": "7", "secretKey": "y", "Authorization": "Bearer x",
            "entity_id": "lock.front_door", "nested": {"apiKey": "k", "zip_code_hint": "ok?"}}
    assert redact(data) == {"code": REDACTED, "lock_code": REDACTED, "passcode": REDACTED, "secretKey": REDACTED,
                            "Authorization": REDACTED, "entity_id": "lock.front_door",
                            "nested": {"apiKey": REDACTED, "zip_code_hint": REDACTED}}


def test_audit_keeps_the_ids_and_names_of_secrets_but_not_the_secrets() -> None:
    from xiaoqu.core.auth.audit import REDACTED, redact

    data = {"token_id": "1a2b3c4d", "token_name": "gate script", "apiKeyId": "k1", "secret_name": "db",
            "token": "xq_x", "access_token": "xq_y", "tokenSecret": "z", "id_token": "w", "password_hash": "h"}
    assert redact(data) == {"token_id": "1a2b3c4d", "token_name": "gate script", "apiKeyId": "k1", "secret_name": "db",
                            "token": REDACTED, "access_token": REDACTED, "tokenSecret": REDACTED, "id_token": REDACTED,
                            "password_hash": REDACTED}


async def test_service_calls_for_users_are_checked_by_role(tmp_path) -> None:
    config = {"auth": {"roles": {"guard": ["barrier.open"]}}}
    async with running_hub(tmp_path, config) as hub:
        calls = []
        hub.services.register("barrier", "open", calls.append)
        hub.services.register("barrier", "close", calls.append)
        manager = get_access(hub).manager
        guard = await manager.add_user("guard1", "guard", None, HUB)
        admin = await manager.add_user("boss", "admin", None, HUB)

        await hub.services.call("barrier", "open", context=Context(user_id=guard.id, source="automation.night"))
        with pytest.raises(Unauthorized, match=r"^user guard1 \(role guard\) may not call barrier.close$"):
            await hub.services.call("barrier", "close", context=Context(user_id=guard.id, source="automation.night"))
        await hub.services.call("barrier", "close", context=Context(user_id=admin.id))
        await hub.services.call("barrier", "close")  # no user: the hub itself, not checked
        with pytest.raises(Unauthorized, match="no longer exists"):
            await hub.services.call("barrier", "open", context=Context(user_id="gone"))
        assert len(calls) == 3

        await hub.recorder.flush()
        records = await hub.recorder.query("audit", subject=guard.id, newest_first=False)
        assert [(r.data["act"], r.data["service"], r.data["source"]) for r in records] == [
            ("service_call", "barrier.open", "automation.night"),
            ("service_denied", "barrier.close", "automation.night"),
        ]


async def test_calls_made_while_a_request_is_served_are_audited_with_its_address(tmp_path) -> None:
    async with running_hub(tmp_path, {}) as hub:
        hub.services.register("barrier", "open", lambda call: None)
        access = get_access(hub)
        user = await access.manager.add_user("boss", "admin", None, HUB)
        request_context = Context(user_id=user.id, source="api")
        access.note_origin(request_context.id, "192.168.1.5")
        await hub.services.call("barrier", "open", context=request_context)
        await hub.services.call("barrier", "open", context=request_context.child("automation.gate"))
        access.forget_origin(request_context.id)
        await hub.services.call("barrier", "open", context=request_context)
        await hub.recorder.flush()
        records = await hub.recorder.query("audit", subject=user.id, newest_first=False)
        assert [(r.data["source"], r.data["ip"]) for r in records] == [
            ("api", "192.168.1.5"), ("automation.gate", "192.168.1.5"), ("api", None),
        ]


def test_auth_config_errors_name_the_key(tmp_path) -> None:
    from xiaoqu.core.bootstrap import check_config
    from xiaoqu.core.testing import write_config

    config = {"auth": {"roles": {"admin": ["x.y"], "janitor": ["x.y"], "guard": ["door unlock"]}, "audit_keep_days": 30}}
    texts = [str(e) for e in check_config(write_config(tmp_path, config)).errors]
    assert any("auth.roles.admin" in t and "already do everything" in t for t in texts), texts
    assert any("auth.roles.janitor" in t and "not a role" in t for t in texts), texts
    assert any("auth.roles.guard[0]" in t and "permission pattern" in t for t in texts), texts
    assert any("auth.audit_keep_days" in t and "at least 180" in t for t in texts), texts


async def test_plugins_audit_their_own_acts_for_the_caller(tmp_path) -> None:
    async with running_hub(tmp_path, {}) as hub:
        access = get_access(hub)
        user = await access.manager.add_user("cashier", "finance", None, HUB)
        context = Context(user_id=user.id, source="api")
        access.note_origin(context.id, "10.0.0.8")
        access.record("card_refunded", context, card="C1024", amount_fen=5000)
        access.record("retention_purged", None, kind="door.access")
        await hub.recorder.flush()
        (refund,) = await hub.recorder.query("audit", where={"act": "card_refunded"})
        assert refund.subject == user.id
        assert (refund.data["by"], refund.data["ip"], refund.data["amount_fen"]) == ("cashier", "10.0.0.8", 5000)
        (purge,) = await hub.recorder.query("audit", where={"act": "retention_purged"})
        assert purge.data["source"] == "hub" and purge.subject is None
