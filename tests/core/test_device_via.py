"""``DeviceInfo.via_device`` as Home Assistant has it: ``(domain, identifier)`` of the device
another is reached through, kept in the registry as that device's id; one not registered is
refused, naming it, rather than left dangling."""
from __future__ import annotations

from pathlib import Path

import pytest

from xiaoqu.core.entity import DeviceInfo
from xiaoqu.core.errors import HubError
from xiaoqu.core.hub import Hub, HubConfig
from xiaoqu.core.registry import STORE_NAME, DeviceRegistry
from xiaoqu.core.storage import Storage


async def test_a_device_is_linked_to_the_one_it_is_reached_through(tmp_path: Path) -> None:
    storage = Storage(tmp_path)
    try:
        registry = DeviceRegistry(Hub(HubConfig(config_dir=tmp_path)))
        registry.load(await storage.open(STORE_NAME))
        lock = DeviceInfo(["door:d1"], "Unit 1 door", via_device=("door", "controller:ctl-1"))
        with pytest.raises(HubError, match="reached via door:controller:ctl-1, which is not in the device registry"):
            await registry.get_or_create_for("door", lock)
        assert registry.find("door:d1") is None

        controller = await registry.get_or_create_for("door", DeviceInfo(["door:controller:ctl-1"], "Controller 1"))
        door = await registry.get_or_create_for("door", lock)
        assert door.via_device_id == controller.id and controller.via_device_id is None
        again = await registry.get_or_create_for("door", DeviceInfo(["door:d1"], None))
        assert again.via_device_id == controller.id  # not said again: kept, as every reported field
    finally:
        await storage.close()
