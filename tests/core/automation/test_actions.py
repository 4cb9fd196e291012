"""Steps with Home Assistant's meaning: service calls, waits, branches, loops, variables, errors."""
from __future__ import annotations

import asyncio

from xiaoqu.core.bus import Context


async def test_service_call_new_and_old_keys_target_templates_and_response(hub, automations, calls, traces):
    hub.states.set("sensor.count", "41")
    await automations("""
        - id: calls
          triggers: {trigger: event, event_type: go}
          actions:
            - action: test.record
              target: {entity_id: lock.gate}
              data: {count: "{{ states('sensor.count') | int + 1 }}", note: plain}
              response_variable: answer
            - service: "{{ 'test' ~ '.record' }}"
              data_template: {got: "{{ answer.count }}", echoed: "{{ answer.echo.note }}"}
              entity_id: lock.other
    """)
    hub.bus.fire("go", context=Context(user_id="guard_1"))
    await hub.block_till_done()
    assert calls.data == [
        {"count": 42, "note": "plain", "entity_id": "lock.gate"},
        {"got": 1, "echoed": "plain", "entity_id": "lock.other"},
    ]
    trace = traces.last("calls")
    assert traces.element(trace, "action/0")["changed_variables"]["answer"]["count"] == 1
    context = calls.made[0].context
    assert context.source == "automation.calls" and context.user_id is None
    assert context.parent_id == trace["context"]["parent_id"] is not None


async def test_every_call_carries_the_triggering_context_as_parent(hub, automations, calls):
    await automations("""
        - id: ctx
          triggers: {trigger: event, event_type: go}
          actions: [{action: test.record}, {event: done}]
    """)
    cause = Context(user_id="cashier")
    done = []
    hub.bus.listen("done", lambda event: done.append(event.context))
    hub.bus.fire("go", context=cause)
    await hub.block_till_done()
    assert calls.made[0].context.parent_id == cause.id
    assert done[0] is calls.made[0].context


async def test_delay_and_event(hub, clock, automations, calls):
    await automations("""
        - id: later
          triggers: {trigger: event, event_type: go}
          variables: {wait_for: 3}
          actions:
            - delay: "00:00:02"
            - action: test.record
              data: {step: 1}
            - delay: "{{ wait_for }}"
            - event: finished
              event_data: {after: "{{ wait_for }}"}
    """)
    finished = []
    hub.bus.listen("finished", lambda event: finished.append(dict(event.data)))
    hub.bus.fire("go")
    await hub.block_till_done()  # returns while the run waits: the clock has not moved
    assert calls.data == []
    clock.advance(2)
    await hub.block_till_done()
    assert calls.data == [{"step": 1}] and finished == []
    clock.advance(3)
    await hub.block_till_done()
    assert finished == [{"after": 3}]


