"""The binary sensor domain: ``on``, ``off`` or ``unknown`` from ``is_on``."""
from __future__ import annotations

import pytest

from xiaoqu.integrations.binary_sensor.entity import BinarySensorEntity


@pytest.mark.parametrize(("is_on", "state"), [(None, None), (True, "on"), (False, "off")])
def test_the_state_follows_is_on(is_on, state):
    sensor = BinarySensorEntity()
    sensor._attr_is_on = is_on
    assert sensor.state == state
