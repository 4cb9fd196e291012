"""access.log's filters by door, card and household: read from the recorder's indexed keys, with
the answers the JSON scan gives, on a new site and on one whose log predates the index."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from typing import Any

from tests.integrations.access.conftest import CARD, estate
from xiaoqu.core.recorder import _fetch_records, _select
from xiaoqu.integrations.access import log as log_module
from xiaoqu.integrations.access.const import LOG_INDEXED, LOG_KIND
from xiaoqu.integrations.access.schema import epoch

#: (type, value, door) — 王芳's card (three ways), 李强's, 张伟's, a plate, an unknown card.
REQUESTS = [("card", CARD, "b1_east"), ("card", "11223344", "b2_east"), ("card", "162,46020", "gate_south"),
            ("plate", "沪B54321", "gate_car"), ("card", "55667788", "b2_east"), ("card", "DEADBEEF", "b1_east"),
            ("card", "0077771716", "gate_south")]
FILTERS: list[dict[str, Any]] = [
    {"door": "b1_east"}, {"door": "gate_car"}, {"door": "b1_lobby"}, {"household": "1-2-0601"},
    {"household": "9-9-9999"}, {"card": CARD}, {"card": "55667788"},
    {"door": "b2_east", "start": "2026-03-02 08:03", "end": "2026-03-02 09:00"},
    {"card": "0077771716", "limit": 2}, {"household": "2-1-0301", "start": "2026-03-02 08:00", "limit": 1},
]


async def log(hub: Any, **data: Any) -> list[dict[str, Any]]:
    return (await hub.services.call("access", "log", data, return_response=True))["records"]


def scanned(hub: Any, access: Any, data: dict[str, Any]) -> list[dict[str, Any]]:
    """What the JSON scan finds for ``data``, shown as access.log shows records."""
    field = next(name for name in ("door", "card", "household") if name in data)
    value = access.site_key.card(log_module._card(access, data[field])) if field == "card" else data[field]
    since, until = (epoch(datetime.fromisoformat(data[end]), access.tz) if end in data else None
                    for end in ("start", "end"))
    sql, params = _select(LOG_KIND, None, since, until, {field: value}, True, None, data.get("limit", 100))
    with sqlite3.connect(hub.recorder.path) as connection:
        records = _fetch_records(connection, sql, params)
    return [{"time": r.time, **r.data} for r in records]


async def decide(access: Any, clock: Any, rounds: int) -> None:
    for _ in range(rounds):
        for kind, value, door in REQUESTS:
            access.check(kind, value, door)
            clock.advance(timedelta(seconds=20))


async def assert_filters_answer_as_the_scan(hub: Any, access: Any) -> None:
    await hub.recorder.flush()
    for data in FILTERS:
        found = await log(hub, **data)
        expected = scanned(hub, access, data)
        assert [(r["door"], r["person"], r.get("card")) for r in found] == [
            (r["door"], r["person"], r.get("card")) for r in expected], data
        assert len(found) == len(expected), data


async def test_the_logs_door_card_and_household_are_indexed_and_answer_as_the_scan(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        assert hub.recorder.keys_ready(LOG_KIND) == set(LOG_INDEXED)
        await decide(access, clock, 3)

        await assert_filters_answer_as_the_scan(hub, access)
        assert await log(hub, door="b1_lobby") == []
        by_card = await log(hub, card="162,46020", limit=3)
        assert [r["person"] for r in by_card] == [people["王芳"]] * 3
        assert [r["household"] for r in await log(hub, household="2-1-0301")] == ["2-1-0301"] * 6  # 张伟 and the plate


async def test_a_log_from_before_the_index_is_back_filled_and_answers_meanwhile(tmp_path, clock) -> None:
    """A site upgraded with its log: the recorder file of version 1 (no keys) is migrated at start,
    access declares its fields, and the filters answer alike during and after the back-fill."""
    async with estate(tmp_path, clock) as (hub, access, _people):
        await decide(access, clock, 5)
        path = hub.recorder.path
    with sqlite3.connect(path) as connection:  # back to schema version 1
        connection.executescript("DROP TRIGGER records_delete_keys; DROP TABLE record_keys; "
                                 "DROP TABLE record_key_fields; PRAGMA user_version = 1;")
    connection.close()

    async with estate(tmp_path, clock) as (hub, access, _people):
        await assert_filters_answer_as_the_scan(hub, access)  # the scan, or the keys once back-filled
        await decide(access, clock, 1)
        for _ in range(500):
            if hub.recorder.keys_ready(LOG_KIND) == set(LOG_INDEXED):
                break
            await hub.recorder.flush()
        assert hub.recorder.keys_ready(LOG_KIND) == set(LOG_INDEXED)
        await assert_filters_answer_as_the_scan(hub, access)
        with sqlite3.connect(path) as connection:
            keyed = connection.execute("SELECT count(DISTINCT seq) FROM record_keys WHERE kind = 'access'").fetchone()
        assert keyed == (await hub.recorder.count(LOG_KIND),)
