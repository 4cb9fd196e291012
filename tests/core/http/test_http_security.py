"""Bans, proxies, CORS, limits, and secrets that must never reach a log or a file."""
from __future__ import annotations

import io
import logging

from xiaoqu.core.auth import Actor
from xiaoqu.core.auth.manager import STORE_NAME

BAD = {"Authorization": "Bearer xq_guessing"}


async def test_repeated_bad_tokens_ban_the_address(tmp_path, serve_api) -> None:
    async with serve_api(tmp_path, {"http": {"server_port": 0, "login_attempts_threshold": 3}}) as api:
        for _ in range(2):
            assert (await api.request("GET", "/api/states", role=None, headers=BAD))[0] == 401
        # a good token in between clears the count
        assert (await api.request("GET", "/api/states"))[0] == 200
        for _ in range(3):
            assert (await api.request("GET", "/api/states", role=None, headers=BAD))[0] == 401
        status, body = await api.request("GET", "/api/states")
        assert status == 403 and "banned" in body["message"]
        assert (await api.request("GET", "/api/health", role=None))[0] == 403
        manager = api.hub.data["auth"].manager
        assert [ban["ip"] for ban in manager.bans()] == ["127.0.0.1"]
        await api.hub.recorder.flush()
        acts = [r.data["act"] for r in await api.hub.recorder.query("audit")]
        assert acts.count("auth_failed") == 5 and "ip_banned" in acts
    # the ban outlives a restart; lifting it lets the address in again
    async with serve_api(tmp_path, {"http": {"server_port": 0}}) as api:
        assert (await api.request("GET", "/api/health", role=None))[0] == 403
        await api.hub.data["auth"].manager.unban("127.0.0.1", Actor("cli", "cli:test"))
        assert (await api.request("GET", "/api/health", role=None))[0] == 200


async def test_bans_can_be_turned_off(tmp_path, serve_api) -> None:
    config = {"http": {"server_port": 0, "login_attempts_threshold": 1, "ip_ban_enabled": False}}
    async with serve_api(tmp_path, config) as api:
        for _ in range(3):
            assert (await api.request("GET", "/api/states", role=None, headers=BAD))[0] == 401
        assert (await api.request("GET", "/api/states"))[0] == 200


async def test_failed_authentications_are_logged_once_a_minute_per_address(tmp_path, serve_api, caplog) -> None:
    config = {"http": {"server_port": 0, "ip_ban_enabled": False}}
    async with serve_api(tmp_path, config) as api:
        for _ in range(30):
            assert (await api.request("GET", "/api/states", role=None, headers=BAD))[0] == 401
            assert (await api.request("POST", "/api/auth/login", role=None, data=b"{not json"))[0] == 400
        await api.hub.recorder.flush()
        assert len(await api.hub.recorder.query("audit", where={"act": "auth_failed"})) == 30  # each one audited
    logged = [r.getMessage() for r in caplog.records if "Failed authentication from 127.0.0.1" in r.getMessage()]
    assert len(logged) <= 2, logged


async def test_forwarded_for_is_refused_from_an_untrusted_peer(api) -> None:
    status, body = await api.request("GET", "/api/states", headers={"X-Forwarded-For": "203.0.113.9"})
    assert status == 400 and "trusted proxy" in body["message"]


async def test_trusted_proxy_gives_the_client_address(tmp_path, serve_api) -> None:
    config = {"http": {"server_port": 0, "use_x_forwarded_for": True, "trusted_proxies": ["127.0.0.1"],
                       "login_attempts_threshold": 1}}
    async with serve_api(tmp_path, config) as api:
        spoofed = {"X-Forwarded-For": "198.51.100.1, 203.0.113.9", **BAD}
        assert (await api.request("GET", "/api/states", role=None, headers=spoofed))[0] == 401
        # the client (the right-most untrusted address) is banned, not the proxy nor what it was told
        assert [ban["ip"] for ban in api.hub.data["auth"].manager.bans()] == ["203.0.113.9"]
        assert (await api.request("GET", "/api/states", headers={"X-Forwarded-For": "203.0.113.9"}))[0] == 403
        assert (await api.request("GET", "/api/states", headers={"X-Forwarded-For": "198.51.100.1"}))[0] == 200
        assert (await api.request("GET", "/api/states"))[0] == 200
        assert (await api.request("GET", "/api/states", headers={"X-Forwarded-For": "not-an-ip"}))[0] == 400


async def test_cors_for_allowed_origins_only(tmp_path, serve_api) -> None:
    config = {"http": {"server_port": 0, "cors_allowed_origins": ["https://office.example.cn/"]}}
    async with serve_api(tmp_path, config) as api:
        preflight = {"Origin": "https://office.example.cn", "Access-Control-Request-Method": "POST"}
        async with api.session.options(api.base + "/api/services/door/unlock", headers=preflight) as response:
            assert response.status == 204
            assert response.headers["Access-Control-Allow-Origin"] == "https://office.example.cn"
            assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
        headers = {"Origin": "https://office.example.cn", **api.headers("guard")}
        async with api.session.get(api.base + "/api/states", headers=headers) as response:
            assert response.headers["Access-Control-Allow-Origin"] == "https://office.example.cn"
        async with api.session.get(api.base + "/api/states", headers={"Origin": "https://evil.example"}) as response:
            assert response.status == 401 and "Access-Control-Allow-Origin" not in response.headers
        evil = {**preflight, "Origin": "https://evil.example"}
        async with api.session.options(api.base + "/api/states", headers=evil) as response:
            assert response.status == 401


