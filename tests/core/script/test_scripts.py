"""Scripts as Home Assistant's script integration documents them: its examples, run as written
(services other than notify's are recorded by the test), on a real hub."""
from __future__ import annotations

import pytest

from tests.core.script.conftest import call, settle
from xiaoqu.core.errors import HubError, ServiceValidationError

# --- "Configuration": the first example of the docs -------------------------------------------

MESSAGE_TEMPERATURE = """
notify:
  - name: guard_room
script:
  message_temperature:
    sequence:
      # This is Home Assistant Script Syntax
      - action: notify.notify
        data:
          message: "Current temperature is {{ states('sensor.temperature') }}"
"""


async def test_the_docs_first_example_notifies_through_every_target(start, seen_on):
    async with start(MESSAGE_TEMPERATURE) as hub:
        seen = seen_on(hub)
        seen.listen("notification_sent")
        hub.states.set("sensor.temperature", "21.5")
        assert hub.states.get("script.message_temperature").state == "off"

        assert await hub.services.call("script", "message_temperature") is None

        assert seen.messages("guard_room") == ["Current temperature is 21.5"]
        state = hub.states.get("script.message_temperature")
        assert state.state == "off"
        assert state.attributes["friendly_name"] == "message_temperature"
        assert state.attributes["mode"] == "single" and state.attributes["current"] == 0
        assert state.attributes["last_triggered"] == "2026-03-02T08:00:00+08:00"


# --- "Passing variables to scripts" -----------------------------------------------------------

NOTIFY_PUSHOVER = """
notify:
  - name: pushover
script:
  notify_pushover:
    description: "Send a pushover notification"
    fields:
      title:
        description: "The title of the notification"
        example: "State change"
      message:
        description: "The message content"
        example: "The light is on!"
    sequence:
      - condition: state
        entity_id: switch.pushover_notifications
        state: "on"
      - action: notify.pushover
        data:
          title: "{{ title }}"
          message: "{{ message }}"
"""

CALLED_DIRECTLY = """
automation:
  trigger:
    platform: state
    entity_id: light.bedroom
    from: "off"
    to: "on"
  action:
    service: script.notify_pushover
    data:
      title: "State change"
      message: "The light is on!"
"""

CALLED_WITH_TURN_ON = """
automation:
  trigger:
    platform: state
    entity_id: light.bedroom
    from: "off"
    to: "on"
  action:
    service: script.turn_on
    target:
      entity_id: script.notify_pushover
    data:
      variables:
        title: "State change"
        message: "The light is on!"
"""


@pytest.mark.parametrize("automation", [CALLED_DIRECTLY, CALLED_WITH_TURN_ON], ids=["script.name", "script.turn_on"])
async def test_the_docs_automations_pass_variables_to_the_script(start, seen_on, automation):
    async with start(NOTIFY_PUSHOVER + automation) as hub:
        seen = seen_on(hub)
        seen.listen("notification_sent")
        hub.states.set("switch.pushover_notifications", "on")
        hub.states.set("light.bedroom", "off")
        hub.states.set("light.bedroom", "on")
        await hub.block_till_done()
        assert seen.data("notification_sent", target="pushover") == [
            {"target": "pushover", "title": "State change", "message": "The light is on!", "recipients": []}]

        hub.states.set("switch.pushover_notifications", "off")  # the script's condition stops it
        hub.states.set("light.bedroom", "off")
        hub.states.set("light.bedroom", "on")
        await hub.block_till_done()
        assert len(seen.messages("pushover")) == 1
        assert hub.data["script"].trace("notify_pushover")["script_execution"] == "aborted"
        assert hub.data["automation"].trace("automation_1")["script_execution"] == "finished"


async def test_fields_are_documentation_data_names_beyond_them_are_variables_too(start, seen_on):
    async with start(NOTIFY_PUSHOVER) as hub:
        seen = seen_on(hub)
        seen.listen("notification_sent")
        hub.states.set("switch.pushover_notifications", "on")
        await hub.services.call("script", "notify_pushover", {"message": "Gate 2 is open"})
        assert seen.data("notification_sent", target="pushover")[0]["title"] == ""  # undefined renders empty
        trace = hub.data["script"].trace("notify_pushover")
        assert trace["trace"][0]["path"] == "variables"
        assert trace["trace"][0]["changed_variables"]["message"] == "Gate 2 is open"
        assert [element["path"] for element in trace["trace"][1:]] == ["sequence/0", "sequence/1"]


# --- "Waiting for Script to Complete" -------------------------------------------------------

