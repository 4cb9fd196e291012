"""MQTT discovery at scale: N retained discovery configs and their states → N entities.

    .venv/bin/python bench/discovery.py [--counts 1000,10000] [--rounds 3] [--timeout 180]
                                        [--broker auto|system|mosquitto|amqtt] [--profile PREFIX]

The defaults are what docs/benchmarks.md reports (about 2 minutes here).

A large estate's broker holds thousands of retained Home Assistant discovery configs (here
Zigbee2MQTT-shaped sensors: a device block, a JSON state topic per device, the bridge's
shared availability topic) and the retained state of each. When the hub starts it must
subscribe the discovery filters, turn every config into an entity, subscribe each entity's
topics (the broker then resends their retained messages) and give every entity its state.

For each count N the configs and states are published once (retained, QoS 1), then each
round runs, in rotating order:

- **bare**: a plain aiomqtt client subscribes the discovery filters and the devices' topics
  and reads all 2N + 1 retained messages (the transport's floor: no parsing, no entities);
- **hub**: a hub with the mqtt integration starts in a process of its own (fresh data
  directory, discovery caps raised to N, state stream off; bench/mqtt.py measures it) and
  the time runs from the start of set-up until every ``sensor.bench_<i>`` exists with state
  ``<i>`` — entity made, state topic subscribed, retained state delivered and the bridge's
  ``online`` seen. Then the hub stops, and that is timed too (every entity unsubscribes),
  and it restarts on the same data directory: the registries hold every entity, so the
  restart, the everyday case, writes nothing (the first start writes N devices and N
  entities to the registries).

Figures are seconds and the ratio hub / bare in the same round (these two-core machines are
shared and drift by ±20–40 %, so only same-run ratios compare); the summary gives the
median and range of the rounds. A hub past ``--timeout`` reports how many entities had
their state by then and its process exits at once (a graceful stop could take as long again).

Brokers: ``system`` is a Mosquitto already listening on 127.0.0.1:1883, used as it is (the
bench's topics are cleared afterwards); ``mosquitto`` starts one of the bench's own on a free
port with the settings of deploy/mosquitto.conf that matter here (``max_queued_messages
100000``: with Mosquitto's default of 1,000 a subscriber is sent at most 1,000 queued
retained messages and the rest are dropped); ``amqtt`` starts the embedded broker's amqtt
in its own process on a free port. ``auto`` takes the bench's own Mosquitto when installed,
else the system one when reachable, else amqtt.

``--profile PREFIX`` runs the first round's hub under cProfile (until every entity has its
state), writes ``PREFIX-<N>.pstats`` and prints the functions that took the most time.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import logging
import math
import os
import pstats
import shutil
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiomqtt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _report import figure, section

from tests.fixtures_mqtt import BrokerProcess, mosquitto_available
from xiaoqu.core.bootstrap import setup_hub
from xiaoqu.core.const import EVENT_STATE_CHANGED
from xiaoqu.core.gc_tuning import tune_for_hub
from xiaoqu.core.hub import Hub
from xiaoqu.core.testing import write_config

#: Messages handed to the broker before waiting for their acknowledgements.
PUBLISH_WINDOW = 500
#: aiomqtt warns about every publish waiting for a slot: the window makes that the rule here.
QUIET = logging.getLogger("bench.discovery.aiomqtt")
QUIET.setLevel(logging.CRITICAL)
ENTITY_PREFIX = "sensor.bench_"
#: The target (issue): this many retained configs to entities with their state within TARGET_S.
TARGET_N, TARGET_S = 10_000, 10.0


@dataclass(frozen=True)
class Estate:
    """The N devices of one count, under topics no other run uses."""

    n: int
    prefix: str  # the discovery prefix
    root: str  # the devices' own topics (Zigbee2MQTT's base topic)

    @property
    def bridge_topic(self) -> str:
        return f"{self.root}/bridge/state"

    def state_topic(self, i: int) -> str:
        return f"{self.root}/dev_{i}"

    def config_topic(self, i: int) -> str:
        return f"{self.prefix}/sensor/dev_{i}/value/config"

    def config(self, i: int) -> dict[str, Any]:
        """A sensor as Zigbee2MQTT announces it (full keys; shared availability)."""
        device = f"bench {i}"
        return {
            "name": None,  # the device's main feature: named (and its id made) after the device alone
            "unique_id": f"bench_{i}_value",
            "state_topic": self.state_topic(i),
            "value_template": "{{ value_json.value }}",
            "unit_of_measurement": "°C",
            "device_class": "temperature",
            "state_class": "measurement",
            "availability": [{"topic": self.bridge_topic, "value_template": "{{ value_json.state }}"}],
            "device": {"identifiers": [f"bench_{i}"], "name": device, "manufacturer": "Bench", "model": "Sensor"},
            "origin": {"name": "bench/discovery.py"},
        }

    def messages(self) -> Iterator[tuple[str, bytes]]:
        """Every retained message of the estate: the bridge, then each config and its state."""
        yield self.bridge_topic, b'{"state":"online"}'
        for i in range(self.n):
            yield self.config_topic(i), json.dumps(self.config(i)).encode()
            yield self.state_topic(i), json.dumps({"value": i}).encode()

    def filters(self) -> list[tuple[str, int]]:
        return [(f"{self.prefix}/+/+/config", 1), (f"{self.prefix}/+/+/+/config", 1), (f"{self.root}/#", 1)]


async def publish_all(broker: BrokerProcess, messages: Iterator[tuple[str, bytes]]) -> None:
    """Publish retained at QoS 1, ``PUBLISH_WINDOW`` unacknowledged at a time."""
    async with aiomqtt.Client(broker.host, broker.port, max_inflight_messages=PUBLISH_WINDOW, timeout=60, logger=QUIET) as client:
        batch: list[Awaitable[None]] = []
        for topic, payload in messages:
            batch.append(client.publish(topic, payload, qos=1, retain=True))
            if len(batch) >= PUBLISH_WINDOW:
                await asyncio.gather(*batch)
                batch = []
        await asyncio.gather(*batch)


# --- the cases ---------------------------------------------------------------------------


@dataclass
class Run:
    seconds: float | None  # None: not done within the timeout
    done: int  # messages (bare) or entities with their state when the run ended
    stop: float | None = None  # the hub's: seconds its graceful stop took
    restart: float | None = None  # the hub's: seconds a restart on the same data took


async def run_bare(broker: BrokerProcess, estate: Estate, timeout: float) -> Run:
    expected = 2 * estate.n + 1
    got = 0
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            async with aiomqtt.Client(broker.host, broker.port) as client:
                await client.subscribe(estate.filters())
                async for _message in client.messages:
                    got += 1
                    if got >= expected:
                        return Run(time.perf_counter() - start, got)
    except TimeoutError:
        pass
    return Run(None, got)


class Progress:
    """Counts ``sensor.bench_<i>`` entities whose state is ``<i>`` (a listener, not a poll)."""

    def __init__(self, hub: Hub, n: int) -> None:
        self.n = n
        self.done: set[str] = set()
        self.finished = asyncio.Event()
        # Set-up already dispatches what arrives. Seeded and subscribed in one go: no change
        # can fall between the two.
        for state in hub.states.all("sensor"):
            self._check(state)
        hub.bus.listen(EVENT_STATE_CHANGED, self._changed)

    def _changed(self, event: Any) -> None:
        if (state := event.data["new_state"]) is not None:
            self._check(state)

    def _check(self, state: Any) -> None:
        entity_id = state.entity_id
        if entity_id.startswith(ENTITY_PREFIX) and state.state == entity_id[len(ENTITY_PREFIX) :]:
            self.done.add(entity_id)
            if len(self.done) >= self.n:
                self.finished.set()


async def run_hub(broker: BrokerProcess, estate: Estate, timeout: float, profile: str | None) -> Run:
    """The hub case in a process of its own, so a hub past the timeout can be left behind."""
    job = [broker.host, broker.port, estate.n, estate.prefix, estate.root, timeout, profile]
    command = [sys.executable, __file__, "--hub", json.dumps(job)]
    process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.PIPE)
    try:
        async with asyncio.timeout(2 * timeout + 30):  # set-up and a graceful stop besides
            out, _ = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        return Run(None, 0)
    *said, result = out.decode().splitlines()
    for line in said:  # the profile, when asked for
        print(line)
    return Run(**json.loads(result))


async def hub_process(host: str, port: int, n: int, prefix: str, root: str, timeout: float, profile: str | None) -> None:
    """``--hub``: a first start on an empty data directory, its stop, then a restart on the
    same directory (the registries hold every entity: nothing is written to disk); print
    the :class:`Run` as the last line of JSON.

    Past the timeout the process reports and exits at once, wherever the hub is: start-up
    itself waits until the discovery under way is done, and a graceful stop of a hub still
    busy could take as long again.
    """
    tune_for_hub()  # as `xiaoqu run` does
    site = Path(tempfile.mkdtemp())
    config = {
        "http": {"server_port": 0},
        "mqtt": {
            "broker": f"mqtt://{host}:{port}",
            "discovery_prefix": prefix,
            "max_discovered_entities": n,
            "state_stream": False,
            "client_id": f"bench-discovery-{site.name}",
        },
    }
    run = Run(None, 0)

    async def started() -> tuple[Hub, float]:
        """A hub on ``site`` with every entity in its state, and how long that took."""
        start = time.perf_counter()
        hub, _checked = await setup_hub(write_config(site, config))
        progress = Progress(hub, n)

        def give_up() -> None:
            run.done = len(progress.done)
            print(json.dumps(run.__dict__), flush=True)
            shutil.rmtree(site, ignore_errors=True)
            os._exit(0)

        timer = asyncio.get_running_loop().call_later(max(timeout - (time.perf_counter() - start), 0.001), give_up)
        await hub.start()
        await progress.finished.wait()
        timer.cancel()
        run.done = n
        return hub, time.perf_counter() - start

    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    hub, run.seconds = await started()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{profile}-{n}.pstats")
        print(f"  profile of the hub at {n:,}: {profile}-{n}.pstats")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    stopping = time.perf_counter()
    await hub.stop()
    run.stop = time.perf_counter() - stopping
    hub, run.restart = await started()
    await hub.stop()
    shutil.rmtree(site, ignore_errors=True)
    print(json.dumps(run.__dict__), flush=True)


# --- brokers -----------------------------------------------------------------------------


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@contextmanager
def open_broker(kind: str, workdir: Path) -> Iterator[BrokerProcess]:
    if kind == "auto":
        kind = "mosquitto" if mosquitto_available() else "system" if _reachable("127.0.0.1", 1883) else "amqtt"
    if kind == "system":
        if not _reachable("127.0.0.1", 1883):
            raise SystemExit("no MQTT broker listens on 127.0.0.1:1883")
        # Never started nor stopped here: the BrokerProcess only carries the address.
        yield BrokerProcess(workdir, "mosquitto", port=1883)
        return
    with BrokerProcess.create(workdir, kind) as broker:
        yield broker


async def clear(broker: BrokerProcess, estate: Estate) -> None:
    """Remove the estate's retained messages (a shared broker keeps them otherwise)."""
    await publish_all(broker, ((topic, b"") for topic, _payload in estate.messages()))


