"""Limited templates in event triggers (``event_type``, ``event_data``, ``context``), rendered
once with the automation's ``trigger_variables`` when the trigger attaches — Home Assistant's
"Trigger variables" and "Event trigger" sections (automation/trigger), YAML as the docs show it.
"""
from __future__ import annotations

from xiaoqu.core.bus import Context


async def test_event_type_from_trigger_variables_as_documented(hub, automations, calls):
    # "Trigger variables": the first example of the page, with a trigger-level `variables:`.
    await automations("""
        - id: doc_trigger_variables
          trigger_variables:
            my_event: example_event
          triggers:
            - trigger: event
              # Able to use `trigger_variables`
              event_type: "{{ my_event }}"
              # These variables are evaluated and set when this trigger is triggered
              variables:
                name: "{{ trigger.event.data.name }}"
          actions:
            - action: test.record
              data: {name: "{{ name }}", type: "{{ trigger.event.event_type }}"}
    """)
    hub.bus.fire("my_event", {"name": "not this one"})
    hub.bus.fire("example_event", {"name": "Paulus"})
    await hub.block_till_done()
    assert calls.data == [{"name": "Paulus", "type": "example_event"}]


async def test_event_type_built_by_a_template_as_documented(hub, automations, calls):
    # "Event trigger": `event_type: "{{ 'MY_CUSTOM_EVENT_' ~ sub_event }}"`.
    await automations("""
        - id: doc_sub_event
          trigger_variables:
            sub_event: ABC
            node: ac
            value: on
          triggers:
            - trigger: event
              event_type: "{{ 'MY_CUSTOM_EVENT_' ~ sub_event }}"
          actions:
            - action: test.record
    """)
    hub.bus.fire("MY_CUSTOM_EVENT_", {})
    hub.bus.fire("MY_CUSTOM_EVENT_ABC", {})
    await hub.block_till_done()
    assert len(calls) == 1
    assert hub.bus.listeners().get("MY_CUSTOM_EVENT_ABC") == 1


async def test_event_data_and_context_templates_are_rendered_once_when_attached(hub, automations, calls):
    await automations("""
        - id: by_node
          mode: queued
          trigger_variables:
            node: ac
            level: 3
            guard: guard_7
          triggers:
            - trigger: event
              event_type: [node_changed, "{{ node }}_changed"]
              event_data:
                node: "{{ node }}"
                detail: {level: "{{ level }}"}
              context:
                user_id: ["{{ guard }}", guard_8]
          actions:
            - action: test.record
              data: {type: "{{ trigger.event.event_type }}"}
    """)
    fire = hub.bus.fire
    fire("node_changed", {"node": "ac", "detail": {"level": 3, "x": 1}}, context=Context("guard_7"))
    fire("ac_changed", {"node": "ac", "detail": {"level": 3}}, context=Context("guard_8"))
    fire("node_changed", {"node": "ac", "detail": {"level": "3"}}, context=Context("guard_7"))  # 3 is a number
    fire("node_changed", {"node": "fan", "detail": {"level": 3}}, context=Context("guard_7"))
    fire("node_changed", {"node": "ac", "detail": {"level": 3}}, context=Context("guard_9"))
    await hub.block_till_done()
    assert calls.data == [{"type": "node_changed"}, {"type": "ac_changed"}]


async def test_templates_are_not_rendered_again_for_each_event(hub, automations, calls):
    # "The event_type, event_data and context templates are only evaluated when setting up the
    # trigger": a template reading the event (not a trigger variable) sees nothing at attach time.
    await automations("""
        - id: attach_time
          trigger_variables: {wanted: open}
          triggers:
            - trigger: event
              event_type: door
              event_data: {action: "{{ wanted }}"}
          actions:
            - action: test.record
    """)
    hub.bus.fire("door", {"action": "open"})
    hub.bus.fire("door", {"action": "{{ wanted }}"})
    await hub.block_till_done()
    assert len(calls) == 1


async def test_a_template_that_reads_states_is_refused_at_attach_and_the_others_run(hub, automations, calls):
    hub.states.set("sensor.mode", "night")
    engine = await automations("""
        - id: reads_state
          triggers:
            - trigger: event
              event_type: "{{ states('sensor.mode') }}_event"
            - trigger: event
              event_type: fallback
          actions:
            - action: test.record
    """)
    automation = engine.get("reads_state")
    assert automation.armed
    [warning] = [str(w) for w in automation.warnings]
    assert "automations.yaml:2: automation[0]: trigger 0 (event) could not be attached" in warning
    assert "limited template" in warning
    hub.bus.fire("night_event", {})
    hub.bus.fire("fallback", {})
    await hub.block_till_done()
    assert len(calls) == 1


async def test_a_template_giving_no_event_type_is_refused_at_attach(hub, automations):
    engine = await automations("""
        - id: empty_type
          trigger_variables: {kind: ""}
          triggers:
            - trigger: event
              event_type: "{{ kind }}"
          actions:
            - action: test.record
    """)
    [warning] = [str(w) for w in engine.get("empty_type").warnings]
    assert "event_type: the template gave '', not an event type" in warning


async def test_a_template_that_does_not_parse_is_a_config_error_with_its_line(hub, automations):
    engine = await automations("""
        - id: broken
          triggers:
            - trigger: event
              event_type: go
              event_data:
                node: "{{ node "
          actions:
            - action: test.record
    """)
    [error] = [str(e) for e in engine.get("broken").errors]
    assert error.startswith("automations.yaml:7: automation[0].triggers[0].event_data.node: invalid template")
