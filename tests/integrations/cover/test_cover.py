"""The cover domain: the state follows from ``is_closed``/``is_opening``/``is_closing`` as in
Home Assistant, the positions are attributes, and a service a cover did not declare is refused."""
from __future__ import annotations

import pytest

from xiaoqu.core.entity import ServiceNotSupported
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.cover.const import CoverEntityFeature
from xiaoqu.integrations.cover.entity import CoverEntity


class Blind(CoverEntity):
    _attr_name = "Lobby blind"
    _attr_supported_features = CoverEntityFeature.OPEN | CoverEntityFeature.CLOSE

    async def open_cover(self) -> None:
        self._attr_is_opening = True
        self.write_state()


@pytest.mark.parametrize(("fields", "state"), [
    ({}, None),
    ({"is_closed": True}, "closed"),
    ({"is_closed": False}, "open"),
    ({"is_closed": True, "is_opening": True}, "opening"),
    ({"is_closed": False, "is_closing": True}, "closing"),
])
def test_the_state_follows_from_the_fields(fields, state):
    blind = Blind()
    for name, value in fields.items():
        setattr(blind, f"_attr_{name}", value)
    assert blind.state == state


async def test_positions_are_attributes_and_undeclared_services_are_refused(tmp_path):
    async with running_hub(tmp_path, {"cover": None}) as hub:
        blind = Blind()
        blind._attr_is_closed, blind._attr_current_cover_position = False, 40
        await hub.entities.add("test", [blind])
        state = hub.states.get("cover.lobby_blind")
        assert (state.state, state.attributes["current_position"]) == ("open", 40)
        assert "current_tilt_position" not in state.attributes
        await hub.services.call("cover", "open_cover", {"entity_id": "cover.lobby_blind"})
        assert hub.states.get("cover.lobby_blind").state == "opening"
        with pytest.raises(ServiceNotSupported, match=r"^cover\.lobby_blind does not support cover\.set_cover_position$"):
            await hub.services.call("cover", "set_cover_position", {"entity_id": "cover.lobby_blind", "position": 10})
        # declared but not implemented: refused alike
        with pytest.raises(ServiceNotSupported, match=r"^cover\.lobby_blind does not support cover\.close_cover$"):
            await hub.services.call("cover", "close_cover", {"entity_id": "cover.lobby_blind"})
