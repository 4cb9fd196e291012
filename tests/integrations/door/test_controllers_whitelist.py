"""What a controller should hold, version by version: deltas of what changed, catching up from
the history or with the full list, and 100,000 entries cut into messages a broker takes."""
from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from xiaoqu.integrations.door.controller_whitelist import CHUNK_BYTES, HISTORY_VERSIONS, Expected, messages
from xiaoqu.integrations.mqtt.device_protocol import load_schema
from xiaoqu.integrations.simulator.controllers import Whitelist

SCHEDULES = {"residents": {"windows": [[0, "06:00", "23:00"]], "holiday_windows": [], "make_up_windows": []}}


def card(n: int) -> str:
    return f"card:{n:08X}"


def whitelist(*numbers: int, schedules: dict | None = None) -> dict:
    return {"schedules": SCHEDULES if schedules is None else schedules, "holidays": ["2026-10-01"], "workdays": [],
            "entries": {card(n): {"doors": {"d1": "residents"}, "from": None, "until": None, "person": f"P{n:06d}"}
                        for n in numbers}}


def test_a_version_for_each_change_that_touches_the_controller():
    expected = Expected("c1", frozenset({"d1"}))
    expected.load(whitelist(1, 2), stored_version=40)
    assert (expected.version, expected.count) == (41, 2), "a list unlike the stored one is a new version"
    assert not expected.update(whitelist(1, 2), {card(1)}), "an entry unchanged is no change"
    assert expected.version == 41
    change = expected.update(whitelist(1, 2, 3), {card(3), card(9)})
    assert (change.keys, change.meta, expected.version, expected.count) == (frozenset({card(3)}), False, 42, 3)
    change = expected.update(whitelist(1, 3, schedules={}), None)
    assert (change.keys, change.meta, expected.version) == (frozenset({card(2)}), True, 43)
    missed = expected.missed_since(41)
    assert missed is not None and missed.keys == {card(2), card(3)} and missed.meta
    assert expected.missed_since(40) is None, "older than the history: the full list"
    assert expected.missed_since(44) is None, "a version this hub never gave: the full list"

    again = Expected("c1", frozenset({"d1"}))
    again.load(whitelist(1, 3, schedules={}), stored_version=43, stored_digest=expected.digest)
    assert again.version == 43, "after a restart, the same list keeps its version"


def test_the_history_is_bounded():
    expected = Expected("c1", frozenset({"d1"}))
    expected.load(whitelist(), stored_version=0)
    for n in range(HISTORY_VERSIONS + 5):
        expected.update(whitelist(*range(n + 1)), {card(n)})
    assert len(expected.history) == HISTORY_VERSIONS
    assert expected.missed_since(3) is None and expected.missed_since(expected.version - 2) is not None


def test_a_hundred_thousand_entries_are_chunks_a_broker_takes_and_a_controller_reassembles():
    big = whitelist(*range(100_000))
    meta = {key: big[key] for key in ("schedules", "holidays", "workdays")}
    payloads = messages(version=7, count=100_000, entries=big["entries"], meta=meta, tz="Asia/Shanghai")
    assert len(payloads) > 100
    assert max(len(p.encode()) for p in payloads) <= CHUNK_BYTES + 1024
    parts = [json.loads(p) for p in payloads]
    validator = Draft202012Validator(load_schema("controller_whitelist"))
    for part in (parts[0], parts[1], parts[-1]):
        assert not list(validator.iter_errors(part))
    assert [p["chunk"] for p in parts] == list(range(len(parts))) and {p["chunks"] for p in parts} == {len(parts)}
    assert "schedules" in parts[0] and "schedules" not in parts[1]

    controller = Whitelist()
    assert controller.apply(parts)
    assert controller.version == 7 and controller.entries == big["entries"] and controller.schedules == SCHEDULES

    delta = messages(version=8, count=99_999, base=7, entries={card(100_000): big["entries"][card(0)]},
                     remove=[card(0), card(1)], meta=None, tz="Asia/Shanghai")
    assert controller.apply([json.loads(p) for p in delta])
    assert controller.version == 8 and len(controller.entries) == 99_999 and card(0) not in controller.entries
