"""The fan domain: on/off from ``is_on`` with speed, preset and oscillation as attributes."""
from __future__ import annotations

from xiaoqu.integrations.fan.entity import FanEntity


def test_speed_preset_and_oscillation_are_attributes_when_known():
    fan = FanEntity()
    assert (fan.state, fan.domain_attributes()) == (None, {})
    fan._attr_is_on, fan._attr_percentage, fan._attr_preset_modes = True, 50, ["smart"]
    fan._attr_oscillating = False
    assert fan.state == "on"
    assert fan.domain_attributes() == {"percentage": 50, "oscillating": False, "preset_modes": ["smart"]}
