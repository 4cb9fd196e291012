"""The select domain: the state is the option chosen; anything else is refused, listing the options."""
from __future__ import annotations

import pytest

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.select.entity import SelectEntity


class Scene(SelectEntity):
    _attr_name = "Lobby scene"
    _attr_options = ["day", "night"]

    def select_option(self, option: str) -> None:
        self.check_offered("option", option, self.options)
        self._attr_current_option = option
        self.write_state()


async def test_only_an_offered_option_is_chosen(tmp_path):
    async with running_hub(tmp_path, {"select": None}) as hub:
        await hub.entities.add("test", [Scene()])
        assert hub.states.get("select.lobby_scene").attributes["options"] == ["day", "night"]
        await hub.services.call("select", "select_option", {"entity_id": "select.lobby_scene", "option": "night"})
        assert hub.states.get("select.lobby_scene").state == "night"
        refused = r"^option 'party' is not offered by select\.lobby_scene; choose one of day, night$"
        with pytest.raises(ServiceValidationError, match=refused):
            await hub.services.call("select", "select_option", {"entity_id": "select.lobby_scene", "option": "party"})
        assert hub.states.get("select.lobby_scene").state == "night"
