"""POS charges through Mosquitto: 20 terminals at once over 100,000 cards, against a bare echo.

The hub (in this process) runs residents, access, door, mqtt and cards with 20 shop terminals;
the estate is 50,000 residents with two cards each on the office's sheet, every card recharged
¥1,000.00 through the card centre's wallet. The terminals are a process of their own
(bench/_pos_terminals.py): 20 MQTT connections, each with one sale open at a time (as a real
terminal), charging 100 fen to cards in turn for ``--seconds``; each round trip
``pos/<id>/charge`` → ``pos/<id>/result`` is timed. Baseline, same broker, same run: the same
20 terminals against a bare aiomqtt echo that answers each charge as the hub does, under
another topic root. The cases alternate for ``--rounds``. Each round runs them twice: with
sales back to back (the most 20 terminals push through: the rate, and its latency) and paced,
a sale every ``--pace`` seconds a terminal (a till with customers: the latency a cashier sees).

Checked after the run: every request answered (0 lost acknowledgements), the ledger's POS
charges equal the "ok" answers and the cards' balances fell by exactly their sum (0 double
charges), ``Ledger.verify()`` finds no difference.

Loss: ``--losses`` times, a card is reported lost (``cards.report_loss``) and at once charged
at a terminal and presented at a door's reader; timed from the report until both refusals
reached the devices. Target: p99 ≤ 1 s.

    .venv/bin/python bench/cards.py [--seconds 5] [--pace 0.1] [--rounds 3] [--terminals 20] [--losses 50]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiomqtt  # noqa: E402
from _report import figure, note, section  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from bench.access import pct  # noqa: E402
from tests.fixtures_mqtt import BrokerProcess, mosquitto_available  # noqa: E402
from xiaoqu.core.gc_tuning import freeze_start_up, tune_for_hub  # noqa: E402
from xiaoqu.core.testing import running_hub  # noqa: E402
from xiaoqu.integrations import mqtt  # noqa: E402
from xiaoqu.integrations.cards import get_cards  # noqa: E402
from xiaoqu.integrations.residents import get_residents  # noqa: E402
from xiaoqu.integrations.residents.registry import FLUSH_EVERY  # noqa: E402

TERMINALS = str(Path(__file__).resolve().parent / "_pos_terminals.py")
ECHO_ROOT = "bench/echo"
PERSONS, CARDS_EACH = 50_000, 2
FUNDS = 100_000


def site_config(broker: BrokerProcess, terminals: int) -> dict[str, Any]:
    return {
        "mqtt": broker.hub_config(),
        "residents": {"encryption_key": Fernet.generate_key().decode()},
        "access": {"groups": [{"id": "all", "doors": ["*"], "members": {"kinds": ["resident"]}}]},
        "door": {"doors": [{"id": "gate"}]},
        "cards": {"pos": {"terminals": [{"id": f"t{i}", "kind": "shop"} for i in range(terminals)]}},
    }


async def populate(hub: Any) -> list[str]:
    """The residents and their cards, each card funded; returns the UIDs."""
    residents = get_residents(hub)
    uids: list[str] = []
    async with residents.batch() as batch:
        for n in range(PERSONS):
            household = f"{n // 1000 + 1}-1-{n % 1000:04d}"
            residents.stage_household(batch, household, None)
            cards = [f"{0x10000000 + n * CARDS_EACH + k:08X}" for k in range(CARDS_EACH)]
            residents.stage_person(batch, None, {"kind": "resident", "name": f"住户{n}", "household": household,
                                                 "role": "owner", "cards": cards})
            uids += cards
            if len(batch) >= FLUSH_EVERY:
                await batch.flush()
    wallet = get_cards(hub).wallet
    for start in range(0, len(uids), 2_000):
        await asyncio.gather(*(wallet.recharge(uid, FUNDS, f"bench-{uid}", "cash", {})
                               for uid in uids[start:start + 2_000]))
    return uids


async def run_terminals(port: int, root: str, cards: Path, terminals: int, seconds: float,
                        pace: float) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(sys.executable, TERMINALS, str(port), root, str(cards),
                                                str(terminals), str(seconds), str(pace), stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    found: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return found


async def echo_case(broker: BrokerProcess, cards: Path, terminals: int, seconds: float, pace: float) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(sys.executable, TERMINALS, "echo", str(broker.port), ECHO_ROOT,
                                                stdout=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        if (await proc.stdout.readline()).strip() != b"ready":
            raise RuntimeError("the echo did not start")
        return await run_terminals(broker.port, ECHO_ROOT, cards, terminals, seconds, pace)
    finally:
        proc.kill()
        await proc.wait()


def line(name: str, run: dict[str, Any]) -> str:
    rate = len(run["times"]) / run["elapsed"]
    return (f"{name}: {rate:,.0f} charges/s, p50 {pct(run['times'], 50):.2f} p99 {pct(run['times'], 99):.2f} "
            f"max {max(run['times']):.2f} ms; answered {len(run['times']):,}/{run['sent']:,}, "
            f"ok {run['ok']:,}, declined {run['declined']:,}, unanswered {run['unanswered']}")


async def ledger_check(hub: Any, uids: list[str], oks: int) -> tuple[str, bool]:
    cards = get_cards(hub)
    charges = 0
    async for transaction in cards.wallet.ledger.transactions("charge"):
        charges += transaction.id.startswith("pos:")
    spent = sum(FUNDS - cards.wallet.balance(uid) for uid in uids)
    differences = await cards.wallet.ledger.verify()
    ok = charges == oks and spent == oks * 100 and not differences
    return (f"ledger: {charges:,} POS charges for {oks:,} ok answers, cards down by {spent:,} fen "
            f"(= {oks:,} x 100: {spent == oks * 100}), verify() differences {len(differences)}: "
            f"{'0 double charges' if ok else 'MISMATCH'}"), ok


async def losses(hub: Any, broker: BrokerProcess, uids: list[str], n: int) -> list[float]:
    """Report a card lost, then charge it and present it at once; seconds until both refusals."""
    root = mqtt.topic_root(hub)
    times: list[float] = []
    async with aiomqtt.Client("127.0.0.1", broker.port) as client:
        await client.subscribe(f"{root}/pos/t0/result", qos=1)
        await client.subscribe(f"{root}/reader/gate/result", qos=1)
        messages = client.messages.__aiter__()
        for i in range(n):
            uid = uids[-1 - i]
            t0 = time.perf_counter()
            await hub.services.call("cards", "report_loss", {"card": uid, "reason": "bench"}, blocking=True)
            request_id = f"loss-{i}"
            await client.publish(f"{root}/pos/t0/charge", json.dumps({"request_id": request_id, "card": uid,
                                                                      "amount": 100}), qos=1)
            await client.publish(f"{root}/reader/gate/credential", json.dumps({"request_id": request_id,
                                                                               "type": "card", "value": uid}), qos=1)
            refused = 0
            while refused < 2:
                answer = json.loads((await asyncio.wait_for(messages.__anext__(), 5)).payload)
                if answer.get("request_id") == request_id:
                    assert answer.get("ok", answer.get("granted")) is False, answer
                    refused += 1
            times.append(time.perf_counter() - t0)
    return times


async def main(args: argparse.Namespace) -> None:
    tune_for_hub()
    with tempfile.TemporaryDirectory(prefix="bench-cards-") as tmp:
        directory = Path(tmp)
        with BrokerProcess.create(directory / "broker", "mosquitto") as broker:
            site = directory / "site"
            site.mkdir()
            async with running_hub(site, site_config(broker, args.terminals)) as hub:
                t0 = time.perf_counter()
                uids = await populate(hub)
                print(f"estate: {len(uids):,} cards on {PERSONS:,} residents, each funded ¥{FUNDS // 100:,}; "
                      f"built in {time.perf_counter() - t0:.1f} s", flush=True)
                cards_file = directory / "cards.txt"
                cards_file.write_text("\n".join(uids[: len(uids) - args.losses]), encoding="utf-8")
                await mqtt.wait_connected(hub)
                await mqtt.get(hub).client.wait_subscribed()
                freeze_start_up()
                runs: dict[str, list[dict[str, Any]]] = {"echo": [], "hub": [], "echo paced": [], "hub paced": []}
                for r in range(args.rounds):
                    for pace in (0.0, args.pace):
                        for case in (("echo", "hub") if r % 2 == 0 else ("hub", "echo")):
                            run = await (echo_case(broker, cards_file, args.terminals, args.seconds, pace)
                                         if case == "echo" else
                                         run_terminals(broker.port, mqtt.topic_root(hub), cards_file, args.terminals,
                                                       args.seconds, pace))
                            key = f"{case} paced" if pace else case
                            runs[key].append(run)
                            print(f"  round {r + 1} {line(key, run)}", flush=True)
                rates = {key: [len(run["times"]) / run["elapsed"] for run in found] for key, found in runs.items()}
                p99s = {key: [pct(run["times"], 99) for run in found] for key, found in runs.items()}
                hub_rate, echo_rate = statistics.median(rates["hub"]), statistics.median(rates["echo"])
                hub_p99 = statistics.median(p99s["hub"])
                print(f"{args.terminals} terminals, one sale open each, {args.seconds:g} s x {args.rounds} rounds "
                      f"(median): hub {hub_rate:,.0f} charges/s p99 {hub_p99:.2f} ms; bare echo {echo_rate:,.0f}/s "
                      f"p99 {statistics.median(p99s['echo']):.2f} ms; hub/echo {hub_rate / echo_rate:.0%}")
                print(f"paced, a sale every {args.pace:g} s a terminal (median): hub p99 "
                      f"{statistics.median(p99s['hub paced']):.2f} ms, bare echo p99 "
                      f"{statistics.median(p99s['echo paced']):.2f} ms")
                hub_runs = runs["hub"] + runs["hub paced"]
                lost = sum(run["unanswered"] + run["sent"] - len(run["times"]) for run in hub_runs)
                print(f"lost acknowledgements: {lost}")
                checked, balanced = await ledger_check(hub, uids, sum(run["charged"] for run in hub_runs))
                print(checked)
                met = hub_rate >= 0.5 * echo_rate and hub_rate >= 500 and hub_p99 <= 20 and lost == 0
                print(f"target ≥ 50% of the echo, ≥ 500/s, p99 ≤ 20 ms: {'met' if met else 'MISSED'}", flush=True)
                loss = await losses(hub, broker, uids, args.losses)
                print(f"lost card refused at a POS and a reader: {len(loss)} reports, from the report until both "
                      f"refusals p50 {pct(loss, 50) * 1000:.1f} ms, p99 {pct(loss, 99) * 1000:.1f} ms, max "
                      f"{max(loss) * 1000:.1f} ms; target p99 ≤ 1 s: {'met' if pct(loss, 99) <= 1 else 'MISSED'}")
                report(args, runs, lost, balanced, loss)
    print("command: .venv/bin/python bench/cards.py " + shlex.join(sys.argv[1:]))


ABOUT = """\
100,000 cards on 50,000 residents, every card funded. 20 POS terminals (one MQTT connection
each, one sale open at a time, as a real terminal) in a process of their own charge 100 fen to
cards in turn through Mosquitto; each request → result is timed: the hub decides the charge,
commits it to the ledger (`synchronous=FULL`) and answers. Baseline in the same run: the same
20 terminals against a bare aiomqtt echo answering each charge as the hub does, on the same
broker. Each round runs both twice: sales back to back (the most 20 terminals push through)
and paced, a sale every 0.1 s a terminal (200 charges/s in all: the latency a cashier sees).
The cases alternate for the rounds; medians of the rounds. Checked after: every
request answered, the ledger's POS charges equal the "ok" answers and the balances fell by
exactly their sum (0 double charges). Then cards reported lost (`cards.report_loss`) and at
once presented at a POS and a door's reader: timed until both refusals reach the devices."""
P99_MISSED = (
    "Cause: with sales back to back, 20 terminals keep 20 requests open at all times, so the mean latency is "
    "20 / the rate (Little's law: {mean:.1f} ms at this run's rate) and the p99 a multiple of it: the figure "
    "measures throughput, and the bare echo's own p99 is {echo:.1f} ms in the same run. Plan: the paced figure "
    "below is the latency a till sees; raising the rate (the ledger's commit per group, the hub's answer path) "
    "is what lowers this one.")
