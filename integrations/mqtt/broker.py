"""The embedded broker: amqtt inside the hub, for the demo and for sites without Mosquitto.

amqtt's own defaults listen on 0.0.0.0 and let anyone in, so the broker always gets an
explicit config: one listener named ``default`` bound where the site says (loopback unless
told otherwise), anonymous clients only on loopback, and accounts from a password file
(argon2 hashes, amqtt's format) when the listener is exposed. The hub itself logs in with
an account made fresh at every start. Production sites run Mosquitto (deploy/mosquitto.conf).
"""
from __future__ import annotations

import errno
import ipaddress
import logging
import secrets
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from core.errors import PluginError

if TYPE_CHECKING:
    from core.hub import Hub

_LOGGER = logging.getLogger(__name__)

HUB_USER = "xiaoqu-hub"
PASSWORD_FILE = "mqtt_passwd"


class BrokerPortInUse(PluginError):
    """The embedded broker's port is taken (often by a Mosquitto already running)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Raise BrokerPortInUse, naming the setting to change, when ``host:port`` cannot be bound.

    Checked before amqtt starts because amqtt logs a failed bind with a traceback.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise BrokerPortInUse(
                    f"the embedded MQTT broker cannot listen on {host}:{port}: the port is taken "
                    f"(another MQTT broker?); set 'mqtt: port' to a free port, or set 'mqtt: broker' "
                    f"to the URL of the broker that is running"
                ) from None
            raise BrokerPortInUse(
                f"the embedded MQTT broker cannot listen on {host}:{port}: {err.strerror}; "
                f"check 'mqtt: bind' and 'mqtt: port'"
            ) from None


def write_password_file(path: Path, users: dict[str, str]) -> None:
    """Write ``user:argon2-hash`` lines (blocking: hashing is slow on purpose; run in an executor)."""
    from pwdlib.hashers.argon2 import Argon2Hasher

    hasher = Argon2Hasher()
    lines = [f"{user}:{hasher.hash(password)}" for user, password in users.items()]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


class EmbeddedBroker:
    """amqtt started and stopped with the hub."""

    def __init__(self, host: str, port: int, users: dict[str, str], data_dir: Path) -> None:
        self.host = host
        self.port = port
        self.users = dict(users)
        self.data_dir = data_dir
        self.exposed = not is_loopback(host)
        #: Credentials the hub's own client uses (None on loopback without accounts).
        self.hub_credentials: tuple[str, str] | None = None
        self._broker: object | None = None

    def _config(self, password_file: Path | None) -> dict[str, object]:
        plugins: dict[str, dict[str, object]] = {}
        if not self.exposed:
            plugins["amqtt.plugins.authentication.AnonymousAuthPlugin"] = {"allow_anonymous": True}
        if password_file is not None:
            plugins["amqtt.plugins.authentication.FileAuthPlugin"] = {"password_file": str(password_file)}
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 0}},
            "plugins": plugins,
        }

    async def start(self, hub: Hub) -> None:
        """Start amqtt (must run inside the hub's loop); raises BrokerPortInUse with one sentence."""
        from amqtt.broker import Broker

        check_port_free(self.host, self.port)
        password_file: Path | None = None
        if self.users or self.exposed:
            self.hub_credentials = (HUB_USER, secrets.token_urlsafe(24))
            self.data_dir.mkdir(parents=True, exist_ok=True)
            password_file = self.data_dir / PASSWORD_FILE
            accounts = {**self.users, HUB_USER: self.hub_credentials[1]}
            await hub.run_in_executor(write_password_file, password_file, accounts)
        broker = Broker(self._config(password_file))
        await broker.start()
        self._broker = broker
        _LOGGER.info(
            "Embedded MQTT broker listening on %s:%d (%s)",
            self.host,
            self.port,
            "accounts required" if self.exposed else "loopback only",
        )

    async def stop(self) -> None:
        broker, self._broker = self._broker, None
        if broker is not None:
            await broker.shutdown()  # type: ignore[attr-defined]
