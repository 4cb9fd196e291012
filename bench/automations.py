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

Each case runs on a hub built as ``xiaoqu run`` builds it (`xiaoqu.core.testing.running_hub`):
the automations are an ``automation:`` section of its config.yaml, checked and armed by the
core automation plugin when the hub starts. A site plugin (``bench``, written to a temporary
folder) declares and registers the ``bench.count`` service and sets the numeric_state
triggers' sensors before they arm. The history keeps no ``sensor`` states: recording the
workload's own changes costs the same with the engine or without it and would only dilute
the ratios (docs/benchmarks.md gives the history's cost per change under the event bus). It
still records what the engine itself writes on a real hub: each automation's state and, per
run, its ``automation_triggered`` logbook line. Garbage is collected as ``xiaoqu run`` has it
collected (core/gc_tuning.py: thresholds raised, the started hub frozen).

    .venv/bin/python bench/automations.py [--repeat 5] [--events 100000] [--runs 20000]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import shlex
import statistics
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from time import perf_counter
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _report import figure, note, section  # noqa: E402

from xiaoqu.core.automation.const import DATA_ENGINE  # noqa: E402
from xiaoqu.core.gc_tuning import freeze_start_up, tune_for_hub  # noqa: E402
from xiaoqu.core.hub import Hub  # noqa: E402
from xiaoqu.core.testing import running_hub  # noqa: E402
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


#: The site plugin that gives the automations their service: ``bench.count`` notes when it
#: was called (in ``hub.data["bench"]``); ``levels`` sensors are set before the automations arm.
PLUGIN_MANIFEST = '{"domain": "bench", "name": "Bench", "version": "1.0.0"}'
PLUGIN_CODE = """\
from time import perf_counter

from xiaoqu.core import hookimpl
from xiaoqu.core.validation import vol


@hookimpl
def xiaoqu_config_schema():
    return vol.Schema({vol.Required("levels"): int})


@hookimpl
def xiaoqu_services():
    return ["bench.count"]


@hookimpl
def xiaoqu_setup(hub, config):
    stamps = hub.data["bench"] = []
    hub.services.register("bench", "count", lambda call: stamps.append(perf_counter()))
    for i in range(config["levels"]):
        hub.states.set(f"sensor.level_{i}", "0")  # numeric_state triggers arm below their range
"""


def write_plugin(folder: Path) -> Path:
    """The ``bench`` site plugin, in ``folder/bench/``; returns ``folder`` (running_hub's plugins_dir)."""
    package = folder / "bench"
    package.mkdir(parents=True, exist_ok=True)
    (package / "manifest.json").write_text(PLUGIN_MANIFEST, encoding="utf-8")
    (package / "__init__.py").write_text(PLUGIN_CODE, encoding="utf-8")
    return folder


@asynccontextmanager
async def build(config_dir: Path, plugins: Path, automations: list[dict[str, Any]]
                ) -> AsyncIterator[tuple[Hub, list[float]]]:
    """A started hub whose config.yaml has ``automations`` as its ``automation:`` section."""
    config = {
        "automation": automations,
        "bench": {"levels": len(automations)},
        "history": {"exclude": {"domains": ["sensor"]}},
    }
    try:
        async with running_hub(config_dir, config, plugins_dir=plugins) as hub:
            engine = hub.data[DATA_ENGINE]
            assert len(engine.automations) == len(automations), (len(engine.automations), len(automations))
            broken = [a.name for a in engine.automations.values() if not a.ok or not a.enabled]
            assert not broken, f"not armed: {broken[:5]}"
            freeze_start_up()  # as `xiaoqu run` does once the hub has started
            yield hub, hub.data["bench"]
    finally:
        gc.unfreeze()  # the next case's hub does not carry this one's


async def case_unrelated(config_dir: Path, plugins: Path, count: int, operations: int) -> float:
    async with build(config_dir, plugins, unrelated(count)) as (hub, stamps):
        fire, set_state = hub.bus.fire, hub.states.set
        t0 = perf_counter()
        for i in range(operations // 2):
            fire("probe_event", {"i": i})
            set_state("sensor.probe", str(i))
        await hub.block_till_done()
        elapsed = perf_counter() - t0
        assert not stamps, "an unrelated automation ran"
        return operations / elapsed


async def case_end_to_end(config_dir: Path, plugins: Path, extra: int, runs: int) -> tuple[float, float, float]:
    """(changes per second, p50 latency ms, p99 latency ms) through the engine."""
    async with build(config_dir, plugins, [END_TO_END, *unrelated(extra)]) as (hub, stamps):
        return await _drive(hub, stamps, runs)


async def case_hand_written(config_dir: Path, plugins: Path, runs: int) -> tuple[float, float, float]:
    """The same work without the engine: a state listener that checks and calls the service."""
    async with build(config_dir, plugins, []) as (hub, stamps):

        async def on_change(event: Any) -> None:
            state = event.data["new_state"].state
            if int(state) >= 0:
                await hub.services.call("bench", "count", {"value": int(state)})

        track_state_change(hub, "sensor.door", on_change)
        return await _drive(hub, stamps, runs)


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
        # Wait for the call itself, not through block_till_done: after the burst its set of tasks
        # keeps the size it grew to (a set does not shrink), and walking it (~0.1 ms after 20,000
        # changes) would come before the listener's task runs, inside the measured latency.
        while not stamps and perf_counter() - start < 5:
            await asyncio.sleep(0)
        assert stamps, "no service call within 5 s"
        latencies.append((stamps[0] - start) * 1000)
        await hub.block_till_done()
    cuts = statistics.quantiles(latencies, n=100)
    return rate, cuts[49], cuts[98]


ABOUT = """\
(a) 100,000 operations (half events, half state changes) that no automation watches, on a hub
with 10 and with 1,000 armed automations whose triggers are on other things (event types,
entities through state, numeric_state and template triggers, times of day): what arming 990
more costs each event. (b) End to end: a state trigger, a template condition and a service
call with templated data per state change, against the same work hand-written (a state
listener calling the service) in the same run; changes per second with all fired at once, and
the latency of one change to its service call, one at a time; then the same with 1,000
unrelated automations armed. Every case runs on a hub built as `xiaoqu run` builds it
(`running_hub`, the automations read from its config, garbage collected as the hub has it
collected, `sensor` left out of the history); the cases take turns, five rounds, best of
each, and the 1,000/10 ratios are the median of the rounds' paired ratios, which a noisy
machine disturbs least."""
WHY = """\
The hand-written listener does only the work; the engine on a full hub also writes the
automation's state and a logbook line per run, keeps a trace, and masks the plates, phones
and ID numbers in the trace as it is recorded (core/masking.py, about 15 µs a run): that is
the end-to-end ratio. Armed automations cost nothing per unrelated event because triggers
are indexed by what they watch (event type, entity)."""
RATIO_MISSED = ("Cause: an unrelated trigger is looked at for each event or state change. "
                "Plan: profile the 1,000-automation case and index that trigger kind by what it watches.")


def report(results: dict[str, list[Any]], paired: float, paired_b: float) -> None:
    """The figures for docs/benchmarks.md."""
    section("Automations", about=ABOUT, command=".venv/bin/python bench/automations.py " + shlex.join(sys.argv[1:]))
    base, many, hand, engine, loaded = (best(found) for found in results.values())
    figure("(a) events + state changes with 1,000 unrelated automations", many, "ops/s",
           baseline=("10 automations", base))
    figure("(a) 1,000 vs 10 unrelated automations, median of paired rounds", paired, "",
           target="≥ 0.90", met=paired >= 0.90, if_missed="" if paired >= 0.90 else RATIO_MISSED)
    figure("(b) trigger → condition → service call, end to end", engine[0], "runs/s",
           baseline=("hand-written state listener", hand[0]))
    figure("(b) latency of one change to its call, p50", engine[1], "ms", baseline=("hand-written", hand[1]))
    figure("(b) latency of one change to its call, p99", engine[2], "ms", baseline=("hand-written", hand[2]))
    figure("(b) end to end with 1,000 unrelated automations", loaded[0], "runs/s",
           baseline=("with 10", engine[0]))
    figure("(b) 1,000 vs 10 automations end to end, median of paired rounds", paired_b, "",
           target="≥ 0.90", met=paired_b >= 0.90, if_missed="" if paired_b >= 0.90 else RATIO_MISSED)
    note(WHY)


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
    # The unrelated automations watch entities that do not exist (each would be warned about),
    # and a site without users is told how to add one: errors only.
    logging.basicConfig(level=logging.ERROR)
    tune_for_hub()  # as `xiaoqu run` collects garbage
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")

    cases = {
        "unrelated_10": (case_unrelated, 10, args.events),
        "unrelated_1000": (case_unrelated, 1000, args.events),
        "hand": (case_hand_written, args.runs),
        "engine_10": (case_end_to_end, 9, args.runs),
        "engine_1000": (case_end_to_end, 999, args.runs),
    }
    results: dict[str, list[Any]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory(prefix="xiaoqu_bench_plugins_") as folder:
        plugins = write_plugin(Path(folder))
        for _ in range(args.repeat):  # the cases take turns, so a noisy moment does not hit one case only
            for name, (case, *case_args) in cases.items():
                gc.collect()
                with tempfile.TemporaryDirectory(prefix="xiaoqu_bench_") as tmp:
                    results[name].append(asyncio.run(case(Path(tmp), plugins, *case_args)))
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
    report(results, paired, paired_b)
    return 0


if __name__ == "__main__":
    sys.exit(main())