ABSOLUTE_MISSED = (
    "Cause: the bare echo itself answered {echo:,.0f} charges/s in the same run and the hub {share:.0%} of that: "
    "below 500/s the echo's own rate says how much of the machine the run had. Plan: measure on a quiet machine; "
    "if the hub stays under 500/s while the echo is well over 1,000/s, profile the charge path.")


def paced_missed(hub: float, echo: float) -> str:
    """Why the paced p99 is over 20 ms: the machine's when the bare echo is over it too, else the hub's."""
    if echo > 20:
        return (f"Cause: at a till's pace the bare echo's own p99 was {echo:.1f} ms in the same run (the hub's "
                f"{hub:.1f} ms, {hub / echo:.2f}× it): the tail is the machine's as much as the hub's. Plan: measure on "
                "a quiet machine; if the hub's p99 stays over 20 ms while the echo's is well under, profile the hub "
                "during the paced rounds (decision, ledger commit, answer).")
    return (f"Cause: at a till's pace the hub's p99 is {hub:.1f} ms while the bare echo's is {echo:.1f} ms in the same "
            "run: the hub's own path. Plan: profile the hub during the paced rounds (decision, ledger commit, answer) "
            "and cut the largest part.")


def report(args: argparse.Namespace, runs: dict[str, list[dict[str, Any]]], lost: int, balanced: bool,
           loss: list[float]) -> None:
    """The figures for docs/benchmarks.md."""
    section("One-card POS", about=ABOUT, command=".venv/bin/python bench/cards.py " + shlex.join(sys.argv[1:]))
    rate = {key: statistics.median(len(run["times"]) / run["elapsed"] for run in found) for key, found in runs.items()}
    p99 = {key: statistics.median(pct(run["times"], 99) for run in found) for key, found in runs.items()}
    p50 = {key: statistics.median(pct(run["times"], 50) for run in found) for key, found in runs.items()}
    echo = f"bare aiomqtt echo, same {args.terminals} terminals"
    share = rate["hub"] / rate["echo"]
    figure(f"charges through Mosquitto, {args.terminals} terminals", rate["hub"], "charges/s",
           baseline=(echo, rate["echo"]), target="≥ 50 % of the echo", met=share >= 0.5,
           if_missed="" if share >= 0.5 else "Cause: the hub's charge path is slower than half the echo's in this "
           "run. Plan: profile the hub during the rounds (decision, ledger commit, answer).")
    figure("charges through Mosquitto, absolute", rate["hub"], "charges/s", target="≥ 500/s", met=rate["hub"] >= 500,
           if_missed="" if rate["hub"] >= 500 else ABSOLUTE_MISSED.format(echo=rate["echo"], share=share))
    figure("request → result, p50, sales back to back", p50["hub"], "ms", baseline=(echo, p50["echo"]))
    figure("request → result, p99, sales back to back", p99["hub"], "ms", baseline=(echo, p99["echo"]),
           target="≤ 20 ms", met=p99["hub"] <= 20,
           if_missed="" if p99["hub"] <= 20 else P99_MISSED.format(echo=p99["echo"], mean=20_000 / rate["hub"]))
    paced = f"paced, a sale every {args.pace:g} s a terminal ({args.terminals / args.pace:,.0f}/s in all)"
    figure(f"request → result, p50, {paced}", p50["hub paced"], "ms", baseline=(echo, p50["echo paced"]))
    figure(f"request → result, p99, {paced}", p99["hub paced"], "ms", baseline=(echo, p99["echo paced"]),
           target="≤ 20 ms", met=p99["hub paced"] <= 20, if_missed="" if p99["hub paced"] <= 20 else
           paced_missed(p99["hub paced"], p99["echo paced"]))
    figure("lost acknowledgements", lost, "", target="0", met=lost == 0,
           if_missed="" if lost == 0 else "Cause: requests unanswered within 10 s. Plan: find them in the hub's "
           "log by request id and make a test of the case.")
    figure("double charges (ledger against the answers, `verify()`)", 0 if balanced else 1, "", target="0",
           met=balanced, if_missed="" if balanced else "Cause: the ledger and the answers disagree. "
           "Plan: a failing test with this bench's requests, before anything else.")
    figure(f"a lost card refused at a POS and a reader, p99 of {len(loss)}", pct(loss, 99) * 1000, "ms",
           target="≤ 1 s", met=pct(loss, 99) <= 1, if_missed="" if pct(loss, 99) <= 1 else
           "Cause: the loss reached the devices late. Plan: time each step of report_loss.")
    note(f"{args.terminals} terminals, {args.seconds:g} s × {args.rounds} rounds of each case and pace, alternating; "
         "the hub is in the bench's own process, with Mosquitto, the terminals and (in the baseline) the echo in "
         "their own.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of charging per run")
    parser.add_argument("--pace", type=float, default=0.1,
                        help="seconds between a terminal's sales in the paced runs (0.1: 200 charges/s in all)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each case, alternating")
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--losses", type=int, default=50, help="cards reported lost, each timed")
    arguments = parser.parse_args()
    if not mosquitto_available():
        raise SystemExit("bench/cards.py measures through Mosquitto; install it (apt-get install mosquitto)")
    asyncio.run(main(arguments))
