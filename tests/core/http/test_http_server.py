"""The server's life: plugins' routes and grants, a taken port, TLS, and a clean stop."""
from __future__ import annotations

import datetime
import logging
import socket
import ssl
import textwrap

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from xiaoqu.core.testing import running_hub

GATEHOUSE = '''
from xiaoqu.core import hookimpl
from xiaoqu.core.http import context_of, json_response, public, requires, user_of


@hookimpl
def xiaoqu_role_permissions():
    return {"guard": ["gatehouse.*"], "finance": ["api.read_audit", "not a pattern"], "janitor": ["gatehouse.ring"]}


@hookimpl
def xiaoqu_setup(hub, config):
    hub.services.register("gatehouse", "ring", lambda call: None)


@hookimpl
async def xiaoqu_http_routes(hub, app):
    app.router.add_get("/gatehouse/ping", ping)
    app.router.add_get("/api/gatehouse/whoami", whoami)
    app.router.add_get("/api/gatehouse/ledger", ledger)


@public
async def ping(request):
    return json_response({"pong": True})


async def whoami(request):
    return json_response({"user": user_of(request).name, "context_user": context_of(request).user_id})


@requires("gatehouse.ledger")
async def ledger(request):
    return json_response({"entries": []})
'''


@pytest.fixture
def gatehouse(tmp_path, isolated_plugins):
    """A site plugin in ``<config dir>/plugins/ht_gatehouse`` (a name no other test uses)."""
    package = tmp_path / "plugins" / "ht_gatehouse"
    package.mkdir(parents=True)
    (package / "manifest.json").write_text('{"domain": "ht_gatehouse", "name": "Gatehouse", "version": "1.0.0"}')
    (package / "__init__.py").write_text(textwrap.dedent(GATEHOUSE))


async def test_plugins_add_routes_and_grant_roles(tmp_path, gatehouse, serve_api, caplog) -> None:
    config = {"ht_gatehouse": {}, "auth": {"roles": {"manager": ["gatehouse.ring"]}}}
    async with serve_api(tmp_path, config) as api:
        async with api.session.get(api.base + "/gatehouse/ping") as response:
            assert response.status == 200 and await response.json() == {"pong": True}
        assert (await api.request("GET", "/api/gatehouse/whoami", role=None))[0] == 401
        status, body = await api.request("GET", "/api/gatehouse/whoami", role="guard")
        guard = api.hub.data["auth"].manager.user_by_name("guard")
        assert (status, body) == (200, {"user": "guard", "context_user": guard.id})
        # the plugin's wildcard grant reaches its services and its own permission names
        assert (await api.request("POST", "/api/services/gatehouse/ring", role="guard", json={}))[0] == 200
        assert (await api.request("GET", "/api/gatehouse/ledger", role="guard"))[0] == 200
        assert (await api.request("GET", "/api/gatehouse/ledger", role="manager"))[0] == 403
        # the site's grant in auth: roles:
        assert (await api.request("POST", "/api/services/gatehouse/ring", role="manager", json={}))[0] == 200
        assert (await api.request("POST", "/api/services/gatehouse/ring", role="resident", json={}))[0] == 403
    # what the plugin may not grant was refused, each with a warning naming the plugin
    refused = [r.getMessage() for r in caplog.records if r.name == "xiaoqu.core.auth.permissions"]
    assert any("ht_gatehouse" in m and "api.read_audit" in m for m in refused)
    assert any("ht_gatehouse" in m and "not a pattern" in m for m in refused)
    assert any("ht_gatehouse" in m and "'janitor'" in m for m in refused)


async def test_a_taken_port_leaves_the_hub_running_without_http(tmp_path, caplog) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with running_hub(tmp_path, {"http": {"server_port": port}}) as hub:
            assert hub.data["http"].port is None
            assert str(hub.state) == "running"
            (problem,) = [p for p in hub.plugins.problems if p.domain == "http"]
            assert f"http: server_port {port} is already in use" in problem.message
            errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
            assert errors == [problem.message]


async def test_stop_frees_the_port(tmp_path) -> None:
    async with running_hub(tmp_path, {}) as hub:
        port = hub.data["http"].port
        assert port
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def _self_signed(directory) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


async def test_tls(tmp_path) -> None:
    _self_signed(tmp_path)
    config = {"http": {"server_port": 0, "ssl_certificate": "cert.pem", "ssl_key": "key.pem"}}
    async with running_hub(tmp_path, config) as hub:
        url = hub.data["http"].url
        assert url.startswith("https://127.0.0.1:")
        client_ssl = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        client_ssl.check_hostname = False
        async with aiohttp.ClientSession() as session:
            async with session.get(url + "/api/health", ssl=client_ssl) as response:
                assert response.status == 200


async def test_an_unreadable_certificate_fails_http_clearly(tmp_path) -> None:
    config = {"http": {"server_port": 0, "ssl_certificate": "missing.pem", "ssl_key": "missing.key"}}
    async with running_hub(tmp_path, config, expect_problems=True) as hub:
        (problem,) = [p for p in hub.plugins.problems if p.domain == "http"]
        assert "ssl_certificate" in problem.message and "missing.pem" in problem.message
        assert "auth" in hub.plugins.running


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"server_port": 70000}, "port"),
        ({"ssl_certificate": "cert.pem"}, "ssl_certificate needs ssl_key beside it"),
        ({"use_x_forwarded_for": True}, "use_x_forwarded_for needs trusted_proxies beside it"),
        ({"trusted_proxies": ["not-an-address"], "use_x_forwarded_for": True}, "IP address or network"),
        ({"login_attempts_threshold": -5}, "-1 to never ban"),
        ({"cors_allowed_origins": ["office.example.cn"]}, "http:// or https://"),
    ],
)
def test_config_errors_name_the_key(tmp_path, section, message) -> None:
    from xiaoqu.core.bootstrap import check_config
    from xiaoqu.core.testing import write_config

    checked = check_config(write_config(tmp_path, {"http": section}))
    texts = [str(e) for e in checked.errors]
    assert any(message in text and "http" in text for text in texts), texts
