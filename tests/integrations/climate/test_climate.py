"""The climate domain: the state is the HVAC mode; limits and modes are always attributes,
readings only once known."""
from __future__ import annotations

from xiaoqu.integrations.climate.const import HVACMode
from xiaoqu.integrations.climate.entity import ClimateEntity


class Thermostat(ClimateEntity):
    _attr_hvac_modes = [HVACMode.OFF, HVACMode.HEAT]
    _attr_min_temp, _attr_max_temp = 5.0, 30.0


def test_the_state_is_the_mode_and_readings_show_once_known():
    thermostat = Thermostat()
    assert thermostat.state is None
    assert thermostat.domain_attributes() == {"hvac_modes": ["off", "heat"], "min_temp": 5.0, "max_temp": 30.0}
    thermostat._attr_hvac_mode, thermostat._attr_target_temperature = HVACMode.HEAT, 21.0
    thermostat._attr_current_temperature, thermostat._attr_hvac_action = 19.5, "heating"
    assert thermostat.state == "heat"
    attributes = thermostat.domain_attributes()
    assert (attributes["temperature"], attributes["current_temperature"], attributes["hvac_action"]) == (21.0, 19.5, "heating")
    assert "target_temp_low" not in attributes and "preset_modes" not in attributes
