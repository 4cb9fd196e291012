"""Access decision in-process: 100,000 credentials, 10,000 households, 500 doors, 200 groups.

Targets (docs/architecture.md): p99 <= 0.5 ms and >= 10,000 decisions/s on one core.

The estate is built through the real integrations on a real hub (residents' batch writes,
access's config): 10,000 households (50 buildings x 4 units x 25 floors x 2 flats), 30,000
residents with two cards each and a face id, 10,000 cars: 100,000 credentials. 500 doors
(two per unit, a lobby per building, 40 pedestrian gates, 10 car gates) and 200 groups (a
group per building, one per unit for half the units, 40 staff departments on every door,
10 car groups) on 5 schedules with the site calendar.

Each of ``--n`` decisions is one ``Access.check`` as a reader's would be: the mix is 60%
cards (hex, decimal and Wiegand-26), 15% faces, 10% plates at car gates, 10% a card at
another building's door (denied: no group), 5% unknown cards. Each is timed alone
(``perf_counter_ns``) and includes the event fired (one listener counts them) and the
access-log record queued to the recorder, whose writer thread commits meanwhile. Baseline,
same run: the bookkeeping alone — the same events fired and the same records queued, with
no decision — so the ratio says what deciding adds to what any logged entry costs. The
garbage collector is tuned as ``xiaoqu run`` tunes it (``core/gc_tuning.py``).

    .venv/bin/python bench/access.py [--n 200000] [--dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import shlex
import statistics
import sys
import tempfile
from pathlib import Path
from time import perf_counter, perf_counter_ns
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from xiaoqu.core.gc_tuning import freeze_start_up, tune_for_hub  # noqa: E402
from xiaoqu.core.testing import running_hub  # noqa: E402
from xiaoqu.integrations.access import Access, get_access  # noqa: E402
from xiaoqu.integrations.residents import get_residents  # noqa: E402
from xiaoqu.integrations.residents.registry import FLUSH_EVERY  # noqa: E402

BUILDINGS, UNITS, FLOORS, FLATS = 50, 4, 25, 2
PER_HOUSEHOLD = 3
DEPARTMENTS = 40
SEED = 9


def site_config() -> dict[str, Any]:
    schedules = {
        "residents": {"workdays": ["05:00-24:00"], "weekends": ["00:00-24:00"]},
        "office": {"workdays": ["07:30-18:30"], "sat": ["09:00-12:00"]},
        "night": {"workdays": ["00:00-06:00", "18:00-24:00"], "weekends": ["00:00-24:00"]},
        "cars": {"workdays": ["00:00-24:00"], "weekends": ["00:00-24:00"], "holidays": ["06:00-23:00"]},
        "cleaning": {"workdays": ["06:00-10:00", "14:00-17:00"]},
    }
    groups: list[dict[str, Any]] = []
    for b in range(1, BUILDINGS + 1):
        groups.append({"id": f"b{b}", "doors": [f"b{b}_*", f"gate_{b % 40}"], "schedule": "residents",
                       "members": {"buildings": [b], "kinds": ["resident"]}})
    for b in range(1, BUILDINGS + 1):
        for u in (1, 2):
            groups.append({"id": f"b{b}_u{u}_owners", "doors": [f"b{b}_u{u}_*"], "schedule": "night",
                           "members": {"units": [f"{b}-{u}"], "roles": ["owner"]}})
    for d in range(DEPARTMENTS):
        groups.append({"id": f"dept{d}", "doors": ["*"], "schedule": "office" if d % 2 else "cleaning",
                       "members": {"kinds": ["staff"], "departments": [f"d{d}"]}})
    for c in range(10):
        groups.append({"id": f"cars{c}", "doors": [f"car_{c}"], "schedule": "cars",
                       "members": {"buildings": [b for b in range(1, BUILDINGS + 1) if b % 10 == c]}})
    assert len(groups) == 200
    return {"residents": {"encryption_key": Fernet.generate_key().decode()},
            "access": {"schedules": schedules, "groups": groups}}


def doors() -> list[tuple[str, str]]:
    found = [(f"b{b}_u{u}_{n}", "pedestrian") for b in range(1, BUILDINGS + 1) for u in range(1, UNITS + 1)
             for n in (1, 2)]
    found += [(f"b{b}_lobby", "pedestrian") for b in range(1, BUILDINGS + 1)]
    found += [(f"gate_{g}", "pedestrian") for g in range(40)] + [(f"car_{c}", "vehicle") for c in range(10)]
    assert len(found) == 500
    return found


async def populate(hub: Any, rng: random.Random) -> list[dict[str, Any]]:
    """The estate through residents' batch writes; returns the residents as the bench uses them."""
    residents = get_residents(hub)
    people: list[dict[str, Any]] = []
    serial = 0
    async with residents.batch() as batch:
        for b in range(1, BUILDINGS + 1):
            for u in range(1, UNITS + 1):
                for floor in range(1, FLOORS + 1):
                    for flat in range(1, FLATS + 1):
                        household = f"{b}-{u}-{floor:02d}{flat:02d}"
                        residents.stage_household(batch, household, None)
                        for n in range(PER_HOUSEHOLD):
                            cards = []
                            for _ in range(2):
                                serial += 1
                                cards.append(f"{rng.getrandbits(8) << 24 | serial:08X}")
                            person = residents.stage_person(batch, None, {
                                "kind": "resident", "name": f"住户{serial}", "household": household,
                                "role": ("owner", "family", "tenant")[n], "cards": cards, "face_id": f"F{serial:07d}"})
                            people.append({"id": person.id, "building": b, "cards": cards, "face": f"F{serial:07d}"})
                        plate = f"沪{'ABCDEFGHJK'[b % 10]}{len(people):05d}"
                        residents.stage_vehicle(batch, plate, household)
                        people[-1]["plate"] = (plate, f"car_{b % 10}")
                        if len(batch) >= FLUSH_EVERY:
                            await batch.flush()
    return people