WAITING = """
script:
  script_1:
    sequence:
      - action: script.turn_on
        target:
          entity_id: script.script_2
      # Perform some other steps here while second script runs...
      - event: script_1_goes_on
      # Now wait for called script to complete.
      - wait_template: "{{ is_state('script.script_2', 'off') }}"
      # Now do some other things...
      - event: script_1_done
  script_2:
    sequence:
      # Do some things at the same time as the first script...
      - delay: 30
      - event: script_2_done
"""


async def test_turn_on_does_not_wait_and_a_wait_template_waits_for_the_called_script(start, seen_on, clock):
    async with start(WAITING) as hub:
        seen = seen_on(hub)
        seen.listen("script_1_goes_on", "script_1_done", "script_2_done")
        await hub.services.call("script", "turn_on", {"entity_id": "script.script_1"})
        await hub.block_till_done()
        assert [e.event_type for e in seen.events] == ["script_1_goes_on"]
        assert hub.states.get("script.script_1").state == "on"
        assert hub.states.get("script.script_2").state == "on"

        clock.advance(30)
        await hub.block_till_done()
        assert [e.event_type for e in seen.events] == ["script_1_goes_on", "script_2_done", "script_1_done"]
        assert hub.states.get("script.script_1").state == "off"
        assert hub.states.get("script.script_2").state == "off"


CALLER_AND_FAILING = """
script:
  caller_waits:
    sequence:
      - action: script.check_gate
      - event: caller_went_on
  caller_does_not_wait:
    sequence:
      - action: script.turn_on
        target: {entity_id: script.check_gate}
      - event: caller_went_on
  check_gate:
    sequence:
      - delay: 5
      - stop: "The gate did not answer"
        error: true
"""


async def test_a_called_script_that_aborts_aborts_its_caller_unless_started_with_turn_on(start, seen_on, clock):
    async with start(CALLER_AND_FAILING) as hub:
        seen = seen_on(hub)
        seen.listen("caller_went_on")
        waiting = call(hub, "script.caller_waits")
        await settle(hub)
        assert hub.states.get("script.caller_waits").state == "on"
        clock.advance(5)
        await hub.block_till_done()
        with pytest.raises(HubError, match="script.caller_waits: sequence/0: script.check_gate: "
                                           "The gate did not answer"):
            await waiting
        assert seen.events == []
        assert hub.data["script"].trace("caller_waits")["script_execution"] == "error"

        await hub.services.call("script", "caller_does_not_wait")
        await hub.block_till_done()
        assert len(seen.events) == 1
        clock.advance(5)
        await hub.block_till_done()
        assert hub.data["script"].trace("check_gate")["script_execution"] == "aborted"


# --- "Full configuration" ---------------------------------------------------------------------

WAKEUP = """
script:
  wakeup:
    alias: "Wake Up"
    icon: "mdi:party-popper"
    description: "Turns on the bedroom lights and then the living room lights after a delay"
    variables:
      turn_on_entity: group.living_room
    fields:
      minutes:
        name: Minutes
        description: "The amount of time to wait before turning on the living room lights"
        selector:
          number:
            min: 0
            max: 60
            step: 1
            unit_of_measurement: minutes
            mode: slider
    # If called again while still running (probably in delay step), start over.
    mode: restart
    sequence:
      # This is Home Assistant Script Syntax
      - event: LOGBOOK_ENTRY
        event_data:
          name: Paulus
          message: is waking up
          entity_id: device_tracker.paulus
          domain: light
      - alias: "Bedroom lights on"
        action: light.turn_on
        target:
          entity_id: group.bedroom
        data:
          brightness: 100
      - delay:
          # supports seconds, milliseconds, minutes, hours
          minutes: "{{ minutes }}"
      - alias: "Living room lights on"
        action: light.turn_on
        target:
          entity_id: "{{ turn_on_entity }}"
"""


async def test_the_full_configuration_example_restarts_when_called_again(start, seen_on, clock):
    async with start(WAKEUP) as hub:
        seen = seen_on(hub)
        seen.record("light.turn_on")
        seen.listen("LOGBOOK_ENTRY")
        state = hub.states.get("script.wakeup")
        assert state.attributes["friendly_name"] == "Wake Up" and state.attributes["icon"] == "mdi:party-popper"
        assert state.attributes["mode"] == "restart"

        first = call(hub, "script.wakeup", {"minutes": 2})
        await settle(hub)
        assert seen.called("light.turn_on") == [{"brightness": 100, "entity_id": "group.bedroom"}]
        clock.advance(60)
        await hub.block_till_done()
        second = call(hub, "script.wakeup", {"minutes": 2})  # a minute in: the first run starts over
        await settle(hub)
        assert await first is None  # the restarted run's caller goes on
        clock.advance(60)
        await hub.block_till_done()
        assert len(seen.called("light.turn_on")) == 2  # the first run never reached the living room
        clock.advance(60)
        await hub.block_till_done()
        assert await second is None
        assert seen.called("light.turn_on")[-1] == {"entity_id": "group.living_room"}
        assert len(seen.data("LOGBOOK_ENTRY", name="Paulus")) == 2
        assert [t["script_execution"] for t in hub.data["script"].traces("wakeup")] == ["finished", "cancelled"]


