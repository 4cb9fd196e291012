"""Entities and the registries: stable ids, renames and disabling that survive restarts."""
from __future__ import annotations

import pytest

from xiaoqu.core.entity import DeviceInfo, Entity
from xiaoqu.core.errors import HubError
from xiaoqu.core.testing import running_hub

PLUGIN = """
from xiaoqu.core.entity import DeviceInfo, Entity

class Gate(Entity):
    domain = "lock"

    def __init__(self, n):
        self._attr_name = f"Gate {n}"
        self._attr_unique_id = f"gate-{n}"
        self._attr_state = "locked"
        self._attr_device_info = DeviceInfo(identifiers=[f"ctrl-{n}"], name=f"Controller {n}",
                                            number=f"DC-00{n}", location="North gate", manufacturer="Acme")

    def unlock(self, seconds=5):
        self._attr_state = f"unlocked:{seconds}"
        self.write_state()

@hookimpl
async def xiaoqu_setup(hub, config):
    await hub.entities.add("le_gates", [Gate(1), Gate(2)])
    hub.entities.register_service("lock", "unlock", "unlock", {vol.Optional("seconds", default=5): int})
"""


async def test_entities_get_ids_devices_and_entity_services(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "le_gates", PLUGIN)
    async with running_hub(tmp_path, {"le_gates": None}) as hub:
        state = hub.states.get("lock.gate_1")
        assert state.state == "locked" and state.attributes["friendly_name"] == "Gate 1"
        device = hub.devices.find("ctrl-1")
        assert (device.number, device.location, device.manufacturer) == ("DC-001", "North gate", "Acme")
        assert hub.entity_registry.get("lock.gate_1").device_id == device.id
        await hub.services.call("lock", "unlock", {"entity_id": "lock.gate_2", "seconds": 9})
        assert hub.states.get("lock.gate_2").state == "unlocked:9"
        assert hub.states.get("lock.gate_1").state == "locked"
        await hub.services.call("lock", "unlock", {"device_id": device.id})
        assert hub.states.get("lock.gate_1").state == "unlocked:5"
        with pytest.raises(HubError, match="no lock entity lock.nope"):
            await hub.services.call("lock", "unlock", {"entity_id": "lock.nope"})


async def test_rename_and_disable_survive_restart(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "le_gates", PLUGIN)
    async with running_hub(tmp_path, {"le_gates": None}) as hub:
        await hub.entity_registry.update("lock.gate_1", new_entity_id="lock.north_gate", name="North gate")
        await hub.block_till_done()
        assert hub.states.get("lock.gate_1") is None
        assert hub.states.get("lock.north_gate").attributes["friendly_name"] == "North gate"
        await hub.entity_registry.update("lock.gate_2", disabled_by="user")
        await hub.block_till_done()
        assert hub.states.get("lock.gate_2") is None
        device_id = hub.devices.find("ctrl-1").id
        await hub.devices.update(device_id, name_by_user="北门控制器", location="北门")
    async with running_hub(tmp_path, {"le_gates": None}) as hub:
        assert hub.states.get("lock.north_gate").attributes["friendly_name"] == "North gate"
        assert hub.states.get("lock.gate_1") is None
        assert hub.states.get("lock.gate_2") is None
        device = hub.devices.get(device_id)
        assert (device.display_name, device.location) == ("北门控制器", "北门")


async def test_rename_refuses_other_domain_and_taken_ids(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "le_gates", PLUGIN)
    async with running_hub(tmp_path, {"le_gates": None}) as hub:
        with pytest.raises(HubError, match="keep the domain lock"):
            await hub.entity_registry.update("lock.gate_1", new_entity_id="switch.gate_1")
        with pytest.raises(HubError, match="taken"):
            await hub.entity_registry.update("lock.gate_1", new_entity_id="lock.gate_2")
        with pytest.raises(HubError, match="cannot change model"):
            await hub.devices.update(hub.devices.find("ctrl-1").id, model="X")