# --- reporting ---------------------------------------------------------------------------


def seconds(run: Run, n: int, timeout: float) -> str:
    if run.seconds is None:
        return f"> {timeout:.0f} s ({run.done:,}/{n:,})"
    if run.stop is None:
        return f"{run.seconds:.2f} s"
    restart = f"{run.restart:.2f} s" if run.restart is not None else f"> {timeout:.0f} s ({run.done:,}/{n:,})"
    return f"{run.seconds:.2f} s (stop {run.stop:.2f} s), restart {restart}"


def spread(values: list[float], fmt: Callable[[float], str]) -> str:
    """Median and range of the rounds: ``4.10 (3.90–4.60)``."""
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(statistics.median(values))} ({fmt(min(values))}–{fmt(max(values))})"


async def measure(broker: BrokerProcess, estate: Estate, args: argparse.Namespace) -> list[str]:
    """Every round of one count; the table row of its summary."""
    await publish_all(broker, estate.messages())
    runs: dict[str, Callable[[int], Awaitable[Run]]] = {
        "bare": lambda r: run_bare(broker, estate, args.timeout),
        "hub": lambda r: run_hub(broker, estate, args.timeout, args.profile if r == 0 else None),
    }
    cases: dict[str, list[Run]] = {key: [] for key in runs}
    try:
        for r in range(args.rounds):
            for key in list(runs)[r % 2 :] + list(runs)[: r % 2]:
                cases[key].append(await runs[key](r))
            bare, hub = cases["bare"][r], cases["hub"][r]
            ratio = f"{hub.seconds / bare.seconds:.1f}×" if hub.seconds and bare.seconds else "n/a"
            print(
                f"  {estate.n:,} configs, round {r + 1}: bare {seconds(bare, 2 * estate.n + 1, args.timeout)}, "
                f"hub {seconds(hub, estate.n, args.timeout)}, hub/bare {ratio}",
                flush=True,
            )
    finally:
        await clear(broker, estate)
    bare_s = [run.seconds for run in cases["bare"] if run.seconds is not None]
    hub_s = [run.seconds for run in cases["hub"] if run.seconds is not None]
    paired = [h.seconds / b.seconds for h, b in zip(cases["hub"], cases["bare"], strict=True) if h.seconds and b.seconds]
    timed_out = len(cases["hub"]) - len(hub_s)

    def secs(v: float) -> str:
        return f"{v:.2f}"

    hub_cell = spread(hub_s, secs) if hub_s else "—"
    if timed_out:
        worst = min(run.done for run in cases["hub"] if run.seconds is None)
        hub_cell += f" ({timed_out} round(s) > {args.timeout:.0f} s; {worst:,}/{estate.n:,} done)"
    stops = [run.stop for run in cases["hub"] if run.stop is not None]
    restarts = [run.restart for run in cases["hub"] if run.restart is not None]
    restart_ratio = [h.restart / b.seconds for h, b in zip(cases["hub"], cases["bare"], strict=True) if h.restart and b.seconds]
    record(estate.n, cases, args.timeout)
    return [
        f"{estate.n:,}",
        spread(bare_s, secs) if bare_s else "—",
        hub_cell,
        spread(paired, lambda v: f"{v:.1f}×") if paired else "—",
        spread([estate.n / s for s in hub_s], lambda v: f"{v:,.0f}") if hub_s else "—",
        spread(stops, secs) if stops else "—",
        spread(restarts, secs) if restarts else "—",
        spread(restart_ratio, lambda v: f"{v:.1f}×") if restart_ratio else "—",
    ]