async def test_wait_template_completes_times_out_and_can_abort(hub, clock, automations, calls, traces):
    hub.states.set("lock.gate", "unlocked")
    await automations("""
        - id: waits
          triggers: {trigger: event, event_type: go}
          actions:
            - wait_template: "{{ is_state('lock.gate', 'locked') }}"
              timeout: 30
            - action: test.record
              data: {completed: "{{ wait.completed }}", remaining: "{{ wait.remaining | round(0) }}"}
            - wait_template: "{{ is_state('lock.gate', 'jammed') }}"
              timeout: 10
              continue_on_timeout: false
            - action: test.record
              data: {never: true}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    clock.advance(12)
    hub.states.set("lock.gate", "locked")
    await hub.block_till_done()
    assert calls.data == [{"completed": True, "remaining": 18.0}]
    clock.advance(10)
    await hub.block_till_done()
    trace = traces.last("waits")
    assert trace["script_execution"] == "aborted"
    assert "timed out" in trace["error"]
    assert len(calls) == 1


async def test_wait_for_trigger_sets_wait_trigger(hub, clock, automations, calls):
    await automations("""
        - id: ack
          triggers: {trigger: event, event_type: alarm}
          actions:
            - wait_for_trigger:
                - trigger: event
                  event_type: acknowledged
                  event_data: {alarm: "1"}
              timeout: {minutes: 5}
            - action: test.record
              data:
                by: "{{ wait.trigger.event.data.user if wait.trigger else 'nobody' }}"
                completed: "{{ wait.completed }}"
    """)
    hub.bus.fire("alarm")
    await hub.block_till_done()
    hub.bus.fire("acknowledged", {"alarm": "2", "user": "wrong"})
    hub.bus.fire("acknowledged", {"alarm": "1", "user": "guard_3"})
    await hub.block_till_done()
    hub.bus.fire("alarm")
    await hub.block_till_done()
    clock.advance(300)
    await hub.block_till_done()
    assert calls.data == [{"by": "guard_3", "completed": True}, {"by": "nobody", "completed": False}]
    assert hub.bus.listeners().get("acknowledged") is None  # the wait's trigger was detached


async def test_choose_if_and_sequence(hub, automations, calls, traces):
    await automations("""
        - id: branches
          mode: queued
          triggers: {trigger: event, event_type: go}
          actions:
            - choose:
                - conditions: "{{ trigger.event.data.n == 1 }}"
                  sequence: {action: test.record, data: {choose: one}}
                - alias: two
                  conditions: {condition: template, value_template: "{{ trigger.event.data.n == 2 }}"}
                  sequence: {action: test.record, data: {choose: two}}
              default:
                - action: test.record
                  data: {choose: default}
            - if: "{{ trigger.event.data.n > 1 }}"
              then: {action: test.record, data: {if: then}}
              else: {action: test.record, data: {if: else}}
            - sequence:
                - condition: template
                  value_template: "{{ trigger.event.data.n == 3 }}"
                - action: test.record
                  data: {sequence: ran}
            - action: test.record
              data: {after_sequence: true}
    """)
    for n in (1, 2, 3):
        hub.bus.fire("go", {"n": n})
    await hub.block_till_done()
    assert calls.data == [
        {"choose": "one"}, {"if": "else"}, {"after_sequence": True},
        {"choose": "two"}, {"if": "then"}, {"after_sequence": True},
        {"choose": "default"}, {"if": "then"}, {"sequence": "ran"}, {"after_sequence": True},
    ]
    trace = traces.last("branches")
    assert traces.element(trace, "action/0")["result"]["choice"] == "default"
    assert traces.element(trace, "action/0/choose/1/conditions/0")["result"]["result"] is False
    assert traces.element(trace, "action/1")["result"]["choice"] == "then"


async def test_repeat_count_while_until_for_each(hub, automations, calls):
    await automations("""
        - id: loops
          triggers: {trigger: event, event_type: go}
          variables: {total: 0}
          actions:
            - repeat:
                count: "{{ 1 + 1 }}"
                sequence:
                  - action: test.record
                    data: {count: "{{ repeat.index }}", first: "{{ repeat.first }}", last: "{{ repeat.last }}"}
            - repeat:
                while: "{{ repeat.index <= 2 }}"
                sequence:
                  - variables: {total: "{{ total + repeat.index }}"}
            - repeat:
                until: "{{ repeat.index >= 2 }}"
                sequence: {action: test.record, data: {until: "{{ repeat.index }}"}}
            - repeat:
                for_each: [gate_1, gate_2]
                sequence:
                  - condition: template
                    value_template: "{{ repeat.item != 'gate_1' }}"
                  - action: test.record
                    data: {item: "{{ repeat.item }}", last: "{{ repeat.last }}"}
            - action: test.record
              data: {total: "{{ total }}"}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    assert calls.data == [
        {"count": 1, "first": True, "last": False},
        {"count": 2, "first": False, "last": True},
        {"until": 1},
        {"until": 2},
        {"item": "gate_2", "last": True},  # a false condition ends only that iteration's sequence
        {"total": 3},  # set inside the loop, defined outside: the outer variable changed
    ]


async def test_variables_scopes(hub, automations, calls):
    await automations("""
        - id: scopes
          triggers: {trigger: event, event_type: go}
          variables: {outer: 1}
          actions:
            - if: "{{ true }}"
              then:
                - variables: {outer: 2, inner: 5}
                - action: test.record
                  data: {inside: "{{ inner }}"}
            - action: test.record
              data: {outer: "{{ outer }}", inner: "{{ inner | default('gone') }}"}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    assert calls.data == [{"inside": 5}, {"outer": 2, "inner": "gone"}]


async def test_parallel_runs_branches_at_once(hub, clock, automations, calls, traces):
    await automations("""
        - id: both
          triggers: {trigger: event, event_type: go}
          actions:
            - parallel:
                - sequence:
                    - delay: 5
                    - action: test.record
                      data: {branch: slow}
                - action: test.record
                  data: {branch: fast}
            - action: test.record
              data: {branch: after}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    assert calls.data == [{"branch": "fast"}]
    clock.advance(5)
    await hub.block_till_done()
    assert calls.data == [{"branch": "fast"}, {"branch": "slow"}, {"branch": "after"}]
    assert traces.last("both")["script_execution"] == "finished"


async def test_stop_and_condition_step(hub, automations, calls, traces):
    await automations("""
        - id: stops
          mode: queued
          triggers: {trigger: event, event_type: go}
          actions:
            - condition: template
              value_template: "{{ trigger.event.data.n > 0 }}"
            - if: "{{ trigger.event.data.n == 2 }}"
              then:
                - stop: arrears found
                  error: true
            - if: "{{ trigger.event.data.n == 1 }}"
              then:
                - stop: nothing to do
            - action: test.record
    """)
    for n in (0, 1, 2):
        hub.bus.fire("go", {"n": n})
        await hub.block_till_done()
        trace = traces.last("stops")
        assert (trace["script_execution"], trace["error"]) == {
            0: ("aborted", "a condition step was false"),
            1: ("finished", None),
            2: ("aborted", "arrears found"),
        }[n]
    assert len(calls) == 0


async def test_a_failing_service_stops_the_run_unless_continue_on_error(hub, automations, calls, traces):
    await automations("""
        - id: fragile
          triggers: {trigger: event, event_type: go}
          actions:
            - action: test.fail
              data: {why: offline}
            - action: test.record
        - id: tolerant
          triggers: {trigger: event, event_type: go}
          actions:
            - action: test.fail
              continue_on_error: true
            - action: test.record
              continue_on_error: true
              data: {unknown: "{{ 1 / 0 }}"}
            - action: test.record
              data: {reached: true}
        - id: bystander
          triggers: {trigger: event, event_type: go}
          actions: {action: test.record, data: {bystander: true}}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    fragile = traces.last("fragile")
    assert fragile["script_execution"] == "error"
    assert traces.element(fragile, "action/0")["error"] == "ServiceFailed: the device did not answer (offline)"
    assert traces.paths(fragile)[-1] == "action/0"
    tolerant = traces.last("tolerant")
    assert traces.element(tolerant, "action/0")["result"]["continued_after_error"] is True
    assert tolerant["script_execution"] == "error"  # a template error is a mistake: never continued
    assert "division by zero" in traces.element(tolerant, "action/1")["error"]
    assert {"bystander": True} in calls.data and {"reached": True} not in calls.data


async def test_disabled_steps_are_skipped(hub, automations, calls, traces):
    await automations("""
        - id: skip
          triggers: {trigger: event, event_type: go}
          actions:
            - action: test.record
              data: {n: 1}
              enabled: false
            - action: test.record
              data: {n: 2}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    assert calls.data == [{"n": 2}]
    assert traces.element(traces.last("skip"), "action/0")["result"] == {"enabled": False}


async def test_an_endless_repeat_is_stopped_and_the_hub_keeps_going(hub, automations, calls, traces):
    await automations("""
        - id: endless
          max_iterations: 200
          triggers: {trigger: event, event_type: go}
          actions:
            - repeat:
                while: "{{ true }}"
                sequence:
                  - variables: {spin: "{{ repeat.index }}"}
        - id: other
          triggers: {trigger: event, event_type: go}
          actions: {action: test.record}
    """)
    hub.bus.fire("go")
    await hub.block_till_done()
    trace = traces.last("endless")
    assert trace["script_execution"] == "aborted"
    assert "repeat stopped after 200 iterations" in trace["error"]
    assert "max_iterations" in traces.element(trace, "action/0")["error"]
    assert len(calls) == 1


async def test_turning_off_stops_runs_and_trigger_service_skips_conditions(hub, clock, automations, calls, traces):
    await automations("""
        - id: slow
          triggers: {trigger: event, event_type: go}
          conditions: "{{ false }}"
          actions:
            - delay: 60
            - action: test.record
    """)
    await hub.services.call("automation", "trigger", {"entity_id": "automation.slow"})
    await hub.block_till_done()
    assert traces.last("slow")["state"] == "running"
    await hub.services.call("automation", "turn_off", {"entity_id": "automation.slow"})
    await asyncio.sleep(0)
    await hub.block_till_done()
    assert traces.last("slow")["script_execution"] == "cancelled"
    assert hub.states.get("automation.slow").state == "off"
    hub.bus.fire("go")
    clock.advance(60)
    await hub.block_till_done()
    assert len(calls) == 0
    await hub.services.call("automation", "turn_on", {"entity_id": "automation.slow"})
    await hub.services.call("automation", "trigger", {"entity_id": "automation.slow", "skip_condition": False})
    await hub.block_till_done()
    assert traces.last("slow")["script_execution"] == "failed_conditions"
