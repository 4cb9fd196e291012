"""The light domain: brightness, colour and effect are shown while the light is on."""
from __future__ import annotations

from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.light.entity import LightEntity


class Lamp(LightEntity):
    _attr_name = "Lobby"

    def turn_on(self, brightness: int | None = None, **_: object) -> None:
        self._attr_is_on = True
        if brightness is not None:
            self._attr_brightness = brightness
        self.write_state()

    def turn_off(self, **_: object) -> None:
        self._attr_is_on = False
        self.write_state()


async def test_light_attributes_are_shown_while_it_is_on(tmp_path):
    async with running_hub(tmp_path, {"light": None}) as hub:
        lamp = Lamp()
        lamp._attr_effect = "breathe"
        await hub.entities.add("test", [lamp])
        await hub.services.call("light", "turn_on", {"entity_id": "light.lobby", "brightness": 128})
        state = hub.states.get("light.lobby")
        assert state.state == "on"
        assert {k: v for k, v in state.attributes.items() if k != "friendly_name"} == {"brightness": 128, "effect": "breathe"}
        await hub.services.call("light", "toggle", {"entity_id": "light.lobby"})
        state = hub.states.get("light.lobby")
        assert (state.state, "brightness" in state.attributes, "effect" in state.attributes) == ("off", False, False)
