"""The audit log keeps every record, redacted, whatever the details hold."""
from __future__ import annotations

import logging

from xiaoqu.core.auth import Actor, audit, get_access
from xiaoqu.core.auth.audit import REDACTED, TOO_DEEP
from xiaoqu.core.bus import Context
from xiaoqu.core.testing import running_hub

HUB = Actor("hub", "test")


class Hostile:
    """What a plugin could pass as a detail: an object that cannot be shown at all."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    __repr__ = __str__


class HostileMapping(dict):
    def items(self):
        raise RuntimeError("no items")


def _nested(depth: int, leaf: object) -> dict:
    """``{"a": {"a": ... leaf}}``, ``depth`` levels, built without recursion."""
    root: dict = {}
    node = root
    for _ in range(depth - 1):
        node["a"] = {}
        node = node["a"]
    node["a"] = leaf
    return root


async def _records(hub, act: str) -> list[dict]:
    await hub.recorder.flush()
    return [record.data for record in await hub.recorder.query(audit.KIND, where={"act": act})]


async def test_a_100000_deep_detail_is_recorded_cut_without_a_traceback(tmp_path, caplog) -> None:
    async with running_hub(tmp_path, {}) as hub:
        caplog.set_level(logging.DEBUG)
        caplog.clear()  # what the hub said when it started
        get_access(hub).record("card_refunded", None, data=_nested(100_000, "secret-leaf"), password="hunter2")
        (record,) = await _records(hub, "card_refunded")
    assert record["password"] == REDACTED
    node, depth = record["data"], 1
    while isinstance(node, dict):
        node, depth = node["a"], depth + 1
    assert node == TOO_DEEP and depth < 100
    assert "Traceback" not in caplog.text and "secret-leaf" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_service_call_with_deep_data_is_audited_and_runs(tmp_path, caplog) -> None:
    async with running_hub(tmp_path, {}) as hub:
        calls = []
        hub.services.register("vault", "store", calls.append)
        admin = await get_access(hub).manager.add_user("boss", "admin", None, HUB)
        await hub.services.call("vault", "store", _nested(100_000, 1), context=Context(user_id=admin.id))
        (record,) = await _records(hub, "service_call")
    assert len(calls) == 1 and record["service"] == "vault.store" and record["by"] == "boss"
    assert "Traceback" not in caplog.text


async def test_hostile_details_are_recorded_and_secrets_stay_redacted(tmp_path) -> None:
    async with running_hub(tmp_path, {}) as hub:
        get_access(hub).record("footage_viewed", None, camera=Hostile(), extra=HostileMapping(pin="1234"),
                               nested={"token": "xq_secret", "items": [Hostile(), 1]}, big="x" * 100_000,
                               many=list(range(100_000)))
        (record,) = await _records(hub, "footage_viewed")
    assert record["camera"] == "<unwritable Hostile>" and record["extra"] == "<unwritable HostileMapping>"
    assert record["nested"] == {"token": REDACTED, "items": ["<unwritable Hostile>", 1]}
    assert len(record["big"]) <= audit.MAX_TEXT + 1
    assert len(record["many"]) <= audit.MAX_ITEMS + 1 and record["many"][-1].endswith("more left out>")


async def test_the_record_is_written_even_if_its_details_cannot_be(tmp_path, monkeypatch, caplog) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("redaction broke")

    monkeypatch.setattr(audit, "jsonable", broken)
    async with running_hub(tmp_path, {}) as hub:
        get_access(hub).record("card_refunded", None, card="C-1", password="hunter2")
        (record,) = await _records(hub, "card_refunded")
    assert record["act"] == "card_refunded" and record["by"] is None
    assert "RuntimeError" in record["error"] and "card" not in record and "hunter2" not in str(record)
    assert "hunter2" not in caplog.text