def record(n: int, cases: dict[str, list[Run]], timeout: float) -> None:
    """The figures of one count for the report: medians of the rounds, ratios paired per round."""
    median = statistics.median
    bare = median([run.seconds if run.seconds is not None else timeout for run in cases["bare"]])
    hubs = cases["hub"]
    first = [run.seconds if run.seconds is not None else math.inf for run in hubs]
    restart = [run.restart if run.restart is not None else math.inf for run in hubs]
    timed_out = sum(run.seconds is None for run in hubs)
    rounds = f"{len(hubs)} round(s), range {min(first):.2f}–{max(first):.2f} s"
    if timed_out:
        rounds += f"; {timed_out} past {timeout:.0f} s ({min(run.done for run in hubs):,} of {n:,} entities)"
    targeted = n == TARGET_N
    target = f"≤ {TARGET_S:.0f} s" if targeted else None
    label = f"{n:,} retained configs"
    first_met = median(first) <= TARGET_S
    figure(
        f"{label}: hub's first start → every entity with its state", median(first), "s",
        baseline=("bare aiomqtt reading the 2N + 1 retained messages", bare),
        ratio=median([h / b.seconds for h, b in zip(first, cases["bare"], strict=True) if b.seconds]),
        target=target, met=first_met if targeted else None,
        if_missed="" if not targeted or first_met else missed(first, bare, rounds),
        note=f"{n / median(first):,.0f} entities/s; {rounds}; N devices and N entities written to the registries",
    )
    restart_met = median(restart) <= TARGET_S
    figure(
        f"{label}: hub's restart on the same data → every entity with its state", median(restart), "s",
        baseline=("bare aiomqtt reading the 2N + 1 retained messages", bare),
        ratio=median([h / b.seconds for h, b in zip(restart, cases["bare"], strict=True) if b.seconds]),
        target=target, met=restart_met if targeted else None,
        if_missed="" if not targeted or restart_met else missed(restart, bare, f"range {min(restart):.2f}–{max(restart):.2f} s"),
        note="the registries hold every entity: nothing is written",
    )
    stops = [run.stop for run in hubs if run.stop is not None]
    if stops:
        figure(f"{label}: the hub's stop (every entity unsubscribes)", median(stops), "s")


