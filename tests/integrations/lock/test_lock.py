"""The lock domain: the state follows from the ``is_*`` fields as in Home Assistant, a code
must match ``code_format`` whole, and ``lock.open`` is refused for a lock with no latch."""
from __future__ import annotations

import pytest

from xiaoqu.core.entity import ServiceNotSupported
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.testing import running_hub
from xiaoqu.core.validation import vol
from xiaoqu.integrations.lock.const import LockEntityFeature
from xiaoqu.integrations.lock.entity import LockEntity


class Door(LockEntity):
    def __init__(self, name: str, features: int = 0, code_format: str | None = None) -> None:
        self._attr_name = name
        self._attr_supported_features = features
        self._attr_code_format = code_format
        self.opened: list[str | None] = []

    def unlock(self, code: str | None = None) -> None:
        self.check_code(code)
        self._attr_is_locked = False
        self.write_state()

    async def open(self, code: str | None = None) -> None:
        self.opened.append(code)


@pytest.mark.parametrize(("fields", "state"), [
    ({}, None),
    ({"is_locked": True}, "locked"),
    ({"is_locked": False}, "unlocked"),
    ({"is_locked": True, "is_unlocking": True}, "unlocking"),
    ({"is_locked": False, "is_locking": True}, "locking"),
    ({"is_locked": False, "is_open": True}, "open"),
    ({"is_open": True, "is_unlocking": True}, "open"),
    ({"is_opening": True, "is_locking": True}, "opening"),
    ({"is_jammed": True, "is_opening": True, "is_locked": True}, "jammed"),
])
def test_the_state_follows_from_the_fields(fields, state):
    door = Door("Door")
    for name, value in fields.items():
        setattr(door, f"_attr_{name}", value)
    assert door.state == state


async def test_a_code_must_match_the_code_format_whole(tmp_path):
    async with running_hub(tmp_path, {"lock": None}) as hub:
        await hub.entities.add("test", [Door("Gate", code_format=r"^\d{4}$")])
        assert hub.states.get("lock.gate").attributes["code_format"] == r"^\d{4}$"
        for data, message in [({"code": "123"}, "does not match"), ({}, "is missing; it must match")]:
            with pytest.raises(ServiceValidationError, match=rf"^the code for lock\.gate {message} the pattern"):
                await hub.services.call("lock", "unlock", {"entity_id": "lock.gate", **data})
        assert hub.states.get("lock.gate").state == "unknown"
        await hub.services.call("lock", "unlock", {"entity_id": "lock.gate", "code": "4821"})
        assert hub.states.get("lock.gate").state == "unlocked"


async def test_open_is_refused_for_a_lock_without_a_latch_and_lock_for_one_that_does_not_lock(tmp_path):
    async with running_hub(tmp_path, {"lock": None}) as hub:
        plain, latched = Door("Plain"), Door("Latched", LockEntityFeature.OPEN)
        await hub.entities.add("test", [plain, latched])
        with pytest.raises(ServiceNotSupported, match=r"^lock\.plain does not support lock\.open$"):
            await hub.services.call("lock", "open", {"entity_id": "lock.plain"})
        await hub.services.call("lock", "open", {"entity_id": "all", "code": "1"})
        assert (plain.opened, latched.opened) == ([], ["1"])
        with pytest.raises(ServiceNotSupported, match=r"^lock\.latched does not support lock\.lock$"):
            await hub.services.call("lock", "lock", {"entity_id": "lock.latched"})


async def test_a_plugin_registering_a_lock_service_again_keeps_the_domains_rules(tmp_path):
    """As plugins did before the lock domain had an owner: the options merge, the feature stays."""
    async with running_hub(tmp_path, {"lock": None}) as hub:
        plain = Door("Plain")
        await hub.entities.add("test", [plain])
        hub.entities.register_service("lock", "open", "open", {vol.Optional("seconds"): int})
        with pytest.raises(ServiceNotSupported, match=r"^lock\.plain does not support lock\.open$"):
            await hub.services.call("lock", "open", {"entity_id": "lock.plain", "code": "1", "seconds": 3})
        with pytest.raises(HubError, match=r"^lock\.open already runs 'open' on entities, not 'unlatch'$"):
            hub.entities.register_service("lock", "open", "unlatch")
