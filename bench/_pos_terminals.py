"""bench/cards.py's terminals: N POS terminals on their own connections, each charging in turn.

    python bench/_pos_terminals.py PORT ROOT CARDS_FILE TERMINALS SECONDS [PACE]
    python bench/_pos_terminals.py echo PORT ROOT

Each terminal ``t<i>`` sends ``pos/t<i>/charge`` (QoS 1) with a fresh request id, a card from
the file (one UID a line, taken in turn) and 100 fen, waits for its ``pos/t<i>/result`` and
sends the next, for ``SECONDS`` after a warm-up: a real terminal has one sale open at a time.
With ``PACE`` (seconds) a terminal starts a sale at most every PACE seconds, as a till with
customers does; without, back to back: the most the terminals can push through.
Prints one JSON object: the latencies (ms), answers by outcome, requests sent and unanswered.
Only aiomqtt and the standard library: the instrument must not carry the hub's garbage.
"""
from __future__ import annotations

import asyncio
import gc
import json
import socket
import sys
import time
from pathlib import Path
from typing import Any

import aiomqtt

NODELAY = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
WARM_UP = 1.0
RUN = f"{time.time_ns():x}"
ANSWER_TIMEOUT = 10.0


async def terminal(port: int, root: str, name: str, cards: list[str], offset: int, seconds: float, pace: float,
                   out: dict[str, Any]) -> None:
    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY, identifier=f"bench-{name}") as client:
        await client.subscribe(f"{root}/pos/{name}/result", qos=1)
        messages = client.messages.__aiter__()
        n = 0
        started = time.perf_counter()
        measuring_from = started + WARM_UP
        if pace:
            await asyncio.sleep(pace * offset / len(cards))  # paced terminals spread over the period
        while (now := time.perf_counter()) < measuring_from + seconds:
            n += 1
            request_id = f"{name}-{RUN}-{n}"  # each run its own ids: a repeat would be the same charge
            card = cards[(offset + n) % len(cards)]
            sent = time.perf_counter()
            await client.publish(f"{root}/pos/{name}/charge",
                                 json.dumps({"request_id": request_id, "card": card, "amount": 100}), qos=1)
            out["sent"] += now >= measuring_from
            try:
                while True:
                    message = await asyncio.wait_for(messages.__anext__(), ANSWER_TIMEOUT)
                    answer = json.loads(message.payload)  # type: ignore[arg-type]
                    if answer.get("request_id") == request_id:
                        break
            except TimeoutError:
                out["unanswered"] += 1
                continue
            out["charged"] += answer.get("ok") is True  # warm-up included: the ledger holds those too
            if now >= measuring_from:
                out["times"].append((time.perf_counter() - sent) * 1000)
                out["ok" if answer.get("ok") else "declined"] += 1
            if pace:
                await asyncio.sleep(max(0.0, sent + pace - time.perf_counter()))


async def main(port: int, root: str, cards: list[str], count: int, seconds: float, pace: float) -> None:
    out: dict[str, Any] = {"times": [], "ok": 0, "declined": 0, "sent": 0, "unanswered": 0, "charged": 0}
    gc.freeze()
    t0 = time.perf_counter()
    await asyncio.gather(*(terminal(port, root, f"t{i}", cards, i * len(cards) // count, seconds, pace, out)
                           for i in range(count)))
    out["elapsed"] = time.perf_counter() - t0 - WARM_UP
    print(json.dumps(out))


async def echo(port: int, root: str) -> None:
    """The baseline's hub side: bare aiomqtt answering each charge as the hub's handler does."""
    async with aiomqtt.Client("127.0.0.1", port, socket_options=NODELAY) as client:
        client.pending_calls_threshold = 1000
        await client.subscribe(f"{root}/pos/+/charge", qos=1)
        print("ready", flush=True)
        pending: set[asyncio.Task[None]] = set()
        async for message in client.messages:
            request = json.loads(message.payload)  # type: ignore[arg-type]
            device_id = message.topic.value.split("/")[-2]
            body = {"request_id": request["request_id"], "ok": True, "balance_fen": 0, "balance": 0,
                    "amount_fen": request["amount"], "transaction_id": f"pos:{device_id}:{request['request_id']}",
                    "reason": "charged ¥1.00", "rule": "pos:charged"}
            task = asyncio.get_running_loop().create_task(
                client.publish(f"{root}/pos/{device_id}/result", json.dumps(body), qos=1))
            pending.add(task)
            task.add_done_callback(pending.discard)


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        asyncio.run(echo(int(sys.argv[2]), sys.argv[3]))
    else:
        uids = Path(sys.argv[3]).read_text(encoding="utf-8").split()
        pace = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
        asyncio.run(main(int(sys.argv[1]), sys.argv[2], uids, int(sys.argv[4]), float(sys.argv[5]), pace))
