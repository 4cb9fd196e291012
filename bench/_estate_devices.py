"""bench/estate.py's POS terminals and smart-home devices during the peak hour, a process of their own.

    python bench/_estate_devices.py pos PORT ROOT CARDS_FILE TERMINALS COUNT RATE
    python bench/_estate_devices.py smart PORT ROOT TOPICS_FILE COUNT RATE

Both send at a fixed ``RATE``/s whatever the answers do (a morning's customers and devices
do not wait for each other), after a warm-up of 20 messages not counted, and print one JSON
object: ``times`` (ms per answered message) and ``unanswered``.

- ``pos``: terminal ``t<i % TERMINALS>`` sends charge ``i`` (100 fen, card ``i`` of the file,
  taken in turn) on ``ROOT/pos/<t>/charge``; timed until its ``pos/<t>/result``.
- ``smart``: device ``i`` of ``TOPICS_FILE`` (one state topic a line, in turn) publishes a
  value no device sent before on its Zigbee2MQTT state topic; timed until the hub's state
  stream (``ROOT/state/<entity_id>``) carries that value — the device's state in the hub's
  state machine and out again.

Only aiomqtt and the standard library, as bench/_mqtt_device.py (the instrument must not
carry the hub's garbage); the same TCP_NODELAY sockets.
"""
from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiomqtt
from _mqtt_device import NODELAY

WARM_UP = 20
#: Seconds after the last message for the last answers.
DRAIN = 10.0
#: Smart-home values start here: above anything a device held before.
FIRST_VALUE = 100_000
RUN = f"{time.time_ns():x}"


async def open_loop(client: aiomqtt.Client, subscribe: str, count: int, rate: float,
                    message: Callable[[int], tuple[str, str]], answered: Callable[[bytes], int | None]) -> dict[str, Any]:
    """Send message ``i`` (topic, payload) at ``rate``/s; time each until the answer naming ``i``."""
    sent: dict[int, float] = {}
    times: list[float] = []
    await client.subscribe(subscribe, qos=1)
    gc.freeze()

    async def receive() -> None:
        async for received in client.messages:
            i = answered(received.payload)  # type: ignore[arg-type]
            at = sent.pop(i, None) if i is not None else None
            if at is not None and i is not None and i >= 0:
                times.append((time.perf_counter() - at) * 1000)

    async def send(first: int, last: int) -> None:
        t0 = time.perf_counter()
        for i in range(first, last):
            if (delay := t0 + (i - first) / rate - time.perf_counter()) > 0:
                await asyncio.sleep(delay)
            topic, payload = message(i)
            sent[i] = time.perf_counter()
            await client.publish(topic, payload, qos=1)

    receiver = asyncio.get_running_loop().create_task(receive())
    await send(-WARM_UP, 0)
    await asyncio.sleep(0.5)
    await send(0, count)
    deadline = time.perf_counter() + DRAIN
    while any(i >= 0 for i in sent) and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    receiver.cancel()
    return {"times": times, "unanswered": sum(i >= 0 for i in sent)}


async def pos(port: int, root: str, cards: list[str], terminals: int, count: int, rate: float) -> dict[str, Any]:
    def message(i: int) -> tuple[str, str]:
        body = {"request_id": f"{RUN}-{i}", "card": cards[i % len(cards)], "amount": 100}
        return f"{root}/pos/t{i % terminals}/charge", json.dumps(body)

    def answered(payload: bytes) -> int | None:
        return int(json.loads(payload)["request_id"].rsplit("-", 1)[1])

    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY) as client:
        client.pending_calls_threshold = 1000
        return await open_loop(client, f"{root}/pos/+/result", count, rate, message, answered)


async def smart(port: int, root: str, topics: list[str], count: int, rate: float) -> dict[str, Any]:
    def message(i: int) -> tuple[str, str]:
        return topics[i % len(topics)], json.dumps({"value": FIRST_VALUE + WARM_UP + i})

    def answered(payload: bytes) -> int | None:
        try:
            return int(float(json.loads(payload)["state"])) - FIRST_VALUE - WARM_UP
        except (ValueError, KeyError, TypeError):  # another entity's state, or one cleared
            return None

    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY) as client:
        client.pending_calls_threshold = 1000
        return await open_loop(client, f"{root}/state/+", count, rate, message, answered)


def lines(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8").split()


if __name__ == "__main__":
    mode, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    if mode == "pos":
        found = asyncio.run(pos(port, root, lines(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])))
    else:
        found = asyncio.run(smart(port, root, lines(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])))
    print(json.dumps(found))
