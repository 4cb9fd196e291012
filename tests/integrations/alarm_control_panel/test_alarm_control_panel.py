"""The alarm control panel domain: the state is ``alarm_state``; a way of arming the panel
does not declare is refused, naming it."""
from __future__ import annotations

import pytest

from xiaoqu.core.entity import ServiceNotSupported
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.alarm_control_panel.const import AlarmControlPanelEntityFeature, AlarmControlPanelState
from xiaoqu.integrations.alarm_control_panel.entity import AlarmControlPanelEntity


class Panel(AlarmControlPanelEntity):
    _attr_name = "Block 3"
    _attr_supported_features = AlarmControlPanelEntityFeature.ARM_AWAY
    _attr_alarm_state = AlarmControlPanelState.DISARMED

    def alarm_arm_away(self, code: str | None = None) -> None:
        self._attr_alarm_state = AlarmControlPanelState.ARMING
        self.write_state()


async def test_arming_a_way_the_panel_offers_and_refusing_one_it_does_not(tmp_path):
    async with running_hub(tmp_path, {"alarm_control_panel": None}) as hub:
        await hub.entities.add("test", [Panel()])
        assert hub.states.get("alarm_control_panel.block_3").state == "disarmed"
        await hub.services.call("alarm_control_panel", "alarm_arm_away", {"entity_id": "alarm_control_panel.block_3"})
        assert hub.states.get("alarm_control_panel.block_3").state == "arming"
        with pytest.raises(ServiceNotSupported,
                           match=r"^alarm_control_panel\.block_3 does not support alarm_control_panel\.alarm_arm_night$"):
            await hub.services.call("alarm_control_panel", "alarm_arm_night", {"entity_id": "alarm_control_panel.block_3"})
