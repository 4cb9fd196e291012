"""A hub with ``xiaoqu: database:`` keeps its recorder on PostgreSQL, in its site's schema: the
access log's filters (read from the indexed keys) answer as the JSON scan does there, nothing of
the history is in the data dir, and the log is there after a restart."""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.fixtures_postgresql import URL, schema_name
from tests.integrations.access.conftest import config, populate
from tests.integrations.access.test_log import FILTERS, decide, log
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub
from xiaoqu.core.recorder import _fetch_records, _select
from xiaoqu.core.recorder_backends import PostgreSQL
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.access import Access, get_access
from xiaoqu.integrations.access import log as log_module
from xiaoqu.integrations.access.const import LOG_INDEXED, LOG_KIND
from xiaoqu.integrations.access.schema import epoch


@asynccontextmanager
async def estate(tmp_path: Path, clock: ManualClock, site: str) -> AsyncIterator[tuple[Hub, Access]]:
    """The access tests' estate (tests/integrations/access), its site on the test server."""
    async with running_hub(tmp_path, {**config(), "xiaoqu": {"site": site, "database": URL}}, clock=clock) as hub:
        await populate(hub)
        access = get_access(hub)
        for door, kind in (("b1_east", "pedestrian"), ("b2_east", "pedestrian"), ("gate_south", "pedestrian"),
                           ("gate_car", "vehicle")):
            access.register_door(door, kind)
        yield hub, access


async def scanned(hub: Any, access: Any, data: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What the JSON scan finds for ``data`` on the hub's own backend."""
    field = next(name for name in ("door", "card", "household") if name in data)
    value = access.site_key.card(log_module._card(access, data[field])) if field == "card" else data[field]
    since, until = (epoch(datetime.fromisoformat(data[end]), access.tz) if end in data else None
                    for end in ("start", "end"))
    sql, params = _select(LOG_KIND, None, since, until, {field: value}, True, None, data.get("limit", 100),
                          backend=hub.recorder.backend)
    assert "record_keys" not in sql
    return [(r.data["door"], r.data["person"], r.data.get("card")) for r in await hub.recorder._read(
        _fetch_records, sql, params)]


async def test_the_access_log_lives_in_the_sites_schema_and_answers_as_on_sqlite(
    tmp_path: Path, clock: ManualClock
) -> None:
    import psycopg

    with schema_name("xiaoqu_site") as schema:
        site = schema.removeprefix("xiaoqu_")
        async with estate(tmp_path, clock, site) as (hub, access):
            assert isinstance(hub.recorder.backend, PostgreSQL) and hub.recorder.backend.schema == schema
            assert hub.recorder.keys_ready(LOG_KIND) == set(LOG_INDEXED)
            await decide(access, clock, 3)
            await hub.recorder.flush()
            for data in FILTERS:
                found = await log(hub, **data)
                assert [(r["door"], r["person"], r.get("card")) for r in found] == await scanned(hub, access, data)
            before = await log(hub, door="b1_east")
            assert len(before) == 6

        assert list(tmp_path.rglob("recorder.db*")) == []  # the history is on the server
        with psycopg.connect(URL) as connection:
            (count,) = connection.execute(
                f'SELECT count(*) FROM "{schema}".records WHERE kind = %s', (LOG_KIND,)).fetchone()
            (keys,) = connection.execute(
                f'SELECT count(DISTINCT name) FROM "{schema}".record_keys WHERE kind = %s', (LOG_KIND,)).fetchone()
        assert count == 3 * 7 and keys == len(LOG_INDEXED)

        async with estate(tmp_path, clock, site) as (hub, _access):
            assert await log(hub, door="b1_east") == before
