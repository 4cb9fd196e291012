"""The device side of bench/mqtt.py's and bench/access.py's round trips, each run as a process of its own.

    python bench/_mqtt_device.py reader PORT COUNT RATE [CARDS [ROOT]]  # prints the latencies (ms) as JSON
    python bench/_mqtt_device.py echo PORT [ROOT]                       # prints "ready", answers until killed
    python bench/_mqtt_device.py camera PORT COUNT RATE READS ROOT [WARMUP]  # prints [i, t_sent, ms] per read

Without ``CARDS`` the reader presents one made-up card at reader ``r1`` and prints a JSON list
of latencies. With ``CARDS`` (a file of lines ``READER<TAB>TYPE<TAB>VALUE``; ``-`` for none)
request ``i`` presents line ``i`` (cycling) at that reader, and the reader prints one
``[i, ms, granted, person, rule]`` per answer, so the caller can check each decision. ``ROOT``
is the topic root (default ``xiaoqu/demo``); the echo answers every reader under its root on
``reader/<id>/result`` and ``door/<id>/command``, as the hub's handler does.

``camera`` (bench/parking.py) is a lane's plate camera and its barrier's controller in one:
read ``i`` publishes line ``i`` of ``READS`` (``CAMERA<TAB>GATE<TAB>PLATE``) on
``lpr/<camera>/plate`` at ``RATE``/s (QoS 1), and the time until the hub's ``open`` reaches
``barrier/<gate>/command`` is that read's latency (commands matched to reads in order, per
gate). As the controller it answers every command with the gate's state (``opening`` then
``closed``: each open is confirmed and the next one finds the arm down). ``GATE`` ``-``: a
gate not on MQTT (a Modbus one), whose latency the caller measures; the read's send time
(``time.perf_counter``, CLOCK_MONOTONIC, comparable across processes) is printed for that.
The first ``WARMUP`` lines are sent first and not counted. ``COUNT`` 0: the controller alone,
answering the gates of ``READS`` until killed (prints "ready").

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
from typing import Any

import aiomqtt

NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
ROOT = "xiaoqu/demo"


def load_cards(path: str) -> list[tuple[str, str, str]]:
    """``READER<TAB>TYPE<TAB>VALUE`` lines; none (``-``): one made-up card at reader r1."""
    if path == "-":
        return [("r1", "card", "04A2B3")]
    found = []
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                reader_id, type_, value = line.rstrip("\n").split("\t")
                found.append((reader_id, type_, value))
    return found


async def reader(port: int, count: int, rate: float, cards_path: str = "-", root: str = ROOT) -> None:
    """The card reader: credentials at ``rate``/s (QoS 1), each timed until its answer."""
    cards = load_cards(cards_path)
    detailed = cards_path != "-"
    payloads = [(f"{root}/reader/{r}/credential", t, v) for r, t, v in cards]
    sent: dict[str, float] = {}
    times: list[float] = []
    answers: list[list[Any]] = []
    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY) as client:
        await client.subscribe(f"{root}/reader/+/result", qos=1)
        gc.freeze()

        async def receive() -> None:
            async for message in client.messages:
                answer = json.loads(message.payload)  # type: ignore[arg-type]
                request_id = answer["request_id"]
                ms = (time.perf_counter() - sent.pop(request_id)) * 1000
                times.append(ms)
                if detailed:
                    answers.append([int(request_id[1:]), ms, answer.get("granted"), answer.get("person"),
                                    answer.get("rule")])
                if len(times) >= count:
                    return

        async def send(first: int, last: int) -> None:
            t0 = time.perf_counter()
            for i in range(first, last):
                if (delay := t0 + (i - first) / rate - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                topic, type_, value = payloads[i % len(payloads)]
                request_id = f"q{i}"
                sent[request_id] = time.perf_counter()
                await client.publish(topic, json.dumps({"request_id": request_id, "type": type_, "value": value}), qos=1)

        receiver = asyncio.get_running_loop().create_task(receive())
        await send(-50, 0)  # warm-up: connections, caches; these answers are not counted
        await asyncio.sleep(0.5)
        del times[:]
        del answers[:]
        await send(0, count)
        await asyncio.wait_for(receiver, 60)
    print(json.dumps(answers if detailed else times))


async def echo(port: int, root: str = ROOT) -> None:
    """The baseline's answering side: bare aiomqtt sending what the hub's handler sends."""
    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY) as client:
        client.pending_calls_threshold = 1000
        await client.subscribe(f"{root}/reader/+/credential", qos=1)
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        pending: set[asyncio.Task[None]] = set()
        async for message in client.messages:
            request_id = json.loads(message.payload)["request_id"]  # type: ignore[arg-type]
            device_id = message.topic.value.split("/")[-2]
            answers = (
                (f"{root}/door/{device_id}/command", {"action": "unlock", "request_id": request_id}),
                (f"{root}/reader/{device_id}/result", {"request_id": request_id, "granted": True}),
            )
            for topic, body in answers:
                task = loop.create_task(client.publish(topic, json.dumps(body), qos=1))
                pending.add(task)
                task.add_done_callback(pending.discard)


def load_reads(path: str) -> list[tuple[str, ...]]:
    """``CAMERA<TAB>GATE<TAB>PLATE`` lines."""
    with open(path, encoding="utf-8") as lines:
        return [tuple(line.rstrip("\n").split("\t")) for line in lines if line.strip()]


async def camera(port: int, count: int, rate: float, reads: list[tuple[str, ...]], root: str, warmup: int = 0) -> None:
    """Plate reads at ``rate``/s; each timed until its gate's command (see the module's docstring)."""
    gates = sorted({gate for _, gate, _ in reads if gate != "-"})
    waiting: dict[str, list[tuple[int, float]]] = {gate: [] for gate in gates}
    results: dict[int, list[Any]] = {}
    counted = [0]
    done = asyncio.Event()
    moves = {"open": ("opening", "closed"), "close": ("closing", "closed"), "stop": ("stopped",)}
    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY) as client:
        client.pending_calls_threshold = 1000
        await client.subscribe(f"{root}/barrier/+/command", qos=1)
        for gate in gates:
            await client.publish(f"{root}/barrier/{gate}/state", json.dumps({"state": "closed"}), qos=1)
        gc.freeze()
        loop = asyncio.get_running_loop()
        pending: set[asyncio.Task[None]] = set()

        async def answer(gate: str, states: tuple[str, ...]) -> None:
            for state in states:
                await client.publish(f"{root}/barrier/{gate}/state", json.dumps({"state": state}), qos=1)

        async def receive() -> None:
            async for message in client.messages:
                now = time.perf_counter()
                gate = message.topic.value.split("/")[-2]
                action = json.loads(message.payload)["action"]  # type: ignore[arg-type]
                task = loop.create_task(answer(gate, moves.get(action, ("closed",))))
                pending.add(task)
                task.add_done_callback(pending.discard)
                if action != "open" or not waiting.get(gate):
                    continue
                i, sent = waiting[gate].pop(0)
                if i >= 0:
                    results[i][2] = (now - sent) * 1000
                    counted[0] += 1
                    if counted[0] >= expected:
                        done.set()

        async def send(first: int, last: int, offset: int) -> None:
            t0 = time.perf_counter()
            for i in range(first, last):
                if (delay := t0 + (i - first) / rate - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                cam, gate, plate = reads[i + offset]
                sent = time.perf_counter()
                if i >= 0:
                    results[i] = [i, sent, None]
                if gate != "-":
                    waiting[gate].append((i, sent))
                body = json.dumps({"plate": plate, "confidence": 0.95}, ensure_ascii=False)
                await client.publish(f"{root}/lpr/{cam}/plate", body, qos=1)

        expected = sum(1 for _, gate, _ in reads[warmup:warmup + count] if gate != "-")
        receiver = loop.create_task(receive())
        if count == 0:  # the gates' controller alone, until killed
            print("ready", flush=True)
            await receiver
        if not expected:
            done.set()
        await send(-warmup, 0, warmup)
        await asyncio.sleep(0.5)
        await send(0, count, warmup)
        try:
            await asyncio.wait_for(done.wait(), 30)
        except TimeoutError:
            pass
        await asyncio.sleep(0.5)  # the last confirmations reach the hub
        receiver.cancel()
    print(json.dumps([results[i] for i in range(count)]))


if __name__ == "__main__":
    if sys.argv[1] == "camera":
        argv = sys.argv[2:]
        asyncio.run(camera(int(argv[0]), int(argv[1]), float(argv[2]), load_reads(argv[3]), argv[4], *map(int, argv[5:6])))
    elif sys.argv[1] == "reader":
        asyncio.run(reader(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), *sys.argv[5:7]))
    else:
        asyncio.run(echo(int(sys.argv[2]), *sys.argv[3:4]))