def missed(seconds: list[float], bare: float, rounds: str) -> str:
    """The cause of a missed target, as this run and the last profile measured it, and the plan."""
    return (f"median {statistics.median(seconds):.2f} s ({rounds}) against a bare read of {bare:.2f} s. "
            "A profile (--profile) on 2026-12-06 found the cost spread over every config: the platform's voluptuous schema, "
            "the registry documents and paho; the registry store is rewritten whole at every group commit "
            "(its writer thread used 1.0 s of CPU at 10,000 configs and 8.9 s at 30,000), the one part that "
            "grows faster than the count. Plan: write the registries' changes as rows (as core/rowstore.py "
            "does for the residents) instead of rewriting the store, then profile again.")


ABOUT = """
N Zigbee2MQTT-shaped sensors (a device each, a JSON state topic each, the bridge's shared
availability topic) are published retained with their states to a Mosquitto of the bench's
own with deploy/mosquitto.conf's queue settings. Each round times a bare aiomqtt client
reading all 2N + 1 retained messages (the transport's floor: no parsing, no entities) and a
hub in its own process, collecting garbage as `xiaoqu run` does, from the start of set-up
until every entity has its state: a first start (empty registries: N devices and N entities
written) and a restart on the same data (nothing written), the everyday case. Median of the
rounds, the two cases alternating.

The cost is linear in the count (entities per second stay flat from 1,000 to 30,000): the
broker filters are kept in a trie and changed where a filter lands, registry documents are
found by id, and new entities are added side by side so their registry writes share group
commits (configs are still decided in order). Collecting young garbage every 100,000
allocations instead of CPython's 700 (core/gc_tuning.py) took a first start at 10,000 from
about 13 s to about 10 s. Under load a SUBACK can arrive after aiomqtt's 10 s timeout, and
aiomqtt logs `Unexpected message ID`; the hub resends nothing for a late SUBACK.
"""


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", default="1000,10000", help="numbers of retained configs, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="each case runs once per round; the order rotates")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds a case may take before it is stopped")
    parser.add_argument("--broker", default="auto", choices=["auto", "system", "mosquitto", "amqtt"])
    parser.add_argument("--profile", metavar="PREFIX", help="profile the first round's hub into PREFIX-<N>.pstats")
    parser.add_argument("--hub", help=argparse.SUPPRESS)  # the hub case's own process (run_hub)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.hub:
        await hub_process(*json.loads(args.hub))
        return
    command = " ".join([".venv/bin/python bench/discovery.py", *sys.argv[1:]])
    print("command:", command, flush=True)
    section("MQTT discovery at scale", command=command, about=ABOUT)
    workdir = Path(tempfile.mkdtemp())
    try:
        with open_broker(args.broker, workdir / "broker") as broker:
            print(f"broker: {broker.kind} at {broker.host}:{broker.port}", flush=True)
            rows = []
            for n in (int(c) for c in args.counts.split(",")):
                estate = Estate(n, prefix=f"benchdisc{n}_{workdir.name}", root=f"benchdev{n}_{workdir.name}")
                rows.append(await measure(broker, estate, args))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nseconds from start to every entity with its state, {args.rounds} round(s), median (range):")
    header = [
        "configs", "bare aiomqtt, 2N+1 retained", "hub first start → entities with state", "hub / bare", "entities/s",
        "hub stop", "hub restart", "restart / bare",
    ]
    print("| " + " | ".join(header) + " |")
    print("| --- " + "| ---: " * (len(header) - 1) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    asyncio.run(main())
