"""core.storage: TinyDB registries in memory, written atomically with group commit, on real files."""
from __future__ import annotations

import asyncio
import json
import re
import signal
import stat
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.core.disk_full import file_size_limit
from xiaoqu.core import storage as storage_module
from xiaoqu.core.storage import (
    Document,
    Query,
    Storage,
    StorageError,
    Store,
    StoreCorruptError,
    StoreLockedError,
)

Reopen = Callable[..., Awaitable[Store]]
CRASH_WRITER = Path(__file__).with_name("storage_crash_writer.py")
card = Query()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = Storage(tmp_path)
    yield storage
    await storage.close()


@pytest.fixture
async def reopen(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Store]]]:
    """Open a store as a fresh hub would, from disk; the one opened before is closed first."""
    opened: list[Storage] = []

    async def reopen(name: str = "cards", **kwargs: Any) -> Store:
        if opened:
            await opened.pop().close()
        opened.append(Storage(tmp_path))
        return await opened[-1].open(name, **kwargs)

    yield reopen
    if opened:
        await opened.pop().close()


def on_disk(path: Path) -> dict[str, dict[str, dict[str, object]]]:
    return json.loads(path.read_text())["tables"]


async def test_a_write_is_on_disk_when_it_returns(storage: Storage, tmp_path: Path) -> None:
    table = (await storage.open("cards")).table("cards")

    doc_id = await table.insert({"card": "C1", "holder": "张三", "balance_fen": 1200})

    assert on_disk(tmp_path / "cards.json") == {
        "cards": {str(doc_id): {"card": "C1", "holder": "张三", "balance_fen": 1200}}
    }


async def test_reads_and_writes_survive_a_reopen(storage: Storage, reopen: Reopen) -> None:
    table = (await storage.open("cards")).table("cards")
    await table.insert_multiple([{"card": f"C{n}", "n": n} for n in range(5)])
    assert await table.update({"status": "lost"}, card.n < 2) == [1, 2]
    assert await table.update(lambda doc: doc.update(n=doc["n"] * 10), doc_ids=[5]) == [5]
    assert await table.upsert({"card": "C3", "status": "blocked"}, card.card == "C3") == [4]
    assert await table.upsert({"card": "C9", "n": 9}, card.card == "C9") == [6]
    assert await table.remove(card.card == "C2") == [3]
    await storage.close()

    table = (await reopen()).table("cards")

    assert len(table) == 5
    assert table.count(card.status == "lost") == 2
    assert table.get(doc_id=5) == {"card": "C4", "n": 40}
    assert table.get(card.card == "C3") == {"card": "C3", "n": 3, "status": "blocked"}
    assert table.contains(card.card == "C9") and not table.contains(doc_id=3)
    assert [doc.doc_id for doc in table.search(card.n >= 9)] == [5, 6]


documents = st.fixed_dictionaries(
    {"k": st.sampled_from("abc"), "n": st.integers(0, 9), "tags": st.lists(st.text(max_size=2), max_size=2)}
)
table_names = st.sampled_from(["cards", "users"])
operations = st.one_of(
    st.tuples(st.just("insert"), table_names, documents),
    st.tuples(st.just("insert_multiple"), table_names, st.lists(documents, max_size=3)),
    st.tuples(st.just("update"), table_names, documents, st.integers(0, 9)),
    st.tuples(st.just("increment"), table_names, st.lists(st.integers(1, 12), max_size=3)),
    st.tuples(st.just("upsert"), table_names, documents),
    st.tuples(st.just("remove"), table_names, st.integers(0, 9)),
    st.tuples(st.just("remove_ids"), table_names, st.lists(st.integers(1, 12), max_size=3)),
    st.tuples(st.just("truncate"), table_names),
)


