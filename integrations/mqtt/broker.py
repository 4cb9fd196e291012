"""The embedded broker: amqtt inside the hub, for the demo and for sites without Mosquitto.

amqtt's own defaults listen on 0.0.0.0 and let anyone in, so the broker always gets an
explicit config: one listener named ``default`` bound where the site says (loopback unless
told otherwise), anonymous clients only on loopback, and accounts from a password file
(argon2 hashes, amqtt's format) when the listener is exposed. The hub itself logs in with
an account made fresh at every start. Production sites run Mosquitto (deploy/mosquitto.conf).

Once there are accounts, each may publish, subscribe to and receive only its topics
(``broker_amqtt.py``; retained messages included):
the hub's account to everything; a device account (``device: reader/r1``) to its own
subtree ``xiaoqu/<site>/reader/r1/#``; a resident's account (``household: 3-301``) to
``xiaoqu/<site>/household/3-301/#``; both may also read the hub's ``xiaoqu/<site>/status``;
and every account to the ``publish``/``subscribe`` filters its entry lists. Clients without
an account exist only on loopback, where they are processes of the hub's own machine and may
use every topic.
"""
from __future__ import annotations

import errno
import ipaddress
import logging
import os
import secrets
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import PluginError

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

_LOGGER = logging.getLogger(__name__)

HUB_USER = "xiaoqu-hub"
#: The name amqtt's ACL gives clients that logged in without an account.
ANONYMOUS = "anonymous"
PASSWORD_FILE = "mqtt_passwd"
EVERYTHING = ["#"]


#: Libraries of the embedded broker that log every connection and state change at INFO.
#: They log at WARNING unless the site's ``logger: logs:`` (or ``--log``) names them.
QUIET_LOGGERS = ("amqtt", "transitions")


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


def quiet_library_logs() -> None:
    """Set the :data:`QUIET_LOGGERS` to WARNING, except those the site gave a level.

    ``logger: logs:`` is applied before any plugin is set up, so a level set there (or with
    ``--log amqtt=debug``) is already on the logger; the others are still NOTSET.
    """
    for name in QUIET_LOGGERS:
        library = logging.getLogger(name)
        if library.level == logging.NOTSET:
            library.setLevel(logging.WARNING)


def write_password_file(path: Path, users: dict[str, str]) -> None:
    """Write ``user:argon2-hash`` lines (blocking: hashing is slow on purpose; run in an executor).

    The file is created readable by the hub's user only (0600) and written through a fresh
    temporary file, never through whatever already sits at the temporary name.
    """
    from pwdlib.hashers.argon2 import Argon2Hasher

    hasher = Argon2Hasher()
    text = "".join(f"{user}:{hasher.hash(password)}\n" for user, password in users.items())
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(text)
    tmp.replace(path)


def account_topics(account: dict[str, Any], topic_root: str) -> tuple[list[str], list[str]]:
    """The filters an account (a validated ``users:`` entry) may publish and subscribe to."""
    own = []
    if "device" in account:
        own = [f"{topic_root}/{account['device']}/#"]
    elif "household" in account:
        own = [f"{topic_root}/household/{account['household']}/#"]
    status = [f"{topic_root}/status"] if own else []
    return own + account["publish"], own + status + account["subscribe"]


class EmbeddedBroker:
    """amqtt started and stopped with the hub."""

    def __init__(self, host: str, port: int, users: dict[str, dict[str, Any]], data_dir: Path, topic_root: str) -> None:
        self.host = host
        self.port = port
        self.users = dict(users)
        self.data_dir = data_dir
        self.topic_root = topic_root
        self.exposed = not is_loopback(host)
        #: Credentials the hub's own client uses (None on loopback without accounts).
        self.hub_credentials: tuple[str, str] | None = None
        self._broker: object | None = None

    def acl(self) -> dict[str, dict[str, list[str]]]:
        """amqtt's ``publish_acl``, ``subscribe_acl`` and ``receive_acl`` (checked again on
        every delivery: the same filters as ``subscribe_acl``): account → the filters it may use."""
        publish = {HUB_USER: EVERYTHING}
        subscribe = {HUB_USER: EVERYTHING}
        if not self.exposed:
            publish[ANONYMOUS] = subscribe[ANONYMOUS] = EVERYTHING
        for name, account in self.users.items():
            publish[name], subscribe[name] = account_topics(account, self.topic_root)
            if not publish[name] and not subscribe[name]:
                _LOGGER.warning(
                    "MQTT account %s may use no topic: give it 'device', 'household', 'publish' or 'subscribe' "
                    "under 'mqtt: users'",
                    name,
                )
        return {"publish_acl": publish, "subscribe_acl": subscribe, "receive_acl": subscribe}

    def _config(self, password_file: Path | None) -> dict[str, object]:
        plugins: dict[str, dict[str, Any]] = {}
        if not self.exposed:
            plugins["amqtt.plugins.authentication.AnonymousAuthPlugin"] = {"allow_anonymous": True}
        if password_file is not None:
            plugins["amqtt.plugins.authentication.FileAuthPlugin"] = {"password_file": str(password_file)}
            plugins["xiaoqu.integrations.mqtt.broker_amqtt.TopicAcl"] = self.acl()
        return {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 0}},
            "plugins": plugins,
        }

    async def start(self, hub: Hub) -> None:
        """Start amqtt (must run inside the hub's loop); raises BrokerPortInUse with one sentence.

        With port 0 the system chooses a free port; ``port`` is the one bound once this returns.
        """
        from .broker_amqtt import Broker

        quiet_library_logs()
        check_port_free(self.host, self.port)
        password_file: Path | None = None
        if self.users or self.exposed:
            self.hub_credentials = (HUB_USER, secrets.token_urlsafe(24))
            self.data_dir.mkdir(parents=True, exist_ok=True)
            password_file = self.data_dir / PASSWORD_FILE
            accounts = {name: account["password"] for name, account in self.users.items()}
            accounts[HUB_USER] = self.hub_credentials[1]
            await hub.run_in_executor(write_password_file, password_file, accounts)
        broker = Broker(self._config(password_file))
        await broker.start()
        self._broker = broker
        self.port = broker.bound_port()
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