async def test_security_headers_and_no_version_in_server_header(api) -> None:
    async with api.session.get(api.base + "/api/health") as response:
        assert response.headers["Server"] == "xiaoqu"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


async def test_body_size_is_limited(api) -> None:
    status, body = await api.request("POST", "/api/events/bulk", data=io.BytesIO(b"x" * (16 * 1024 * 1024 + 1)))
    assert (status, body) == (413, {"message": "The body is over 16777216 bytes, the most POST "
                                               "/api/events/{event_type} takes."})


async def test_tokens_and_passwords_never_reach_logs_or_files(api, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    manager = api.hub.data["auth"].manager
    password = "S3cret-pass-word"
    await manager.set_password("guard", password, Actor("cli", "cli:test"))
    _token, secret = await manager.create_token("guard", Actor("cli", "cli:test"), name="camera")
    assert (await api.request("GET", "/api/states", role=None, headers={"Authorization": f"Bearer {secret}"}))[0] == 200
    wrong = "Wr0ng-but-close-" + password
    await api.request("POST", "/api/auth/login", role=None, json={"username": "guard", "password": wrong})
    status, body = await api.request("POST", "/api/auth/login", role=None, json={"username": "guard", "password": password})
    assert status == 200
    session = body["access_token"]
    await api.request("GET", "/api/states", role=None, headers={"Authorization": f"Bearer {secret}x"})
    api.hub.services.register("vault", "store", lambda call: None)
    await api.request("POST", "/api/services/vault/store", json={"password": password, "pin": "8640213579"})
    await api.hub.recorder.flush()
    await api.hub.storage.close()  # written out; the hub's stop closes it again harmlessly

    # The PIN is long enough not to turn up by chance inside a random id.
    secrets = [password, wrong, secret, session, api.tokens["admin"], "8640213579"]
    log_text = caplog.text
    for value in secrets:
        assert value not in log_text
    store_text = (api.hub.config.data_dir / f"{STORE_NAME}.json").read_text()
    recorder_bytes = (api.hub.config.data_dir / "recorder.db").read_bytes()
    wal = api.hub.config.data_dir / "recorder.db-wal"
    recorder_bytes += wal.read_bytes() if wal.exists() else b""
    for value in secrets:
        assert value not in store_text
        assert value.encode() not in recorder_bytes
    assert "scrypt$" in store_text  # the password is there, as a hash
    records = await api.hub.recorder.query("audit", where={"act": "service_call"})
    assert records[0].data["data"] == {"password": "***", "pin": "***"}


async def test_a_login_flood_is_capped_and_stops_hashing_once_banned(tmp_path, serve_api, monkeypatch) -> None:
    import asyncio

    from xiaoqu.core.auth import manager as auth_manager

    hashed = []
    real_verify = auth_manager.verify_password

    def counting_verify(password, encoded):
        hashed.append(password)
        return real_verify(password, encoded)

    monkeypatch.setattr(auth_manager, "verify_password", counting_verify)
    async with serve_api(tmp_path, {"http": {"server_port": 0, "login_attempts_threshold": 3}}) as api:
        bad = {"username": "admin", "password": "not-the-password"}
        statuses = await asyncio.gather(
            *(api.request("POST", "/api/auth/login", role=None, json=bad) for _ in range(30))
        )
        codes = sorted(status for status, _ in statuses)
    assert set(codes) <= {401, 403, 429}
    assert codes.count(401) == 3, codes  # the threshold, then the address is banned
    assert 429 in codes, "at most a few checks from one address wait at once"
    assert len(hashed) <= 3 + 3, f"{len(hashed)} passwords hashed for a banned address"


async def test_the_audit_names_the_token_that_acted_even_after_it_is_revoked(api) -> None:
    manager = api.hub.data["auth"].manager
    token, secret = await manager.create_token("admin", Actor("cli", "cli:test"), name="gate script")
    api.hub.services.register("gate", "open", lambda call: None)
    bearer = {"Authorization": f"Bearer {secret}"}
    assert (await api.request("POST", "/api/services/gate/open", role=None, headers=bearer, json={}))[0] == 200
    assert (await api.request("POST", "/api/events/gate_checked", role=None, headers=bearer, json={}))[0] == 200
    await manager.revoke_token(token.id, Actor("cli", "cli:test"))
    assert (await api.request("POST", "/api/services/gate/open", role=None, headers=bearer, json={}))[0] == 401
    await api.hub.recorder.flush()
    records = {r.data["act"]: r.data for r in await api.hub.recorder.query("audit", newest_first=False)}
    assert records["service_call"]["by_token"] == token.id and records["service_call"]["service"] == "gate.open"
    assert records["event_fired"]["by_token"] == token.id
    assert (records["token_created"]["token_id"], records["token_created"]["token_name"]) == (token.id, "gate script")
    assert records["token_revoked"]["token_id"] == token.id
    assert secret not in str(records)