async def apply(store: Store, operation: tuple[Any, ...]) -> None:
    name, table, *args = operation[0], store.table(operation[1]), *operation[2:]

    def increment(doc: dict[str, Any]) -> None:
        doc["n"] += 1
        doc["tags"].append("+")

    match name, args:
        case "insert", [doc]:
            await table.insert(doc)
        case "insert_multiple", [docs]:
            await table.insert_multiple(docs)
        case "update", [doc, below]:
            await table.update(doc, card.n < below)
        case "increment", [doc_ids]:
            await table.update(increment, doc_ids=doc_ids)
        case "upsert", [doc]:
            await table.upsert(doc, card.k == doc["k"])
        case "remove", [at_least]:
            await table.remove(card.n >= at_least)
        case "remove_ids", [doc_ids]:
            await table.remove(doc_ids=doc_ids)
        case "truncate", []:
            await table.truncate()


def non_empty(tables: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {name: docs for name, docs in tables.items() if docs}


def in_memory(store: Store) -> dict[str, dict[str, dict[str, Any]]]:
    """The tables the operations touch, as the file lays them out (documents by str doc id)."""
    return {
        name: {str(doc.doc_id): dict(doc) for doc in store.table(name).all()}
        for name in ("cards", "users")
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(operations, max_size=12))
def test_the_file_always_holds_exactly_what_memory_holds(
    tmp_path_factory: pytest.TempPathFactory, script: list[tuple[Any, ...]]
) -> None:
    """Whatever the writes, the file (joined from per-document texts) equals the tables."""

    async def run(directory: Path) -> None:
        storage = Storage(directory)
        store = await storage.open("cards")
        for operation in script:
            await apply(store, operation)
        await assert_file_holds(storage, store)

    asyncio.run(run(tmp_path_factory.mktemp("store")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(operations, max_size=8),
    st.lists(operations, min_size=1, max_size=6),
    st.lists(operations, max_size=4),
)
def test_writes_the_disk_refuses_are_undone_whatever_they_were(
    tmp_path_factory: pytest.TempPathFactory,
    before: list[tuple[Any, ...]],
    refused: list[tuple[Any, ...]],
    after: list[tuple[Any, ...]],
) -> None:
    """Changes made together on a disk that takes no byte leave memory as the file holds it,
    and the changes after them are written on top of that, not on top of the refused ones."""

    async def run(directory: Path) -> None:
        storage = Storage(directory)
        store = await storage.open("cards")
        for operation in before:
            await apply(store, operation)
        kept = in_memory(store)

        with file_size_limit(0):
            outcomes = await asyncio.gather(
                *(apply(store, operation) for operation in refused), return_exceptions=True
            )

        assert all(outcome is None or isinstance(outcome, StorageError) for outcome in outcomes)
        assert in_memory(store) == kept
        for operation in after:
            await apply(store, operation)
        await assert_file_holds(storage, store)

    asyncio.run(run(tmp_path_factory.mktemp("store")))


async def assert_file_holds(storage: Storage, store: Store) -> None:
    """Close ``storage``; the file, and a store opened on it again, equal ``store``'s tables."""
    memory = in_memory(store)
    await storage.close()
    assert non_empty(on_disk(store.path) if store.path.exists() else {}) == non_empty(memory)
    reopened = Storage(storage.directory)
    assert in_memory(await reopened.open(store.name)) == memory
    await reopened.close()


async def test_truncate_empties_the_table_on_disk(storage: Storage, tmp_path: Path) -> None:
    store = await storage.open("cards")
    await store.table("cards").insert({"card": "C1"})
    await store.table("users").insert({"name": "guard"})

    await store.table("cards").truncate()

    assert on_disk(tmp_path / "cards.json") == {"cards": {}, "users": {"1": {"name": "guard"}}}
    assert await store.table("cards").insert({"card": "C2"}) == 1


async def test_a_burst_of_awaited_inserts_is_coalesced_into_few_file_writes(
    storage: Storage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writes: list[int] = []
    real_write = storage_module.write_atomic

    def counting_write(path: Path, payload: bytes) -> None:
        writes.append(len(payload))
        real_write(path, payload)

    monkeypatch.setattr(storage_module, "write_atomic", counting_write)
    table = (await storage.open("cards")).table("cards")

    async def burst(task: int) -> list[int]:
        return [await table.insert({"task": task, "n": n}) for n in range(20)]

    ids = [i for chunk in await asyncio.gather(*(burst(t) for t in range(50))) for i in chunk]

    assert sorted(ids) == list(range(1, 1001))
    assert len(writes) <= 50, f"{len(writes)} file writes for 1000 inserts"
    assert len(on_disk(tmp_path / "cards.json")["cards"]) == 1000


async def test_a_cancelled_writer_does_not_cancel_the_others(storage: Storage) -> None:
    store = await storage.open("cards")
    table = store.table("cards")
    cancelled = asyncio.create_task(table.insert({"card": "C1"}))
    kept = asyncio.create_task(table.insert({"card": "C2"}))
    await asyncio.sleep(0)  # both are in memory and waiting on the same flush

    cancelled.cancel()

    assert await kept == 2
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    assert {doc["card"] for doc in table.all()} == {"C1", "C2"}


async def test_a_document_that_is_not_json_is_refused_naming_the_field(storage: Storage) -> None:
    table = (await storage.open("cards")).table("cards")
    await table.insert({"card": "C1"})

    with pytest.raises(ValueError, match=r"table 'cards': document\['issued'\] has type datetime"):
        await table.insert({"card": "C2", "issued": datetime(2026, 1, 1)})
    with pytest.raises(ValueError, match=r"document\['limits'\]\[1\] is nan"):
        await table.insert({"card": "C3", "limits": [1, float("nan")]})
    with pytest.raises(ValueError, match="must be a mapping, got list"):
        await table.insert(["C4"])  # type: ignore[arg-type]

    assert [doc["card"] for doc in table.all()] == ["C1"]


async def test_a_failing_update_changes_no_document(storage: Storage, tmp_path: Path) -> None:
    table = (await storage.open("cards")).table("cards")
    await table.insert_multiple([{"card": "C1", "n": 1}, {"card": "C2", "n": 2}])

    def fails_on_the_second(doc: dict[str, object]) -> None:
        doc["n"] = 0
        if doc["card"] == "C2":
            raise KeyError("holder")

    with pytest.raises(KeyError):
        await table.update(fails_on_the_second)
    with pytest.raises(ValueError, match=r"document after <lambda>\['when'\] has type datetime"):
        await table.update(lambda doc: doc.update(when=datetime(2026, 1, 1)))

    assert [doc["n"] for doc in table.all()] == [1, 2]
    assert [doc["n"] for doc in on_disk(tmp_path / "cards.json")["cards"].values()] == [1, 2]


async def test_a_condition_that_fails_part_way_removes_nothing(storage: Storage) -> None:
    table = (await storage.open("cards")).table("cards")
    await table.insert_multiple([{"n": 1}, {"n": "one"}, {"n": 2}])

    with pytest.raises(TypeError):
        await table.remove(card.n < 5)

    assert len(table) == 3
    assert await table.remove(doc_ids=[3, 3, 9]) == [3]


async def test_insert_multiple_inserts_all_or_nothing(storage: Storage) -> None:
    table = (await storage.open("cards")).table("cards")
    await table.insert(Document({"card": "C7"}, doc_id=7))

    with pytest.raises(ValueError, match=r"already taken: \[7\]"):
        await table.insert_multiple([{"card": "C1"}, Document({"card": "again"}, doc_id=7)])
    with pytest.raises(ValueError, match="given twice"):
        await table.insert_multiple([Document({"card": "a"}, 8), Document({"card": "b"}, 8)])
    with pytest.raises(ValueError, match=r"document\['x'\] has type set"):
        await table.insert_multiple([{"card": "C1"}, {"x": {1}}])

    assert [doc["card"] for doc in table.all()] == ["C7"]


async def test_documents_read_back_as_copies(storage: Storage) -> None:
    table = (await storage.open("cards")).table("cards")
    groups = ["lobby"]
    await table.insert({"card": "C1", "groups": groups})
    await table.update({"tags": ["vip"]})

    groups.append("garage")
    table.get(doc_id=1)["card"] = "changed"
    table.search(card.card == "C1")[0]["tags"] = []

    assert table.get(doc_id=1) == {"card": "C1", "groups": ["lobby"], "tags": ["vip"]}


async def test_a_hand_broken_file_stops_the_open_naming_file_and_position(tmp_path: Path) -> None:
    path = tmp_path / "cards.json"
    broken = '{"version": 1,\n "tables": {"cards": {\n  "1": {"card": "C1",}}}}\n'
    path.write_text(broken)

    with pytest.raises(StoreCorruptError) as error:
        await Storage(tmp_path).open("cards")

    message = str(error.value)
    assert f"{path}:3:22: not valid JSON" in message
    assert '"C1",}}}}' in message
    assert path.read_text() == broken  # left as it was for a person to fix


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("", "is empty"),
        ('{"_default": {"1": {}}}', "is not a xiaoqu store"),
        ('{"version": "1", "tables": {}}', "'version' must be an integer"),
        ('{"version": 1, "tables": {"cards": {"x": {}}}}', "table 'cards' document 'x'"),
        ('{"version": 1, "tables": {"cards": []}}', "table 'cards' must be an object"),
    ],
)
async def test_a_file_the_hub_did_not_write_is_refused(
    tmp_path: Path, content: str, reason: str
) -> None:
    (tmp_path / "cards.json").write_text(content)

    with pytest.raises(StoreCorruptError, match=reason):
        await Storage(tmp_path).open("cards")


async def test_an_older_file_is_migrated_once_and_the_original_kept(
    tmp_path: Path, reopen: Reopen
) -> None:
    old = {"version": 1, "tables": {"cards": {"1": {"card": "C1", "balance": 12.5}}}}
    (tmp_path / "cards.json").write_text(json.dumps(old))
    calls: list[int] = []

    def to_fen(old_version: int, tables: dict) -> dict:
        calls.append(old_version)
        for doc in tables["cards"].values():
            doc["balance_fen"] = round(doc.pop("balance") * 100)
        return tables

    store = await reopen(version=2, migrate=to_fen)
    assert store.table("cards").get(doc_id=1) == {"card": "C1", "balance_fen": 1250}
    store = await reopen("cards", version=2, migrate=to_fen)

    assert calls == [1]
    assert store.version == 2
    assert json.loads((tmp_path / "cards.json").read_text())["version"] == 2
    assert json.loads((tmp_path / "cards.json.v1.bak").read_text()) == old


async def test_version_mismatches_without_a_way_forward_are_refused(tmp_path: Path) -> None:
    (tmp_path / "cards.json").write_text('{"version": 3, "tables": {}}')
    with pytest.raises(StorageError, match="version 3, newer than the 2 this code knows"):
        await Storage(tmp_path).open("cards", version=2)

    (tmp_path / "cards.json").write_text('{"version": 1, "tables": {}}')
    with pytest.raises(StorageError, match="no migration was given"):
        await Storage(tmp_path).open("cards", version=2)

    with pytest.raises(StorageError, match=r"migration from version 1 to 2 failed: KeyError\('cards'\)"):
        await Storage(tmp_path).open("cards", version=2, migrate=lambda v, tables: tables["cards"])
    assert json.loads((tmp_path / "cards.json").read_text())["version"] == 1


@pytest.mark.parametrize("name", ["../cards", "Cards", "a/b", "", ".hidden", "cards.", "卡"])
async def test_a_store_name_must_be_a_slug(storage: Storage, name: str) -> None:
    with pytest.raises(ValueError, match="store name must be a lower-case slug"):
        await storage.open(name)


async def test_a_table_name_must_be_a_slug(storage: Storage) -> None:
    store = await storage.open("core.entity_registry")

    with pytest.raises(ValueError, match="table name must be a lower-case slug"):
        store.table("../x")
    assert store.path.name == "core.entity_registry.json"


async def test_one_store_has_one_writer(storage: Storage, tmp_path: Path, reopen: Reopen) -> None:
    await storage.open("cards")

    with pytest.raises(StoreLockedError, match="already open in"):
        await storage.open("cards")
    with pytest.raises(StoreLockedError, match=r"cards\.json is already open \(lock .* held by pid"):
        await Storage(tmp_path).open("cards")
    await storage.close()
    assert (await reopen()).path == tmp_path / "cards.json"  # free again


async def test_writes_after_close_are_refused(storage: Storage) -> None:
    table = (await storage.open("cards")).table("cards")
    await storage.close()

    with pytest.raises(StorageError, match="is closed"):
        await table.insert({"card": "C1"})


async def test_a_failed_write_is_undone_and_never_written_later(storage: Storage, tmp_path: Path) -> None:
    """A full disk: every caller whose change missed the disk gets the error, and the change is
    gone from memory too, so no later write can put on disk what its caller was told failed."""
    store = await storage.open("cards")
    cards, holders = store.table("cards"), store.table("holders")
    await cards.insert_multiple([{"card": "C1", "balance_fen": 100}, {"card": "C2"}])
    await holders.insert_multiple([{"name": "张三"}, {"name": "李四"}])
    before = (tmp_path / "cards.json").read_bytes()
    in_memory = {name: store.table(name).all() for name in ("cards", "holders")}

    with file_size_limit(len(before)):
        results = await asyncio.gather(
            cards.update({"balance_fen": 0, "pad": "x" * 8192}, card.card == "C1"),
            cards.insert({"card": "C3"}),
            cards.remove(card.card == "C2"),
            holders.truncate(),
            holders.insert({"name": "王五"}),
            return_exceptions=True,
        )

    for result in results:
        assert isinstance(result, StorageError)
        assert re.search(r"could not write .*: \[Errno 27\].*undone", str(result))
    assert (tmp_path / "cards.json").read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["cards.json", "cards.json.lock"]
    assert {name: store.table(name).all() for name in ("cards", "holders")} == in_memory

    # Unrelated changes, on a disk with room again; new ids do not collide with restored ones.
    await cards.insert({"card": "C4"})
    await holders.insert({"name": "赵六"})

    expected = {
        "cards": [{"card": "C1", "balance_fen": 100}, {"card": "C2"}, {"card": "C4"}],
        "holders": [{"name": "张三"}, {"name": "李四"}, {"name": "赵六"}],
    }
    assert {name: list(docs.values()) for name, docs in on_disk(tmp_path / "cards.json").items()} == expected
    assert {name: store.table(name).all() for name in expected} == expected


async def test_undo_listeners_run_and_a_failing_one_keeps_no_caller_waiting(
    storage: Storage, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await storage.open("cards")
    table = store.table("cards")
    await table.insert({"card": "C1"})
    seen: list[list[Document]] = []

    def broken() -> None:
        raise KeyError("card")

    store.on_undo(broken)
    store.on_undo(lambda: seen.append(table.all()))

    with file_size_limit((tmp_path / "cards.json").stat().st_size), pytest.raises(StorageError):
        await asyncio.wait_for(table.insert({"card": "C2"}), timeout=10)

    assert seen == [[{"card": "C1"}]]  # called once the table was back to what is on disk
    assert "a listener failed after a failed write was undone" in caplog.text


@pytest.mark.parametrize("planted", ["a 0644 file", "a link to another file"])
async def test_the_store_is_written_0600_through_a_temp_file_of_its_own(tmp_path: Path, planted: str) -> None:
    """What sits at a temp file's name is never reused: a stale or planted file would keep its
    own mode (0644: the password hashes readable by all), and a link would send the data, and
    then the store's own name, to someone else's file."""
    data, victim = tmp_path / "data", tmp_path / "victim.json"
    data.mkdir()
    victim.write_text("theirs")
    victim.chmod(0o644)
    at_temp_name = data / ".cards.json.tmp"  # the one name the store once used for every write
    if planted == "a 0644 file":
        at_temp_name.write_text("stale")
        at_temp_name.chmod(0o644)
    else:
        at_temp_name.symlink_to(victim)
    storage = Storage(data)
    try:
        await (await storage.open("cards")).table("cards").insert({"card": "C1"})
    finally:
        await storage.close()

    store_file = data / "cards.json"
    assert not store_file.is_symlink()
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o600
    assert on_disk(store_file) == {"cards": {"1": {"card": "C1"}}}
    assert victim.read_text() == "theirs" and stat.S_IMODE(victim.stat().st_mode) == 0o644


async def test_a_store_file_left_0644_is_made_0600_at_open(storage: Storage, tmp_path: Path) -> None:
    """A store an older version wrote through a reused 0644 temp file is narrowed on open, and
    so is its lock file: both are 0600 before anything else happens."""
    store_file, lock_file = tmp_path / "cards.json", tmp_path / "cards.json.lock"
    store_file.write_text('{"version":1,"tables":{"cards":{"1":{"card":"C1"}}}}')
    lock_file.touch()
    for path in (store_file, lock_file):
        path.chmod(0o644)

    store = await storage.open("cards")

    assert store.table("cards").all() == [{"card": "C1"}]
    assert [stat.S_IMODE(path.stat().st_mode) for path in (store_file, lock_file)] == [0o600, 0o600]


@pytest.mark.parametrize("name", ["cards.json", "cards.json.lock"])
async def test_a_link_at_a_store_files_name_is_refused_and_its_target_untouched(
    storage: Storage, tmp_path: Path, name: str
) -> None:
    """The lock file is truncated and given the hub's pid, the store file is read as the truth:
    through a link, the one would clobber another file and the other read someone else's."""
    victim = tmp_path.parent / f"{tmp_path.name}-victim.json"
    victim.write_text('{"version":1,"tables":{}}')
    (tmp_path / name).symlink_to(victim)

    with pytest.raises(StorageError, match=rf"{name} is a symbolic link"):
        await storage.open("cards")

    assert victim.read_text() == '{"version":1,"tables":{}}'


async def test_temp_files_a_killed_writer_left_are_removed_at_open(storage: Storage, tmp_path: Path) -> None:
    left = [tmp_path / ".cards.json.k2j4x9.tmp", tmp_path / ".cards.json.a81_qz.tmp"]
    for path in left:
        path.write_text('{"version":1,"tab')
    # Other stores' ("users", "cards.json"): not this open's to remove.
    others = [tmp_path / ".users.json.k2j4x9.tmp", tmp_path / ".cards.json.json.k2j4x9.tmp"]
    for path in others:
        path.write_text("{")

    await storage.open("cards")

    assert not any(path.exists() for path in left)
    assert all(path.exists() for path in others)


@pytest.mark.parametrize(("kill_after", "delay"), [(30, 0), (300, 0.003), (1000, 0.007), (2000, 0.013)])
async def test_a_killed_writer_loses_no_acknowledged_write(
    tmp_path: Path, reopen: Reopen, kill_after: int, delay: float
) -> None:
    """SIGKILL mid-burst: the file loads and holds every write that was acknowledged.

    The delays spread the kill over a writer's cycle (serialise, write, replace), so some runs
    land inside a file write. Power loss (what the fsyncs are for) cannot be staged here.
    """
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CRASH_WRITER), str(tmp_path), stdout=asyncio.subprocess.PIPE
    )
    acked: list[str] = []
    try:
        assert child.stdout is not None
        while len(acked) < kill_after:
            line = await child.stdout.readline()
            assert line, f"writer exited after {len(acked)} acknowledgements"
            acked.append(line.decode().strip())
        with pytest.raises(StoreLockedError):
            await reopen("crash")
        await asyncio.sleep(delay)
    finally:
        child.send_signal(signal.SIGKILL)
        rest, _ = await child.communicate()
    acked += rest.decode().split()
    assert child.returncode == -signal.SIGKILL

    store = await reopen("crash")

    stored = {doc["key"] for doc in store.table("acks").all()}
    assert set(acked) <= stored
    assert not list(tmp_path.glob(".crash.json.*.tmp"))  # a write the kill cut short leaves none


def test_dump_json_refuses_a_lone_surrogate_no_file_could_hold() -> None:
    from xiaoqu.core.storage import dump_json

    with pytest.raises(ValueError, match=r"^state: data holds the lone surrogate '\\ud800', which UTF-8 cannot encode$"):
        dump_json({"a": "x\ud800"}, "state: data")
    assert dump_json({"a": "门 \U0001f600"}, "x") == '{"a":"门 \U0001f600"}'
