"""Automation engine throughput: what armed automations cost the hub, and a run end to end.

a) Unrelated automations: 100,000 operations (half events of a type, half state changes of an
   entity, that no automation watches) with 10 and with 1,000 armed automations whose
   triggers are on other things (event types, entities via state / numeric_state /
   template triggers, times of day). The ratio 1,000/10 is what arming 990 more costs each
   event; target: at least 0.90 (1,000 cost at most 10% of throughput).
b) End to end: a state trigger, a template condition and a service call with templated data,
   per state change: changes per second (all fired at once, runs in parallel), and the
   latency of one change to its service call (one at a time, p50/p99). Baseline in the same
   run: the same work hand-written (a state listener calling the service), no engine.
   Repeated with 1,000 unrelated automations armed.

    .venv/bin/python bench/automations.py [--repeat 5] [--events 100000] [--runs 20000]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from xiaoqu.core.automation.engine import AutomationEngine  # noqa: E402
from xiaoqu.core.hub import Hub, HubConfig  # noqa: E402
from xiaoqu.core.services import ServiceCall  # noqa: E402
from xiaoqu.core.tracking import track_state_change  # noqa: E402


def unrelated(count: int) -> list[dict[str, Any]]:
    """``count`` automations, each watching something the workload never touches."""
    kinds = [
        lambda i: {"trigger": "event", "event_type": f"other_event_{i}"},
        lambda i: {"trigger": "state", "entity_id": f"sensor.watched_{i}", "to": "on"},
        lambda i: {"trigger": "numeric_state", "entity_id": f"sensor.level_{i}", "above": 50},
        lambda i: {"trigger": "template", "value_template": f"{{{{ is_state('binary_sensor.t_{i}', 'on') }}}}"},
        lambda i: {"trigger": "time", "at": "03:00"},
    ]
    return [
        {
            "id": f"unrelated_{i}",
            "triggers": [kinds[i % len(kinds)](i)],
            "conditions": [{"condition": "template", "value_template": "{{ true }}"}],
            "actions": [{"action": "bench.count", "data": {"n": "{{ trigger.idx }}"}}],
        }
        for i in range(count)
    ]


END_TO_END = {
    "id": "end_to_end",
    "mode": "parallel",
    "max": 1_000_000,
    "max_exceeded": "silent",
    "trace": {"stored_traces": 1},
    "triggers": [{"trigger": "state", "entity_id": "sensor.door"}],
    "conditions": ["{{ trigger.to_state.state | int(0) >= 0 }}"],
    "actions": [{"action": "bench.count", "data": {"value": "{{ trigger.to_state.state }}"}}],
}


async def build(config_dir: Path, automations: list[dict[str, Any]]) -> tuple[Hub, list[float]]:
    hub = Hub(HubConfig(config_dir=config_dir))
    await hub.start()
    stamps: list[float] = []

    def count(call: ServiceCall) -> None:
        stamps.append(perf_counter())

    hub.services.register("bench", "count", count)
    for i in range(len(automations)):
        hub.states.set(f"sensor.level_{i}", "0")  # numeric_state triggers arm below their range
    engine = hub.data["automation"] = AutomationEngine(hub, automations)
    errors = await engine.apply(automations)
    assert not errors, errors
    await hub.block_till_done()
    return hub, stamps


async def case_unrelated(config_dir: Path, count: int, operations: int) -> float:
    hub, stamps = await build(config_dir, unrelated(count))
    try:
        fire, set_state = hub.bus.fire, hub.states.set
        t0 = perf_counter()
        for i in range(operations // 2):
            fire("probe_event", {"i": i})
            set_state("sensor.probe", str(i))
        await hub.block_till_done()
        elapsed = perf_counter() - t0
        assert not stamps, "an unrelated automation ran"
        return operations / elapsed
    finally:
        await hub.stop()


async def case_end_to_end(config_dir: Path, extra: int, runs: int) -> tuple[float, float, float]:
    """(changes per second, p50 latency ms, p99 latency ms) through the engine."""
    hub, stamps = await build(config_dir, [END_TO_END, *unrelated(extra)])
    try:
        return await _drive(hub, stamps, runs)
    finally:
        await hub.stop()


async def case_hand_written(config_dir: Path, runs: int) -> tuple[float, float, float]:
    """The same work without the engine: a state listener that checks and calls the service."""
    hub, stamps = await build(config_dir, [])

    async def on_change(event: Any) -> None:
        state = event.data["new_state"].state
        if int(state) >= 0:
            await hub.services.call("bench", "count", {"value": int(state)})

    track_state_change(hub, "sensor.door", on_change)
    try:
        return await _drive(hub, stamps, runs)
    finally:
        await hub.stop()


async def _drive(hub: Hub, stamps: list[float], runs: int) -> tuple[float, float, float]:
    set_state = hub.states.set
    t0 = perf_counter()
    for i in range(runs):
        set_state("sensor.door", str(i))
    await hub.block_till_done()
    rate = runs / (perf_counter() - t0)
    assert len(stamps) == runs, (len(stamps), runs)
    latencies = []
    for i in range(min(runs, 2_000)):
        stamps.clear()
        start = perf_counter()
        set_state("sensor.door", str(runs + i))
        await hub.block_till_done()
        latencies.append((stamps[0] - start) * 1000)
    cuts = statistics.quantiles(latencies, n=100)
    return rate, cuts[49], cuts[98]


def best(results: list[Any]) -> Any:
    """Best run of several (the machine is noisy; the best run is the least disturbed)."""
    if isinstance(results[0], tuple):
        return max(results, key=lambda r: r[0])
    return max(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; the best is kept (default 5)")
    parser.add_argument("--events", type=int, default=100_000, help="operations in case a (default 100,000)")
    parser.add_argument("--runs", type=int, default=20_000, help="state changes in case b (default 20,000)")
    args = parser.parse_args()
    # The unrelated automations watch entities that do not exist: each would be warned about.
    logging.getLogger("xiaoqu.core.automation").setLevel(logging.ERROR)
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")

    cases = {
        "unrelated_10": (case_unrelated, 10, args.events),
        "unrelated_1000": (case_unrelated, 1000, args.events),
        "hand": (case_hand_written, args.runs),
        "engine_10": (case_end_to_end, 9, args.runs),
        "engine_1000": (case_end_to_end, 999, args.runs),
    }
    results: dict[str, list[Any]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # the cases take turns, so a noisy moment does not hit one case only
        for name, (case, *case_args) in cases.items():
            gc.collect()
            with tempfile.TemporaryDirectory(prefix="xiaoqu_bench_") as tmp:
                results[name].append(asyncio.run(case(Path(tmp), *case_args)))
    base, many, hand, engine, loaded = (best(results[name]) for name in cases)
    # Each round ran both counts back to back: the median of those paired ratios is what a
    # noisy machine (other jobs, turbo, GC) disturbs least.
    paired = statistics.median(m / b for m, b in zip(results["unrelated_1000"], results["unrelated_10"], strict=True))

    print("a) unrelated automations: events + state changes per second (best of each)")
    print(f"   {'10 automations':<28} {base:>12,.0f}/s  (baseline)")
    print(f"   {'1,000 automations':<28} {many:>12,.0f}/s  ratio {many / base:.3f}, "
          f"median of paired rounds {paired:.3f} (target >= 0.90)")

    print("b) state trigger -> template condition -> service call, end to end")
    print(f"   {'case':<34} {'changes/s':>11} {'ratio':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for name, (rate, p50, p99) in (("hand-written listener (baseline)", hand), ("engine, 10 automations", engine),
                                   ("engine, 1,000 automations", loaded)):
        print(f"   {name:<34} {rate:>11,.0f} {rate / hand[0]:>7.2f} {p50:>8.3f} {p99:>8.3f}")
    paired_b = statistics.median(m[0] / b[0] for m, b in zip(results["engine_1000"], results["engine_10"], strict=True))
    print(f"   1,000 vs 10 automations: {loaded[0] / engine[0]:.3f}, median of paired rounds {paired_b:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
