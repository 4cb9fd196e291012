"""The device tracker domain: the place the device names, else ``not_home`` from coordinates alone."""
from __future__ import annotations

import pytest

from xiaoqu.integrations.device_tracker.entity import DeviceTrackerEntity


@pytest.mark.parametrize(("location", "coordinates", "state"), [
    (None, (None, None), None),
    (None, (31.2, None), None),
    (None, (31.2, 121.5), "not_home"),
    ("home", (31.2, 121.5), "home"),
    ("Block 3 gym", (None, None), "Block 3 gym"),
])
def test_the_state_is_the_place_else_not_home_from_coordinates(location, coordinates, state):
    tracker = DeviceTrackerEntity()
    tracker._attr_location_name = location
    tracker._attr_latitude, tracker._attr_longitude = coordinates
    assert tracker.state == state
