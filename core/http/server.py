"""The aiohttp application and the server it runs on.

The application is built when the plugin is set up; the server starts when the hub starts,
after every plugin was set up and had its chance to add routes through the
``xiaoqu_http_routes`` hook (aiohttp freezes the routes once it serves).

If the port cannot be had, the hub keeps running without HTTP: doors, cards and automations
matter more than the API. One error line says which port, and ``/api/health`` cannot be
reached, so monitoring notices; the problem is also listed among the plugin problems.
"""
from __future__ import annotations

import errno
import logging
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from xiaoqu.core.auth import Access
from xiaoqu.core.errors import HubError
from xiaoqu.core.hooks import hook_calls
from xiaoqu.core.http.api import add_routes
from xiaoqu.core.http.ban import LoginAttempts
from xiaoqu.core.http.const import DOMAIN
from xiaoqu.core.http.helpers import ACCESS_KEY, ATTEMPTS_KEY, HUB_KEY, MAX_BODY
from xiaoqu.core.http.middleware import build_middlewares, response_headers
from xiaoqu.core.http.webhook import URL_PATTERN, handle_webhook
from xiaoqu.core.loader import Problem
from xiaoqu.core.util import await_me_maybe

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT: Final = 10.0  # seconds requests in flight get to finish when the hub stops


class HttpServer:
    """One hub's HTTP API: ``hub.data[DATA_SERVER]``. ``port`` is the bound port once started."""

    def __init__(self, hub: Hub, config: dict[str, Any], access: Access) -> None:
        self.hub = hub
        self.config = config
        self.started_at = hub.clock.time()
        self.port: int | None = None
        self.ssl_context: ssl.SSLContext | None = None
        self.attempts = LoginAttempts(
            access.manager, hub.clock.time, enabled=config["ip_ban_enabled"], threshold=config["login_attempts_threshold"]
        )
        origins = frozenset(config["cors_allowed_origins"])
        self.app = web.Application(
            middlewares=build_middlewares(
                access,
                self.attempts,
                cors_origins=origins,
                use_x_forwarded_for=config.get("use_x_forwarded_for", False),
                trusted_proxies=config.get("trusted_proxies", []),
            ),
            client_max_size=MAX_BODY,
        )
        self.app[HUB_KEY] = hub
        self.app[ACCESS_KEY] = access
        self.app[ATTEMPTS_KEY] = self.attempts
        self.app.on_response_prepare.append(response_headers(origins))  # type: ignore[arg-type]
        add_routes(self.app)
        self.app.router.add_route("*", URL_PATTERN, handle_webhook)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str | None:
        if self.port is None:
            return None
        host = self.config["server_host"][0]
        host = f"[{host}]" if ":" in host else host
        return f"{'https' if self.ssl_context else 'http'}://{host}:{self.port}"

    async def load_ssl(self) -> None:
        """Read the certificate and key (blocking file reads, so in an executor)."""
        cert, key = self.config.get("ssl_certificate"), self.config.get("ssl_key")
        if cert is None or key is None:
            return
        config_dir = Path(self.hub.config.config_dir)
        cert_path, key_path = config_dir / cert, config_dir / key
        try:
            self.ssl_context = await self.hub.run_in_executor(_ssl_context, cert_path, key_path)
        except (OSError, ssl.SSLError) as err:
            raise HubError(
                f"http: ssl_certificate {cert_path} / ssl_key {key_path}: cannot be loaded ({err})"
            ) from None

    async def add_plugin_routes(self) -> None:
        """Let every plugin add its routes; one that fails is logged and the others still add theirs."""
        for call in hook_calls(self.hub.pm, "xiaoqu_http_routes", {"hub": self.hub, "app": self.app}):
            try:
                await await_me_maybe(call())
            except Exception:
                _LOGGER.exception("%s: xiaoqu_http_routes failed; its routes may be missing", call.plugin)

    async def start(self) -> None:
        await self.add_plugin_routes()
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT)
        await runner.setup()
        hosts, port = self.config["server_host"], self.config["server_port"]
        try:
            for host in hosts:
                await web.TCPSite(runner, host, port, ssl_context=self.ssl_context).start()
        except OSError as err:
            await runner.cleanup()
            self._report(err, hosts, port)
            return
        self._runner = runner
        self.port = runner.addresses[0][1]
        _LOGGER.info("HTTP API listening on %s/api/", self.url)

    def _report(self, err: OSError, hosts: list[str], port: int) -> None:
        where = f"{', '.join(hosts)} port {port}"
        if err.errno == errno.EADDRINUSE:
            message = (
                f"http: server_port {port} is already in use on {', '.join(hosts)} (another xiaoqu or another "
                "program); the hub runs without its HTTP API: free the port or set http: server_port"
            )
        else:
            message = f"http: cannot listen on {where}: {err.strerror or err}; the hub runs without its HTTP API"
        _LOGGER.error("%s", message)
        self.hub.plugins.problems.append(Problem(DOMAIN, "start", message))

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self.port = None


def _ssl_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context
