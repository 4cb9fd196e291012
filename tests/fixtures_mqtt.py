"""A real MQTT broker for tests, in its own process so a test can kill and restart it.

Mosquitto (``/usr/sbin/mosquitto``) with a generated config on a free loopback port where
the binary exists, else the embedded broker's amqtt run as a subprocess. The simulator and
end-to-end tests use it the same way::

    from tests.fixtures_mqtt import BrokerProcess, MqttProbe

    with BrokerProcess.create(tmp_path) as broker:        # started; stopped on exit
        config = {"mqtt": broker.hub_config()}             # {"broker": "mqtt://127.0.0.1:PORT", ...}
        broker.kill(); broker.start()                      # crash and come back (same port)
        async with MqttProbe(broker, "xiaoqu/#") as probe:  # a plain aiomqtt client that collects
            message = await probe.wait_for("xiaoqu/demo/status", b"online")
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiomqtt

MOSQUITTO = os.environ.get("XIAOQU_MOSQUITTO", "/usr/sbin/mosquitto")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mosquitto_available() -> bool:
    return Path(MOSQUITTO).is_file() and os.access(MOSQUITTO, os.X_OK)


_AMQTT_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from amqtt.broker import Broker

    async def main(port):
        broker = Broker({
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{port}", "max_connections": 0}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        })
        await broker.start()
        await asyncio.Event().wait()

    asyncio.run(main(int(sys.argv[1])))
    """
)


class BrokerProcess:
    """One broker process on a fixed port; ``start``/``stop``/``kill`` keep the port."""

    def __init__(self, workdir: Path, kind: str = "auto", port: int | None = None) -> None:
        if kind == "auto":
            kind = "mosquitto" if mosquitto_available() else "amqtt"
        self.kind = kind
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None

    @classmethod
    def create(cls, workdir: Path, kind: str = "auto") -> BrokerProcess:
        broker = cls(workdir, kind)
        broker.start()
        return broker

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def hub_config(self, **extra: Any) -> dict[str, Any]:
        """The ``mqtt:`` section that points a hub at this broker."""
        return {"broker": self.url, **extra}

    def _command(self) -> list[str]:
        if self.kind == "mosquitto":
            conf = self.workdir / f"mosquitto-{self.port}.conf"
            (self.workdir / "mosquitto-data").mkdir(parents=True, exist_ok=True)
            conf.write_text(
                textwrap.dedent(
                    f"""
                    listener {self.port} {self.host}
                    allow_anonymous true
                    set_tcp_nodelay true
                    max_queued_messages 100000
                    max_inflight_messages 100
                    persistence true
                    persistence_location {self.workdir / 'mosquitto-data'}/
                    autosave_interval 0
                    log_dest none
                    sys_interval 1
                    """
                )
            )
            return [MOSQUITTO, "-c", str(conf)]
        return [sys.executable, "-c", _AMQTT_SCRIPT, str(self.port)]

    def start(self, timeout: float = 15.0) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.process = subprocess.Popen(self._command(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited at start with code {self.process.returncode} (port {self.port})")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"{self.kind} did not listen on {self.port} within {timeout} s")

    def stop(self) -> None:
        """Stop gracefully (SIGTERM: Mosquitto saves its sessions and retained messages)."""
        self._end(signal.SIGTERM)

    def kill(self) -> None:
        """Crash it (SIGKILL): whatever it held only in memory is gone."""
        self._end(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _end(self, sig: signal.Signals) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.workdir / "mosquitto-data", ignore_errors=True)

    def __enter__(self) -> BrokerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class MqttProbe:
    """A plain aiomqtt client that records what arrives on ``topics`` (for assertions)."""

    def __init__(self, broker: BrokerProcess, *topics: str, qos: int = 1, **client_options: Any) -> None:
        self.broker = broker
        self.topics = topics or ("#",)
        self.qos = qos
        self.client_options = client_options
        self.messages: list[aiomqtt.Message] = []
        self._client: aiomqtt.Client | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def __aenter__(self) -> MqttProbe:
        self._client = aiomqtt.Client(self.broker.host, self.broker.port, **self.client_options)
        await self._client.__aenter__()
        for topic in self.topics:
            await self._client.subscribe(topic, qos=self.qos)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._reader is not None and self._client is not None
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        try:
            await self._client.__aexit__(None, None, None)
        except aiomqtt.MqttError:
            pass

    async def _read(self) -> None:
        assert self._client is not None
        try:
            async for message in self._client.messages:
                self.messages.append(message)
                self._changed.set()
        except aiomqtt.MqttError:
            return

    async def publish(self, topic: str, payload: Any, qos: int = 1, retain: bool = False) -> None:
        assert self._client is not None
        await self._client.publish(topic, payload, qos=qos, retain=retain)

    def payloads(self, topic: str) -> list[bytes]:
        return [bytes(m.payload) for m in self.messages if m.topic.value == topic]  # type: ignore[arg-type]

    async def wait_until(self, condition: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until ``condition()`` is true (re-checked as messages arrive); return its value."""
        async with asyncio.timeout(timeout):
            while not (result := condition()):
                self._changed.clear()
                try:
                    await asyncio.wait_for(self._changed.wait(), 0.2)
                except TimeoutError:
                    pass
        return result

    async def wait_for(self, topic: str, payload: bytes | None = None, timeout: float = 10.0) -> aiomqtt.Message:
        """The first message on ``topic`` (with ``payload``, if given)."""

        def find() -> aiomqtt.Message | None:
            for message in self.messages:
                if message.topic.value == topic and (payload is None or message.payload == payload):
                    return message
            return None

        return await self.wait_until(find, timeout)  # type: ignore[no-any-return]
