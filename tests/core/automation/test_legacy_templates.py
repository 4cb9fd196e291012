"""The legacy keys ``service_template`` and ``data_template`` (``event_data_template``) of
Home Assistant's older documentation (automation-templating, scripts/service-calls), as Home
Assistant still runs them: ``service_template`` names the service, ``data_template`` is merged
into ``data`` (its keys winning)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.fixtures_mqtt import BrokerProcess
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations import mqtt


@pytest.fixture
def broker(tmp_path: Path):
    with BrokerProcess.create(tmp_path / "broker") as process:
        yield process


async def test_service_template_from_an_mqtt_topic_as_documented(tmp_path, broker):
    config = f"""\
http:
  server_port: 0
mqtt: {broker.hub_config()}
automation 2:
  trigger:
    platform: mqtt
    topic: /notify/+
  action:
    service_template: >
      notify.{{{{ trigger.topic.split('/')[-1] }}}}
    data_template:
      message: '{{{{ trigger.payload }}}}'
"""
    async with running_hub(tmp_path, config) as hub:
        sent = []
        hub.services.register("notify", "guard_room", lambda call: sent.append(dict(call.data)))
        await mqtt.publish(hub, "/notify/guard_room", "Gate 3 forced", qos=1)
        async with asyncio.timeout(10):
            while not sent:
                await asyncio.sleep(0.01)
    assert sent == [{"message": "Gate 3 forced"}]


async def test_service_template_choosing_on_a_state_as_documented(hub, automations):
    switched = []
    for service in ("turn_on", "turn_off"):
        hub.services.register("switch", service, lambda call, service=service: switched.append(
            (service, call.data["entity_id"])))
    await automations("""
        - id: ac
          triggers: {trigger: event, event_type: check}
          action:
            service_template: >
              {% if states.sensor.temperature.state | float > 15 %}
                switch.turn_on
              {% else %}
                switch.turn_off
              {% endif %}
            entity_id: switch.ac
    """)
    for temperature in ("21.5", "12"):
        hub.states.set("sensor.temperature", temperature)
        hub.bus.fire("check")
        await hub.block_till_done()
    assert switched == [("turn_on", "switch.ac"), ("turn_off", "switch.ac")]


async def test_data_and_data_template_are_merged_the_template_winning(hub, automations, calls, traces):
    await automations("""
        - id: both
          triggers: {trigger: event, event_type: go}
          actions:
            - service: test.record
              data:
                title: Gate
                level: info
              data_template:
                level: "{{ trigger.event.data.level }}"
                message: "{{ trigger.event.data.text }}"
            - event: noticed
              event_data: {source: both}
              event_data_template: {text: "{{ trigger.event.data.text }}"}
    """)
    noticed = []
    hub.bus.listen("noticed", lambda event: noticed.append(dict(event.data)))
    hub.bus.fire("go", {"level": "warning", "text": "held open"})
    await hub.block_till_done()
    assert calls.data == [{"title": "Gate", "level": "warning", "message": "held open"}]
    assert noticed == [{"source": "both", "text": "held open"}]
    assert traces.element(traces.last("both"), "action/0")["result"]["action"] == "test.record"


async def test_service_and_service_template_together_are_an_error(hub, automations):
    engine = await automations("""
        - id: twice
          triggers: {trigger: event, event_type: go}
          actions:
            - service: test.record
              service_template: "test.{{ 'fail' }}"
            - action: test.record
              service_template: test.record
    """)
    assert [str(e) for e in engine.get("twice").errors] == [
        "automations.yaml:6: automation[0].actions[0]: 'service' and 'service_template' are both old names of "
        "'action'; write only 'action'",
        "automations.yaml:8: automation[0].actions[1]: 'service_template' is the old name of 'action'; "
        "write only 'action'",
    ]
