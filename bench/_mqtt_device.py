"""The device side of bench/mqtt.py's round trip, each run as a process of its own.

    python bench/_mqtt_device.py reader PORT COUNT RATE   # prints the latencies (ms) as JSON
    python bench/_mqtt_device.py echo PORT                # prints "ready", answers until killed

Only aiomqtt and the standard library are imported here: the reader is the measuring
instrument, and with the hub's modules loaded (~45,000 objects) one full garbage collection
of its own took 19-24 ms, which showed up as the maximum of every run, the bare baseline's
included. For the same reason the reader freezes what it holds once connected.
"""
from __future__ import annotations

import asyncio
import gc
import json
import socket
import sys
import time

import aiomqtt

NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
ROOT = "xiaoqu/demo"
CREDENTIAL = f"{ROOT}/reader/r1/credential"
RESULT = f"{ROOT}/reader/r1/result"
DOOR = f"{ROOT}/door/r1/command"


async def reader(port: int, count: int, rate: float) -> None:
    """The card reader: credentials at ``rate``/s (QoS 1), each timed until its answer."""
    sent: dict[str, float] = {}
    times: list[float] = []
    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY) as client:
        await client.subscribe(RESULT, qos=1)
        gc.freeze()

        async def receive() -> None:
            async for message in client.messages:
                request_id = json.loads(message.payload)["request_id"]  # type: ignore[arg-type]
                times.append((time.perf_counter() - sent.pop(request_id)) * 1000)
                if len(times) >= count:
                    return

        async def send(first: int, last: int) -> None:
            t0 = time.perf_counter()
            for i in range(first, last):
                if (delay := t0 + (i - first) / rate - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                request_id = f"q{i}"
                sent[request_id] = time.perf_counter()
                await client.publish(CREDENTIAL, json.dumps({"request_id": request_id, "type": "card", "value": "04A2B3"}), qos=1)

        receiver = asyncio.get_running_loop().create_task(receive())
        await send(-50, 0)  # warm-up: connections, caches; these answers are not counted
        await asyncio.sleep(0.5)
        del times[:]
        await send(0, count)
        await asyncio.wait_for(receiver, 60)
    print(json.dumps(times))


async def echo(port: int) -> None:
    """The baseline's answering side: bare aiomqtt sending what the hub's handler sends."""
    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY) as client:
        client.pending_calls_threshold = 1000
        await client.subscribe(f"{ROOT}/reader/+/credential", qos=1)
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        pending: set[asyncio.Task[None]] = set()
        async for message in client.messages:
            request_id = json.loads(message.payload)["request_id"]  # type: ignore[arg-type]
            answers = (
                (DOOR, {"action": "unlock", "request_id": request_id}),
                (RESULT, {"request_id": request_id, "granted": True}),
            )
            for topic, body in answers:
                task = loop.create_task(client.publish(topic, json.dumps(body), qos=1))
                pending.add(task)
                task.add_done_callback(pending.discard)


if __name__ == "__main__":
    if sys.argv[1] == "reader":
        asyncio.run(reader(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
    else:
        asyncio.run(echo(int(sys.argv[2])))
