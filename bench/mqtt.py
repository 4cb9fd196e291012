"""MQTT benchmarks: messages into the state machine, and the reader → hub → door round trip.

    .venv/bin/python bench/mqtt.py [--messages 20000] [--rtt 2000] [--brokers mosquitto,amqtt]

1. Throughput. A burst of N messages from C publishers (``mosquitto_pub -l``, 10 topics)
   is read, in turn, by ``mosquitto_sub`` (the C limit), a bare aiomqtt subscriber and a
   hub whose discovered sensors turn every message into a state change (the state stream
   on, as shipped). Rates are N / (last message − start of publishing), all in one run
   against the same broker. Loss is counted per message; at QoS 0 the broker's own drop
   counter (``$SYS/broker/publish/messages/dropped``) is read too.
2. Round trip. A reader publishes credentials at 200/s (QoS 1); the hub's device-protocol
   handler publishes the door command and answers; the reader times request → answer.
   Run with the hub's TCP_NODELAY on and off.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiomqtt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.testing import running_hub  # noqa: E402
from integrations import mqtt  # noqa: E402
from tests.fixtures_mqtt import BrokerProcess, mosquitto_available  # noqa: E402

TOPICS = 10
NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]


def start_publishers(broker: BrokerProcess, n: int, qos: int) -> list[subprocess.Popen[bytes]]:
    procs = []
    for k in range(TOPICS):
        lines = "".join(f'{{"v":{i}}}\n' for i in range(k, n, TOPICS)).encode()
        proc = subprocess.Popen(
            ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-q", str(qos), "-l", "-t", f"bench/{k}/state"],
            stdin=subprocess.PIPE,
        )
        assert proc.stdin is not None
        proc.stdin.write(lines)
        proc.stdin.flush()
        procs.append(proc)
    return procs


def finish_publishers(procs: list[subprocess.Popen[bytes]]) -> None:
    # stdin stays open until the reader is done: mosquitto_pub drops its queue at EOF.
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(30)


async def run_mosquitto_sub(broker: BrokerProcess, n: int, qos: int) -> tuple[float, int]:
    sub = await asyncio.create_subprocess_exec(
        "mosquitto_sub", "-h", broker.host, "-p", str(broker.port), "-q", str(qos), "-t", "bench/#", "-C", str(n), "-W", "120",
        stdout=asyncio.subprocess.PIPE,
    )
    await asyncio.sleep(0.5)
    start = time.perf_counter()
    pubs = start_publishers(broker, n, qos)
    assert sub.stdout is not None
    count = 0
    while await sub.stdout.readline():
        count += 1
    end = time.perf_counter()
    finish_publishers(pubs)
    await sub.wait()
    return count / (end - start), n - count


async def run_bare(broker: BrokerProcess, n: int, qos: int) -> tuple[float, int]:
    seen: set[int] = set()
    async with aiomqtt.Client(broker.host, broker.port, socket_options=NODELAY) as client:
        await client.subscribe("bench/#", qos=qos)
        start = time.perf_counter()
        pubs = start_publishers(broker, n, qos)
        end = start
        try:
            async with asyncio.timeout(120):
                async for message in client.messages:
                    seen.add(json.loads(message.payload)["v"])  # type: ignore[arg-type]
                    end = time.perf_counter()
                    if len(seen) >= n:
                        break
        except TimeoutError:
            pass
        finish_publishers(pubs)
    return len(seen) / (end - start), n - len(seen)


async def run_hub(broker: BrokerProcess, n: int, qos: int, stream: bool) -> tuple[float, int, dict]:
    site = Path(tempfile.mkdtemp())
    config = {"mqtt": broker.hub_config(state_stream=stream, max_queued_incoming=200_000)}
    seen: set[int] = set()
    done = asyncio.Event()
    last = [0.0]
    async with running_hub(site, config) as hub:
        async with aiomqtt.Client(broker.host, broker.port) as setup:
            for k in range(TOPICS):
                body = {"name": f"bench {k}", "stat_t": f"bench/{k}/state", "val_tpl": "{{ value_json.v }}", "uniq_id": f"bench{k}", "qos": qos}
                await setup.publish(f"homeassistant/sensor/bench{k}/config", json.dumps(body), qos=1)
        async with asyncio.timeout(10):
            while len(hub.states.entity_ids("sensor")) < TOPICS + 1:
                await asyncio.sleep(0.01)
        await mqtt.get(hub).client.wait_subscribed()

        def changed(event) -> None:
            if event.data["entity_id"].startswith("sensor.bench_") and event.data["new_state"] is not None:
                seen.add(int(event.data["new_state"].state))
                last[0] = time.perf_counter()
                if len(seen) >= n:
                    done.set()

        hub.bus.listen("state_changed", changed)
        start = time.perf_counter()
        pubs = start_publishers(broker, n, qos)
        try:
            await asyncio.wait_for(done.wait(), 120)
        except TimeoutError:
            pass
        finish_publishers(pubs)
        stats = mqtt.get(hub).stats.as_dict()
    shutil.rmtree(site, ignore_errors=True)
    return len(seen) / (last[0] - start), n - len(seen), stats


async def dropped_counter(broker: BrokerProcess) -> int | None:
    if broker.kind != "mosquitto":
        return None
    async with aiomqtt.Client(broker.host, broker.port) as client:
        await client.subscribe("$SYS/broker/publish/messages/dropped")
        try:
            async with asyncio.timeout(3):
                async for message in client.messages:
                    return int(message.payload)  # type: ignore[arg-type]
        except TimeoutError:
            return 0
    return None


async def round_trip(broker: BrokerProcess, count: int, rate: float, nodelay: bool) -> dict[str, float]:
    site = Path(tempfile.mkdtemp())
    config = {"mqtt": broker.hub_config(tcp_nodelay=nodelay, state_stream=False, discovery=False)}
    async with running_hub(site, config) as hub:

        def decide(message: mqtt.DeviceMessage, reply: mqtt.Reply) -> None:
            mqtt.publish_nowait(hub, f"xiaoqu/demo/door/{message.device_id}/command", {"action": "unlock", "request_id": message.request_id}, qos=1)
            reply({"granted": True})

        mqtt.register_device_message(hub, "reader/credential", "reader_credential", decide)
        sent: dict[str, float] = {}
        times: list[float] = []
        async with aiomqtt.Client(broker.host, broker.port, socket_options=NODELAY) as reader:
            await reader.subscribe("xiaoqu/demo/reader/r1/result", qos=1)

            async def receive() -> None:
                async for message in reader.messages:
                    rid = json.loads(message.payload)["request_id"]  # type: ignore[arg-type]
                    times.append((time.perf_counter() - sent.pop(rid)) * 1000)
                    if len(times) >= count:
                        return

            receiver = asyncio.get_running_loop().create_task(receive())
            t0 = time.perf_counter()
            for i in range(count):
                due = t0 + i / rate
                if (delay := due - time.perf_counter()) > 0:
                    await asyncio.sleep(delay)
                rid = f"q{i}"
                sent[rid] = time.perf_counter()
                await reader.publish("xiaoqu/demo/reader/r1/credential", json.dumps({"request_id": rid, "type": "card", "value": "04A2B3"}), qos=1)
            await asyncio.wait_for(receiver, 60)
    shutil.rmtree(site, ignore_errors=True)
    times.sort()
    return {"p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1], "max": times[-1], "n": len(times)}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--amqtt-messages", type=int, default=5_000)
    parser.add_argument("--rtt", type=int, default=2_000)
    parser.add_argument("--brokers", default="mosquitto,amqtt")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print("command:", " ".join(["bench/mqtt.py", *sys.argv[1:]]))
    for kind in args.brokers.split(","):
        if kind == "mosquitto" and not mosquitto_available():
            print("mosquitto: not installed, skipped")
            continue
        n = args.messages if kind == "mosquitto" else args.amqtt_messages
        workdir = Path(tempfile.mkdtemp())
        with BrokerProcess.create(workdir, kind) as broker:
            for qos in (1, 0):
                c_rate, c_lost = await run_mosquitto_sub(broker, n, qos)
                bare_rate, bare_lost = await run_bare(broker, n, qos)
                hub_rate, hub_lost, stats = await run_hub(broker, n, qos, stream=True)
                hub_nostream, lost_nostream, _ = await run_hub(broker, n, qos, stream=False)
                drops = await dropped_counter(broker)
                print(
                    f"{kind} QoS {qos}, {n} msgs: mosquitto_sub {c_rate:,.0f}/s (lost {c_lost}) | "
                    f"bare aiomqtt {bare_rate:,.0f}/s (lost {bare_lost}) | hub→states {hub_rate:,.0f}/s (lost {hub_lost}; "
                    f"stream off {hub_nostream:,.0f}/s, lost {lost_nostream}) | hub/bare {hub_rate / bare_rate:.0%}, "
                    f"stream off {hub_nostream / bare_rate:.0%} | hub/mosquitto_sub {hub_rate / c_rate:.1%} | "
                    f"broker drops ($SYS) {drops if drops is not None else 'n/a'} | hub inbox dropped {stats['incoming_dropped']}"
                )
            if kind == "mosquitto":
                for nodelay in (True, False):
                    result = await round_trip(broker, args.rtt, 200.0, nodelay)
                    print(
                        f"{kind} reader→hub→answer at 200/s, QoS 1, hub TCP_NODELAY {'on' if nodelay else 'off'}: "
                        f"p50 {result['p50']:.2f} ms, p99 {result['p99']:.2f} ms, max {result['max']:.1f} ms (n={result['n']})"
                    )
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
