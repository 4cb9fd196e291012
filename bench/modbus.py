"""Modbus polling: registers per second from 50 devices, xiaoqu's hub against bare pymodbus.

One pymodbus TCP server in its own process serves 50 unit ids (1-50, like 50 devices behind
one gateway), 10 holding registers each. In this process, one after the other:

  baseline  one AsyncModbusTcpClient reading ``read_holding_registers(0, count=10)`` from
            device 1, 2, ... 50, 1, ... back to back, as fast as answers come;
  xiaoqu    a real hub (built as ``xiaoqu run`` builds it, real clock) with one modbus hub and
            500 sensors (10 uint16 per device, scan_interval 10 ms, so the line is never
            idle); the poller batches each device's 10 sensors into one 10-register read
            and every value goes through decoding and the state machine;
  unrecorded the same hub with the sensors left out of the history
            (``history: exclude: domains: [sensor]``).

Both use one TCP connection, as a hub does. With ``churn`` (the default) the server changes
each register it returns, so every poll of the hub writes 10 new states (``state_changed``
events); ``--no-churn`` keeps the values still (state writes that change nothing).
Figures are registers read per second (median of ``--repeat`` runs), the ratio
xiaoqu/baseline, and this process's CPU time per request.

    .venv/bin/python bench/modbus.py [--duration 5] [--repeat 5] [--no-churn]

The defaults are what docs/benchmarks.md reports (about a minute and a half).
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _report import figure, section  # noqa: E402
from pymodbus.client import AsyncModbusTcpClient  # noqa: E402

from tests.fixtures_modbus import ModbusTestServer  # noqa: E402
from xiaoqu.core.bootstrap import setup_hub  # noqa: E402
from xiaoqu.core.const import EVENT_STATE_CHANGED  # noqa: E402
from xiaoqu.core.testing import write_config  # noqa: E402
from xiaoqu.integrations.modbus import get_hub  # noqa: E402

DEVICES = 50
REGISTERS = 10
SCAN_INTERVAL = 0.01
WARMUP = 1.0


async def serve(churn: bool) -> None:
    """The server process: print the port, serve until stdin closes."""
    async with ModbusTestServer(device_ids=range(1, DEVICES + 1), size=REGISTERS * 2, churn=churn) as server:
        print(server.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


async def baseline(port: int, duration: float) -> tuple[float, float, float]:
    """(registers/s, requests/s, CPU µs per request) of bare sequential pymodbus reads."""
    client = AsyncModbusTcpClient("127.0.0.1", port=port, timeout=3, retries=0, reconnect_delay=0)
    await client.connect()
    try:
        device, requests = 1, 0
        deadline = time.perf_counter() + WARMUP
        while time.perf_counter() < deadline:
            await client.read_holding_registers(0, count=REGISTERS, device_id=device)
            device = device % DEVICES + 1
        cpu0, t0 = time.process_time(), time.perf_counter()
        deadline = t0 + duration
        while time.perf_counter() < deadline:
            response = await client.read_holding_registers(0, count=REGISTERS, device_id=device)
            assert len(response.registers) == REGISTERS
            device = device % DEVICES + 1
            requests += 1
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        client.close()
    return requests * REGISTERS / elapsed, requests / elapsed, cpu / requests * 1e6


async def xiaoqu(port: int, duration: float, history: bool = True) -> tuple[float, float, float, float]:
    """(registers/s, requests/s, CPU µs per request, state changes/s) through a real hub;
    ``history=False`` leaves the sensors out of the history (``history: exclude:``)."""
    sensors = [
        {"name": f"d{device} r{address}", "device_id": device, "address": address,
         "data_type": "uint16", "scan_interval": SCAN_INTERVAL}
        for device in range(1, DEVICES + 1) for address in range(REGISTERS)
    ]
    config: dict[str, Any] = {"modbus": [{"name": "bench", "type": "tcp", "host": "127.0.0.1", "port": port,
                                          "timeout": 3, "sensors": sensors}]}
    if not history:
        config["history"] = {"exclude": {"domains": ["sensor"]}}
    with tempfile.TemporaryDirectory() as tmp:
        # The path of `xiaoqu run` (running_hub's block_till_done would wait for a line that is never idle).
        hub, checked = await setup_hub(write_config(Path(tmp), config))
        assert checked.ok, checked.errors
        await hub.start()
        try:
            stats = get_hub(hub, "bench").line.stats
            changes = 0

            def count(_event: object) -> None:
                nonlocal changes
                changes += 1

            hub.bus.listen(EVENT_STATE_CHANGED, count)
            await asyncio.sleep(WARMUP)
            values0, requests0, changes0 = stats.values_read, stats.requests, changes
            cpu0, t0 = time.process_time(), time.perf_counter()
            await asyncio.sleep(duration)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            requests = stats.requests - requests0
            assert stats.no_answer == 0 and stats.exceptions == 0, stats
            result = ((stats.values_read - values0) / elapsed, requests / elapsed,
                      cpu / requests * 1e6, (changes - changes0) / elapsed)
        finally:
            await hub.stop()
    return result


async def run(args: argparse.Namespace) -> None:
    server = subprocess.Popen([sys.executable, __file__, "--serve", *(["--no-churn"] if not args.churn else [])],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        base, hub, unrecorded = [], [], []
        for _ in range(args.repeat):
            base.append(await baseline(port, args.duration))
            hub.append(await xiaoqu(port, args.duration))
            unrecorded.append(await xiaoqu(port, args.duration, history=False))
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(10)

    def median(rows: list[tuple[float, ...]], column: int) -> float:
        return statistics.median(row[column] for row in rows)

    print(f"modbus: {DEVICES} unit ids on one pymodbus TCP server (separate process), {REGISTERS} holding "
          f"registers each, one connection; values {'change on every read' if args.churn else 'constant'}; "
          f"median of {args.repeat} x {args.duration:g} s")
    print(f"  baseline (bare pymodbus, sequential reads): {median(base, 0):9,.0f} registers/s "
          f"{median(base, 1):7,.0f} requests/s  {median(base, 2):6.0f} µs CPU/request")
    print(f"  xiaoqu (hub: poller, 500 sensors, states):  {median(hub, 0):9,.0f} registers/s "
          f"{median(hub, 1):7,.0f} requests/s  {median(hub, 2):6.0f} µs CPU/request  "
          f"{median(hub, 3):,.0f} state changes/s")
    print(f"  xiaoqu, sensors not in the history:         {median(unrecorded, 0):9,.0f} registers/s "
          f"{median(unrecorded, 1):7,.0f} requests/s  {median(unrecorded, 2):6.0f} µs CPU/request")
    print(f"  ratio xiaoqu/baseline: {median(hub, 0) / median(base, 0):.2f} "
          f"(runs: {', '.join(f'{h[0] / b[0]:.2f}' for h, b in zip(hub, base, strict=True))})")
    command = (f".venv/bin/python bench/modbus.py --duration {args.duration:g} --repeat {args.repeat}"
               f"{'' if args.churn else ' --no-churn'}")
    print(f"  command: {command}")
    section("Modbus", command=command, about=ABOUT)
    ratios = [h[0] / b[0] for h, b in zip(hub, base, strict=True)]
    figure("registers read, 500 sensors batched 10 a request", median(hub, 0), "registers/s",
           baseline=("bare pymodbus, sequential reads of 10 registers", median(base, 0)),
           ratio=statistics.median(ratios),
           note=(f"{median(hub, 3):,.0f} state changes/s (every value changing); runs "
                 + ", ".join(f"{r:.2f}" for r in ratios)))
    figure("CPU a request in this process", median(hub, 2), "µs", baseline=("bare pymodbus", median(base, 2)))
    figure("registers read, the sensors left out of the history", median(unrecorded, 0), "registers/s",
           baseline=("bare pymodbus, sequential reads of 10 registers", median(base, 0)),
           ratio=statistics.median([u[0] / b[0] for u, b in zip(unrecorded, base, strict=True)]),
           note=f"CPU a request {median(unrecorded, 2):.0f} µs against {median(hub, 2):.0f} µs with the history")


ABOUT = """
50 unit ids on one pymodbus TCP server in its own process (50 devices behind one gateway), 10
holding registers each, over one connection as a hub has; the server changes every register
it returns, so every poll writes 10 new states. The hub is built as `xiaoqu run` builds it,
with 500 sensors polled every 10 ms (the line is never idle): its poller batches each
device's 10 sensors into one 10-register read and every value goes through decoding and the
state machine. Baseline, same run: bare pymodbus reading the same registers back to back.
A third case is the same hub with `history: exclude: domains: [sensor]`. Median of the
runs, the cases alternating. What the hub adds per request is the decoding, the
state writes and their events, on the one event loop that also waits for the answers: on a
real line the device's answer time dominates. Every state change is also recorded by the
history (core/history: its JSON made on the event loop as the change is queued); the third
case shows that share of the hub's CPU a request (about half in a probe on 2026-12-06).
10,000–20,000 changes a second is far past any estate's sensors, and `history: exclude:` is
the setting for a site that polls that fast.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-churn", dest="churn", action="store_false", help="keep register values constant")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.churn))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
