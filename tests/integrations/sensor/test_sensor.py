"""The sensor domain: the state is the value as text, with its unit and state class."""
from __future__ import annotations

from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.sensor.const import SensorStateClass
from xiaoqu.integrations.sensor.entity import SensorEntity


class FreeSpaces(SensorEntity):
    _attr_name = "Free spaces"
    _attr_unit_of_measurement = "spaces"
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_extra_state_attributes = {"lot": "P1", "unit_of_measurement": "cars"}


async def test_the_state_is_the_value_with_its_unit_and_class(tmp_path):
    async with running_hub(tmp_path, {"sensor": None}) as hub:
        sensor = FreeSpaces()
        await hub.entities.add("test", [sensor])
        assert hub.states.get("sensor.free_spaces").state == "unknown"
        sensor._attr_native_value = 12
        sensor.write_state()
        state = hub.states.get("sensor.free_spaces")
        assert state.state == "12"
        # the domain's attributes win over what a device put among its own
        assert (state.attributes["unit_of_measurement"], state.attributes["state_class"], state.attributes["lot"]) == (
            "spaces", "measurement", "P1")
        assert hub.services.describe().get("sensor") is None  # a sensor only reports
