"""``trigger: homeassistant`` (Home Assistant's name of the ``hub`` trigger), on a real hub
started from a config file — the "Home Assistant trigger" section of automation/trigger."""
from __future__ import annotations

from xiaoqu.core.testing import running_hub

CONFIG = """\
automation:
  - id: on_start
    triggers:
      - trigger: homeassistant
        # Event can also be 'shutdown'
        event: start
    actions:
      - event: said
        event_data: {platform: "{{ trigger.platform }}", event: "{{ trigger.event }}"}
  - id: on_shutdown
    triggers:
      - platform: homeassistant
        event: shutdown
    actions:
      - event: said
        event_data: {platform: "{{ trigger.platform }}", event: "{{ trigger.event }}"}
  - id: our_name
    triggers:
      - trigger: hub
        event: start
    actions:
      - event: said
        event_data: {platform: "{{ trigger.platform }}", event: "{{ trigger.event }}"}
"""


async def test_homeassistant_start_and_shutdown_fire_as_the_hub_trigger_does(tmp_path):
    async with running_hub(tmp_path, CONFIG) as hub:
        engine = hub.data["automation"]
        started = {name: engine.trace(name) for name in ("on_start", "our_name")}
        assert {name: trace["script_execution"] for name, trace in started.items()} == {
            "on_start": "finished", "our_name": "finished"}
        said = [element["result"]["event_data"] for element in started["on_start"]["trace"]
                if element["path"] == "action/0"]
        assert said == [{"platform": "homeassistant", "event": "start"}]
        assert engine.trace("on_shutdown") is None

        heard = []
        hub.bus.listen("said", lambda event: heard.append(dict(event.data)))
        await hub.stop()
        assert heard == [{"platform": "homeassistant", "event": "shutdown"}]


async def test_a_wrong_event_is_an_error_naming_the_choices(tmp_path):
    config = """\
automation:
  - id: typo
    triggers:
      - trigger: homeassistant
        event: started
    actions:
      - event: said
"""
    async with running_hub(tmp_path, config, expect_problems=True) as hub:
        [error] = hub.data["automation"].get("typo").errors
        assert str(error) == "config.yaml:5: automation[0].triggers[0].event: expected start or shutdown, got 'started'"