async def test_unavailable_entity_and_write_before_add(hub):
    class Sensor(Entity):
        domain = "sensor"
        _attr_name = "Lobby temperature"

    sensor = Sensor()
    with pytest.raises(HubError, match="was not added"):
        sensor.write_state()


async def test_entity_without_unique_id_gets_free_id_and_unavailable_state(tmp_path):
    class Sensor(Entity):
        domain = "sensor"
        _attr_name = "Lobby temperature"
        _attr_state = "21.5"

    async with running_hub(tmp_path, {}) as hub:
        first, second = Sensor(), Sensor()
        await hub.entities.add("test", [first, second])
        assert (first.entity_id, second.entity_id) == ("sensor.lobby_temperature", "sensor.lobby_temperature_2")
        first._attr_available = False
        first.write_state()
        assert hub.states.get("sensor.lobby_temperature").state == "unavailable"
        await hub.entities.remove(second.entity_id)
        assert hub.states.get("sensor.lobby_temperature_2") is None


def test_device_info_defaults():
    info = DeviceInfo(identifiers=["x"], name="X")
    assert info.number is None and info.extra == {}


async def test_entity_services_of_one_domain_are_shared_by_integrations(tmp_path):
    class Plain(Entity):
        domain = "light"

        def __init__(self, name):
            self._attr_name, self._attr_state = name, "off"

        def turn_on(self):
            self._attr_state = "on"
            self.write_state()

    class Dimmable(Plain):
        def turn_on(self, brightness=255):
            self._attr_state = f"on:{brightness}"
            self.write_state()

    async with running_hub(tmp_path, {}) as hub:
        await hub.entities.add("one", [Plain("Hall")])
        await hub.entities.add("two", [Dimmable("Lobby")])
        hub.entities.register_service("light", "turn_on", "turn_on")
        hub.entities.register_service("light", "turn_on", "turn_on", {"brightness": int})
        hub.entities.register_service("light", "turn_on", "turn_on")  # a third registration keeps brightness
        await hub.services.call("light", "turn_on", {"entity_id": "light.lobby", "brightness": 80})
        assert hub.states.get("light.lobby").state == "on:80"
        await hub.services.call("light", "turn_on", {"entity_id": "light.hall"})
        assert hub.states.get("light.hall").state == "on"
        with pytest.raises(HubError, match="light.hall does not support 'brightness'"):
            await hub.services.call("light", "turn_on", {"entity_id": "light.hall", "brightness": 1})
        with pytest.raises(HubError, match="already runs"):
            hub.entities.register_service("light", "turn_on", "switch_on")


async def test_entity_disabled_by_default_is_registered_disabled_once(tmp_path):
    class Diagnostic(Entity):
        domain = "sensor"
        _attr_name = "Reader firmware"
        _attr_unique_id = "reader-fw"
        _attr_state = "1.2"
        _attr_entity_registry_enabled_default = False

    async with running_hub(tmp_path, {}) as hub:
        assert await hub.entities.add("test", [Diagnostic()]) == []
        assert hub.entity_registry.get("sensor.reader_firmware").disabled_by == "integration"
        await hub.entity_registry.update("sensor.reader_firmware", disabled_by=None)
        await hub.block_till_done()
    async with running_hub(tmp_path, {}) as hub:
        added = await hub.entities.add("test", [Diagnostic()])
        assert [e.entity_id for e in added] == ["sensor.reader_firmware"], "staff enabled it; it stays enabled"


async def test_entity_without_unique_id_never_takes_a_registered_id(tmp_path, isolated_plugins):
    isolated_plugins(tmp_path, "le_gates", PLUGIN)
    async with running_hub(tmp_path, {"le_gates": None}) as hub:
        pass  # lock.gate_1 is now in the registry

    class Impostor(Entity):
        domain = "lock"
        _attr_name = "Gate 1"
        _attr_state = "unlocked"

    async with running_hub(tmp_path, {}) as hub:  # the gates are not set up (yet), their ids stay theirs
        impostor = Impostor()
        await hub.entities.add("mqtt", [impostor])
        assert impostor.entity_id == "lock.gate_1_2"