# --- fields ---------------------------------------------------------------------------------

FIELDS = """
script:
  announce:
    fields:
      building:
        description: The building to tell
        required: true
        example: "3"
      message:
        required: true
        default: The water is off from 9:00 to 11:00
      level: {default: info}
    variables:
      prefix: "[{{ level }}]"
      level: ignored, the field's default or the caller's value wins
    sequence:
      - event: announced
        event_data:
          text: "{{ prefix }} {{ building }}: {{ message }}"
          note: "{{ note | default('none') }}"
          by: "{{ context.user_id }}"
          this: "{{ this.state }}"
"""


async def test_required_fields_defaults_and_other_data(start, seen_on):
    async with start(FIELDS) as hub:
        seen = seen_on(hub)
        seen.listen("announced")
        with pytest.raises(ServiceValidationError, match="script.announce: required field 'building' not given"):
            await hub.services.call("script", "announce", {"message": "Hello"})
        with pytest.raises(ServiceValidationError, match="required field 'building' not given"):
            await hub.services.call("script", "turn_on",
                                    {"entity_id": "script.announce", "variables": {"level": "warning"}})
        assert hub.data["script"].traces("announce") == []

        await hub.services.call("script", "announce", {"building": 3})
        await hub.services.call("script", "announce", {"building": 5, "level": "warning", "message": "Lift B stops",
                                                       "note": "from the office"})
        assert seen.data("announced") == [
            {"text": "[info] 3: The water is off from 9:00 to 11:00", "note": "none", "by": None, "this": "off"},
            {"text": "[warning] 5: Lift B stops", "note": "from the office", "by": None, "this": "off"},
        ]


async def test_a_caller_cannot_set_this_or_context(start, seen_on, caplog):
    async with start(FIELDS) as hub:
        seen = seen_on(hub)
        seen.listen("announced")
        forged = {"building": 1, "this": {"state": "forged"}, "context": {"user_id": "admin"}}
        await hub.services.call("script", "announce", forged)
        (announced,) = seen.data("announced")
        assert announced["by"] is None and announced["this"] == "off"
        variables = hub.data["script"].trace("announce")["trace"][0]
        assert variables["result"] == {"ignored_variables": ["context", "this"]}
        assert "Script announce: variables context, this ignored" in caplog.text


# --- a response ---------------------------------------------------------------------------

RESPONSE = """
script:
  arrears_of:
    fields:
      household: {required: true}
    sequence:
      - action: test.lookup
        data: {household: "{{ household }}"}
        response_variable: lookup
      - variables:
          answer:
            household: "{{ household }}"
            lookups: "{{ lookup.count }}"
            fen: 1500
      - stop: "Looked up"
        response_variable: answer
  forgets_its_answer:
    sequence:
      - stop: "Nothing to say"
        response_variable: answer
automation:
  - id: tell_the_cashier
    triggers: {trigger: event, event_type: card_swiped}
    actions:
      - action: script.arrears_of
        data: {household: "{{ trigger.event.data.household }}"}
        response_variable: owed
      - event: cashier_told
        event_data: {household: "{{ owed.household }}", fen: "{{ owed.fen }}"}
"""


async def test_a_script_answers_its_stop_response_variable(start, seen_on):
    async with start(RESPONSE) as hub:
        seen = seen_on(hub)
        seen.record("test.lookup")
        seen.listen("cashier_told")
        answer = await hub.services.call("script", "arrears_of", {"household": "3-1-0502"}, return_response=True)
        assert answer == {"household": "3-1-0502", "lookups": 1, "fen": 1500}
        assert await hub.services.call("script", "arrears_of", {"household": "3-1-0502"}) is None

        hub.bus.fire("card_swiped", {"household": "7-2-1101"})
        await hub.block_till_done()
        assert seen.data("cashier_told") == [{"household": "7-2-1101", "fen": 1500}]

        with pytest.raises(HubError, match="response variable 'answer' is not defined"):
            await hub.services.call("script", "forgets_its_answer", return_response=True)