def requests(people: list[dict[str, Any]], n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    with_cars = [p for p in people if "plate" in p]
    found: list[tuple[str, str, str]] = []
    for _ in range(n):
        person = rng.choice(people)
        own_door = f"b{person['building']}_u{rng.randint(1, UNITS)}_{rng.randint(1, 2)}"
        roll = rng.random()
        if roll < 0.60:
            uid = int(rng.choice(person["cards"]), 16)
            form = rng.random()
            value = f"{uid:08X}" if form < 0.6 else f"{uid:010d}" if form < 0.8 else f"{uid >> 16 & 0xFF},{uid & 0xFFFF}"
            found.append(("card", value, own_door))
        elif roll < 0.75:
            found.append(("face", person["face"], own_door))
        elif roll < 0.85:
            plate, gate = rng.choice(with_cars)["plate"]
            found.append(("plate", plate, gate))
        elif roll < 0.95:
            other = person["building"] % BUILDINGS + 1
            found.append(("card", person["cards"][0], f"b{other}_u1_1"))
        else:
            found.append(("card", f"{rng.getrandbits(32) | 1 << 31:08X}", own_door))
    return found


def percentile(values: list[int], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))] / 1000.0


async def decide_all(access: Access, reqs: list[tuple[str, str, str]]) -> tuple[list[int], float, int]:
    timings: list[int] = []
    granted = 0
    started = perf_counter()
    for index, (kind, value, door) in enumerate(reqs):
        t0 = perf_counter_ns()
        decision = access.check(kind, value, door)
        timings.append(perf_counter_ns() - t0)
        granted += decision.granted
        if index % 1000 == 999:
            await asyncio.sleep(0)
    return timings, perf_counter() - started, granted


async def bookkeeping_only(hub: Any, access: Access, reqs: list[tuple[str, str, str]]) -> tuple[list[int], float]:
    """The baseline: each entry's event and log record with no decision made."""
    sample = access.check(*reqs[0])
    data, event, subject = sample.log_data(), sample.event_data(), sample.subject
    timings: list[int] = []
    started = perf_counter()
    for index in range(len(reqs)):
        t0 = perf_counter_ns()
        hub.bus.fire("access_granted", event)
        hub.recorder.record("access", data, subject=subject)
        timings.append(perf_counter_ns() - t0)
        if index % 1000 == 999:
            await asyncio.sleep(0)
    return timings, perf_counter() - started


async def main(n: int, directory: Path) -> None:
    rng = random.Random(SEED)
    tune_for_hub()  # as `xiaoqu run` collects garbage
    async with running_hub(directory, site_config()) as hub:
        access = get_access(hub)
        for door, kind in doors():
            access.register_door(door, kind)
        t0 = perf_counter()
        people = await populate(hub, rng)
        built = perf_counter() - t0
        residents = get_residents(hub)
        credentials = sum(len(p.cards) + 1 for p in residents.persons()) + len(list(residents.vehicles()))
        households = len(list(residents.households()))
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"estate: {households:,} households, {credentials:,} credentials (cards, faces, plates), "
              f"{len(access.doors)} doors, {len(access.groups.by_id)} groups; built in {built:.1f} s; "
              f"peak RSS {rss:.0f} MB")
        counted = [0]
        hub.bus.listen("access_granted", lambda event: counted.__setitem__(0, counted[0] + 1))
        hub.bus.listen("access_denied", lambda event: counted.__setitem__(0, counted[0] + 1))
        reqs = requests(people, n, rng)
        await decide_all(access, reqs[: n // 10])  # warm the caches and the allocator
        await hub.recorder.flush()
        gc.collect()
        freeze_start_up()
        timings, elapsed, granted = await decide_all(access, reqs)
        await hub.recorder.flush()
        base, base_elapsed = await bookkeeping_only(hub, access, reqs)
        await hub.recorder.flush()
        timings.sort()
        base.sort()
        p50, p99 = percentile(timings, 0.50), percentile(timings, 0.99)
        print(f"decisions: {n:,} ({granted / n:.0%} granted), {n / elapsed:,.0f} decisions/s on one core; "
              f"p50 {p50:.1f} us, p99 {p99:.1f} us, max {timings[-1] / 1000:.0f} us, "
              f"mean {statistics.fmean(timings) / 1000:.1f} us")
        print(f"baseline (event + log record, no decision): p50 {percentile(base, 0.5):.1f} us, "
              f"p99 {percentile(base, 0.99):.1f} us, {n / base_elapsed:,.0f}/s; "
              f"a decision costs {statistics.fmean(timings) / statistics.fmean(base):.1f}x the bookkeeping")
        verdict = "met" if p99 <= 500 and n / elapsed >= 10_000 else "MISSED"
        print(f"target p99 <= 500 us and >= 10,000/s: {verdict}")
    print("command: .venv/bin/python bench/access.py " + shlex.join(sys.argv[1:]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    if args.dir is None:
        with tempfile.TemporaryDirectory(prefix="bench-access-") as tmp:
            asyncio.run(main(args.n, Path(tmp)))
    else:
        args.dir.mkdir(parents=True, exist_ok=True)
        asyncio.run(main(args.n, args.dir))
