"""``entity_id: all`` and ``entity_id: none`` in a service call's target, as Home Assistant's
``comp_entity_ids`` takes them ("Performing actions": "You can also use entity_id: all and it
will turn on all possible entities"; automation/yaml's "Rule 2 - Away Mode"), on a real hub
with the light domain and lights of a test integration."""
from __future__ import annotations

import pytest

from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.light.entity import LightEntity

AUTOMATIONS = """\
light:
automation:
  # Turn off lights when everybody leaves the house
  # (the page's trigger, a state trigger on `entity_id: all`, is not one Home Assistant accepts)
  - alias: "Rule 2 - Away Mode"
    triggers:
      - trigger: event
        event_type: everybody_left
    actions:
      - action: light.turn_off
        target:
          entity_id: all

  - id: old_style_all
    triggers: {trigger: event, event_type: evening}
    action:
      service: light.turn_on
      entity_id: ALL

  - id: nothing
    triggers: {trigger: event, event_type: nothing}
    actions:
      - action: light.turn_on
        target:
          entity_id: none
      - action: automation.turn_off
        target:
          entity_id: none
      - event: still_running

  - id: all_automations_off
    triggers: {trigger: event, event_type: maintenance}
    actions:
      - action: automation.turn_off
        target:
          entity_id: all
"""


class Lamp(LightEntity):
    def __init__(self, name: str) -> None:
        self._attr_name = name
        self._attr_is_on = False

    def turn_on(self, **options: object) -> None:
        self._attr_is_on = True
        self.write_state()

    def turn_off(self, **options: object) -> None:
        self._attr_is_on = False
        self.write_state()


@pytest.fixture
async def hub(tmp_path, clock):
    async with running_hub(tmp_path, AUTOMATIONS, clock=clock) as hub:
        await hub.entities.add("test", [Lamp("Hallway"), Lamp("Landing")])
        yield hub


def lights(hub) -> dict[str, str]:
    return {state.entity_id: state.state for state in hub.states.all("light")}


async def test_all_targets_every_light_in_any_case(hub):
    hub.bus.fire("evening")
    await hub.block_till_done()
    assert lights(hub) == {"light.hallway": "on", "light.landing": "on"}
    hub.bus.fire("everybody_left")
    await hub.block_till_done()
    assert lights(hub) == {"light.hallway": "off", "light.landing": "off"}
    trace = hub.data["automation"].trace("rule_2_away_mode")
    assert trace["script_execution"] == "finished"
    assert [e["result"] for e in trace["trace"] if e["path"] == "action/0"] == [
        {"action": "light.turn_off", "data": {"entity_id": "all"}}]


async def test_none_targets_nothing_and_is_no_error(hub):
    heard = []
    hub.bus.listen("still_running", heard.append)
    hub.bus.fire("nothing")
    await hub.block_till_done()
    assert lights(hub) == {"light.hallway": "off", "light.landing": "off"}
    assert hub.data["automation"].trace("nothing")["script_execution"] == "finished"
    assert len(heard) == 1
    assert hub.states.get("automation.nothing").state == "on"
    await hub.services.call("light", "turn_on", {"entity_id": "NONE"}, blocking=True)
    assert lights(hub) == {"light.hallway": "off", "light.landing": "off"}


async def test_automation_services_take_all_too(hub):
    hub.bus.fire("maintenance")
    await hub.block_till_done()
    assert {s.entity_id: s.state for s in hub.states.all("automation")} == {
        "automation.rule_2_away_mode": "off", "automation.old_style_all": "off",
        "automation.nothing": "off", "automation.all_automations_off": "off"}


async def test_an_entity_id_that_is_none_of_these_is_a_config_error_at_its_line(tmp_path):
    config = """\
light:
automation:
  - id: typo
    triggers: {trigger: event, event_type: go}
    actions:
      - action: light.turn_on
        target:
          entity_id: kitchen light
"""
    async with running_hub(tmp_path, config, expect_problems=True) as hub:
        [error] = hub.data["automation"].get("typo").errors
        assert str(error) == ("config.yaml:8: automation[0].actions[0].target.entity_id: expected an entity id: "
                              "domain.object_id, lowercase letters, digits and underscores, got 'kitchen light'")
