"""core.registry on real files: a staff change is on disk whole or not at all."""
from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.core.disk_full import file_size_limit
from tests.core.registry_crash_writer import NAME, RENAMED
from xiaoqu.core.hub import Hub, HubConfig
from xiaoqu.core.registry import DISABLED_BY_USER, STORE_NAME, EntityRegistry
from xiaoqu.core.storage import Storage, StorageError

CRASH_WRITER = Path(__file__).with_name("registry_crash_writer.py")


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    storage = Storage(tmp_path)
    yield storage
    await storage.close()


async def open_registry(storage: Storage) -> EntityRegistry:
    """The entity registry as a hub builds it, on the registry store read from disk."""
    registry = EntityRegistry(Hub(HubConfig(config_dir=storage.directory)))
    registry.load(await storage.open(STORE_NAME))
    return registry


async def add_gate(registry: EntityRegistry, n: int) -> None:
    await registry.get_or_create(platform="le_gates", unique_id=f"gate-{n}", suggested_entity_id=f"lock.gate_{n}")


def identity(registry: EntityRegistry) -> tuple[str, str | None, str | None]:
    entry = registry.find("le_gates", "gate-1")
    assert entry is not None, "the entry is gone: a restart would register it again, enabled"
    return entry.entity_id, entry.name, entry.disabled_by


async def test_a_rename_killed_after_its_first_file_write_is_whole_or_absent(
    tmp_path: Path, storage: Storage
) -> None:
    registry = await open_registry(storage)
    await add_gate(registry, 1)
    await registry.update("lock.gate_1", disabled_by=DISABLED_BY_USER)
    before = identity(registry)
    await storage.close()  # the child is the store's one writer now

    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CRASH_WRITER), str(tmp_path), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        assert await child.stdout.readline() == b"wrote\n"
    finally:
        child.send_signal(signal.SIGKILL)
        await child.communicate()
    assert child.returncode == -signal.SIGKILL

    registry = await open_registry(storage)

    assert identity(registry) in {before, (RENAMED, NAME, DISABLED_BY_USER)}


async def test_a_rename_the_disk_refuses_raises_and_leaves_the_old_name(
    tmp_path: Path, storage: Storage
) -> None:
    registry = await open_registry(storage)
    await add_gate(registry, 1)
    before = identity(registry)

    with file_size_limit((tmp_path / f"{STORE_NAME}.json").stat().st_size):
        with pytest.raises(StorageError, match=r"\[Errno 27\]"):
            await registry.update("lock.gate_1", new_entity_id=RENAMED, name=NAME)

    assert identity(registry) == before
    assert registry.get(RENAMED) is None and registry.get("lock.gate_1") is not None
    await add_gate(registry, 2)  # an unrelated change, on a disk with room again
    await storage.close()
    registry = await open_registry(storage)
    assert identity(registry) == before
    assert registry.get(RENAMED) is None
