"""The switch domain: on/off from ``is_on``, and ``toggle`` from ``turn_on``/``turn_off``
(which may be async), whatever the device."""
from __future__ import annotations

import pytest

from xiaoqu.core.entity import ServiceNotSupported
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.switch.entity import SwitchEntity


class Relay(SwitchEntity):
    def __init__(self, name: str) -> None:
        self._attr_name = name
        self.written: list[bool] = []

    async def turn_on(self) -> None:
        await self._write(True)

    async def turn_off(self) -> None:
        await self._write(False)

    async def _write(self, on: bool) -> None:
        self.written.append(on)
        self._attr_is_on = on
        self.write_state()


class ReadOnly(SwitchEntity):
    _attr_name = "Read only"
    _attr_is_on = True


async def test_toggle_turns_off_what_is_on_and_on_what_is_not(tmp_path):
    async with running_hub(tmp_path, {"switch": None}) as hub:
        relay = Relay("Pump")
        await hub.entities.add("test", [relay])
        assert hub.states.get("switch.pump").state == "unknown"
        for expected in ("on", "off", "on"):
            await hub.services.call("switch", "toggle", {"entity_id": "switch.pump"})
            assert hub.states.get("switch.pump").state == expected
        assert relay.written == [True, False, True]


async def test_a_switch_that_cannot_be_switched_is_refused_naming_it(tmp_path):
    async with running_hub(tmp_path, {"switch": None}) as hub:
        await hub.entities.add("test", [ReadOnly()])
        assert hub.states.get("switch.read_only").state == "on"
        with pytest.raises(ServiceNotSupported, match=r"^switch\.read_only does not support switch\.turn_off$"):
            await hub.services.call("switch", "toggle", {"entity_id": "switch.read_only"})
