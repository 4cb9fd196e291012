"""Typed keys for hub.data: a key is its name, so typed and plain lookups find one object."""
from __future__ import annotations

from pathlib import Path

from xiaoqu.core.hub import Hub, HubConfig
from xiaoqu.core.hub_data import HubData, HubKey


class Gate:
    pass


GATES = HubKey[dict[str, Gate]]("gates")
LATER = HubKey["Gate"]("gate")  # a forward reference, as a const.py writes it for a class it may not import


def test_a_key_is_its_name():
    assert isinstance(GATES, str) and GATES == "gates" and hash(GATES) == hash("gates")
    assert isinstance(LATER, HubKey) and LATER == "gate"


def test_typed_and_plain_keys_reach_the_same_value():
    data = HubData()
    gate = Gate()
    data.setdefault(GATES, {})["north"] = gate
    data[LATER] = gate
    assert data["gates"] == {"north": gate} and data.get("gate") is gate
    assert data.pop(LATER) is gate and data.get(LATER) is None


def test_the_hub_carries_hub_data(tmp_path: Path):
    assert type(Hub(HubConfig(tmp_path)).data) is HubData
