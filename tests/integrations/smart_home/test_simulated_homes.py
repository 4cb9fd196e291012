"""The simulator's smart-home devices join their households the way an installer sets them
up: under the household's prefix, so smart_home gives each to its home and its resident."""
from __future__ import annotations

from tests.conftest import START
from tests.integrations.simulator.conftest import simulated
from tests.integrations.smart_home.conftest import HUB_ACTOR, KEY, wait_for
from xiaoqu.core.clock import ManualClock
from xiaoqu.integrations.residents import get_residents
from xiaoqu.integrations.smart_home import get_smart_home

ESTATE = {"buildings": 1, "units_per_building": 1, "floors": 2, "smart_home_devices": 3, "barriers": 0,
          "mqtt_barriers": 0, "readers": 0, "pos_terminals": 0, "patrol_wands": 0}


async def test_simulated_devices_join_their_households(tmp_path, broker) -> None:
    async with simulated(tmp_path, broker, ManualClock(START), simulator=ESTATE, smart_home=None,
                         residents={"encryption_key": KEY}) as hub:
        devices = hub.data["simulator"].estate.smart_devices
        homes = {device.household for device in devices}
        smart_home = get_smart_home(hub)
        await wait_for(lambda: sum(len(smart_home.entity_ids(home)) for home in homes) >= 4)  # plug (2), light, sensor
        for home in homes:
            slug = home.replace("-", "_")
            assert all(entity_id.split(".", 1)[1].startswith(f"{slug}_") for entity_id in smart_home.entity_ids(home))
        # a resident of one of those homes reaches that home's devices only
        home = next(iter(homes))
        await hub.data["auth"].manager.add_user("wang", "resident", None, HUB_ACTOR)
        residents = get_residents(hub)
        await residents.add_household(home)
        person = await residents.add_person(household=home, role="owner", name="王芳")
        await residents.link_user(person.id, "wang")
        scope = smart_home.scope_for("wang")
        assert scope is not None
        visible = {entity_id for entity_id in hub.states.entity_ids() if scope(entity_id)}
        assert visible == smart_home.entity_ids(home) and visible
