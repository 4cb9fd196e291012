"""The number domain: the state is the value as a person writes it, the limits are
attributes, and a value outside them is refused naming them and the entity."""
from __future__ import annotations

import pytest

from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.number.entity import NumberEntity


class Setpoint(NumberEntity):
    _attr_name = "Boiler setpoint"
    _attr_native_min_value, _attr_native_max_value, _attr_native_step = 30.0, 80.0, 0.5
    _attr_unit_of_measurement = "°C"

    def set_value(self, value: float) -> None:
        self.check_value(value)
        self._attr_native_value = value
        self.write_state()


async def test_values_within_the_limits_are_set_and_others_refused(tmp_path):
    async with running_hub(tmp_path, {"number": None}) as hub:
        await hub.entities.add("test", [Setpoint()])
        await hub.services.call("number", "set_value", {"entity_id": "number.boiler_setpoint", "value": "55"})
        state = hub.states.get("number.boiler_setpoint")
        assert state.state == "55"
        assert {k: state.attributes[k] for k in ("min", "max", "step", "mode", "unit_of_measurement")} == {
            "min": 30.0, "max": 80.0, "step": 0.5, "mode": "auto", "unit_of_measurement": "°C"}
        await hub.services.call("number", "set_value", {"entity_id": "number.boiler_setpoint", "value": 62.5})
        assert hub.states.get("number.boiler_setpoint").state == "62.5"
        with pytest.raises(ServiceValidationError, match=r"^value 90 is outside 30\.\.80 for number\.boiler_setpoint$"):
            await hub.services.call("number", "set_value", {"entity_id": "number.boiler_setpoint", "value": 90})
        assert hub.states.get("number.boiler_setpoint").state == "62.5"
