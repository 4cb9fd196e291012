"""Templates: the API the automation engine and MQTT call, and the helpers staff use."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from xiaoqu.core import hookimpl
from xiaoqu.core.states import State
from xiaoqu.core.template import (
    Template,
    TemplateError,
    get_environment,
    is_template_string,
    record_entity,
    render_complex,
    template_validator,
)
from xiaoqu.core.validation import vol

SITE_TZ = ZoneInfo("Asia/Shanghai")


def render(hub, text, variables=None, **kwargs):
    return Template(text, hub).render(variables, **kwargs)


def native(hub, text, variables=None):
    return Template(text, hub).render_native(variables)


@pytest.fixture
def doors(hub):
    hub.states.set("door.east", "open", {"friendly_name": "East door", "battery": 80, "floor": 1})
    hub.states.set("door.west", "closed", {"battery": 15})
    hub.states.set("sensor.water_level", "72.5", {"unit_of_measurement": "cm"})
    return hub


# --- the Template object ------------------------------------------------------------------


def test_static_text_is_returned_as_it_is(hub):
    template = Template("  plain text  ", hub)
    assert template.is_static
    assert template.render() == "  plain text  "
    assert Template("42", hub).render_native() == 42
    assert not is_template_string("no jinja here")
    assert is_template_string("{{ x }}") and is_template_string("{% if x %}{% endif %}")


def test_render_strips_and_uses_variables(hub):
    assert render(hub, "  {{ who }} swiped  \n", {"who": "Li Lei"}) == "Li Lei swiped"


def test_syntax_error_names_cause_line_and_text(hub):
    template = Template("{% if true %}\nopen\n{{ states('door.east') \n{% endif %}", hub)
    with pytest.raises(TemplateError) as caught:
        template.ensure_valid()
    err = caught.value
    assert err.line == 4  # where jinja2 found the print statement unclosed
    assert "invalid template: expected token 'end of print statement'" in str(err)
    assert "(line 4: '{% endif %}')" in str(err)
    assert "states('door.east')" in str(err)
    assert err.template == template.text


def test_unknown_filter_is_found_when_compiling(hub):
    with pytest.raises(TemplateError, match="No filter named 'flaot'"):
        Template("{{ 1 | flaot }}", hub).ensure_valid()


def test_render_error_names_cause_and_shortened_template(hub):
    text = "{{ states('sensor.water_level') | float }}" + " " * 10 + "x" * 300
    with pytest.raises(TemplateError) as caught:
        render(hub, text)
    message = str(caught.value)
    assert "float got invalid input 'unknown'" in message
    assert "states('sensor.water_level')" in message
    assert len(message) < 300


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("-5", -5),
        ("3.5", 3.5),
        ("true", True),
        ("True", True),
        ("false", False),
        ("None", None),
        ("[1, 2]", [1, 2]),
        ("{'a': 1, 'b': [2]}", {"a": 1, "b": [2]}),
        ("0123", "0123"),  # a room number keeps its zero
        ("1e3", "1e3"),
        ("1_000", "1_000"),
        ("1,000", "1,000"),  # a price, not the tuple Home Assistant would make of it
        ("9" * 5000, "9" * 5000),
        ("1j", "1j"),
        ("'quoted'", "'quoted'"),
        ("open", "open"),
        ("", ""),
    ],
)
def test_render_native(hub, text, expected):
    result = native(hub, "{{ value }}", {"value": text})
    assert result == expected and type(result) is type(expected)


def test_render_native_of_expressions(hub):
    assert native(hub, "{{ 40 + 2 }}") == 42
    assert native(hub, "{{ [1, 2] + [3] }}") == [1, 2, 3]
    assert native(hub, "{{ {'floor': 3} }}") == {"floor": 3}
    assert native(hub, "{{ 2 > 1 }}") is True


def test_one_environment_per_hub_and_compiled_once(hub):
    env = get_environment(hub)
    assert get_environment(hub) is env
    assert get_environment(hub, limited=True) is not env
    first, second = Template("{{ 1 }}", hub), Template("{{ 1 }}", hub)
    first.ensure_valid()
    second.ensure_valid()
    assert first._compiled is second._compiled


def test_template_without_hub_renders_but_reads_no_states():
    assert Template("{{ 1 + 1 }}").render_native() == 2
    with pytest.raises(TemplateError, match="states\\(\\) cannot be used here: this template has no hub"):
        Template("{{ states('door.east') }}").render()


def test_template_given_its_hub_later_is_compiled_for_it(doors):
    template = Template("{{ states('door.east') }}")
    template.ensure_valid()
    template.hub = doors
    assert template.render() == "open"


def test_undefined_renders_empty_and_warns_unless_strict(hub, caplog):
    with caplog.at_level(logging.WARNING, logger="xiaoqu.core.template"):
        assert render(hub, "[{{ missing }}]") == "[]"
    assert "'missing' is undefined" in caplog.text
    with pytest.raises(TemplateError, match="'missing' is undefined"):
        render(hub, "[{{ missing }}]", strict=True)


def test_limited_template_sees_only_its_variables(doors):
    assert Template("{{ trigger.id }}", doors).render({"trigger": {"id": "x"}}, limited=True) == "x"
    with pytest.raises(TemplateError, match="a limited template sees only its variables"):
        Template("{{ states('door.east') }}", doors).render(limited=True)
    with pytest.raises(TemplateError, match="now\\(\\) cannot be used here"):
        Template("{{ now() }}", doors).render(limited=True)


# --- reading states -------------------------------------------------------------------------


def test_states_function_and_attribute_access(doors):
    assert render(doors, "{{ states('door.east') }}") == "open"
    assert render(doors, "{{ states('door.nowhere') }}") == "unknown"
    assert render(doors, "{{ states.door.east.state }}|{{ states['door.west'].state }}") == "open|closed"
    assert render(doors, "{{ states.door['east'].name }}|{{ states.door.west.name }}") == "East door|west"
    assert render(doors, "{{ states.door.east.entity_id }} {{ states.door.east.domain }}") == "door.east door"
    assert render(doors, "{{ states.door.east.attributes.battery }}") == "80"
    assert render(doors, "{{ states.sensor.water_level.state_with_unit }}") == "72.5 cm"
    assert render(doors, "{{ states.door.nowhere is none }}") == "True"


def test_last_changed_is_an_aware_datetime_in_site_time(doors, clock):
    clock.advance(timedelta(minutes=5))
    doors.states.set("door.east", "closed")
    changed = native(doors, "{{ states.door.east.last_changed.isoformat() }}")
    assert changed == "2026-03-02T08:05:00+08:00"
    assert native(doors, "{{ (now() - states.door.west.last_changed).total_seconds() }}") == 300.0


def test_domain_states_iterate_in_order(doors):
    assert render(doors, "{{ states.door | map(attribute='entity_id') | join(',') }}") == "door.east,door.west"
    assert native(doors, "{{ states.door | count }}") == 2
    assert native(doors, "{{ states | count }}") == 3
    assert native(doors, "{{ states.door | selectattr('state', 'eq', 'open') | list | count }}") == 1


def test_is_state_state_attr_has_value(doors):
    doors.states.set("sensor.offline", "unavailable")
    assert native(doors, "{{ is_state('door.east', 'open') }}") is True
    assert native(doors, "{{ is_state('door.east', ['closed', 'forced']) }}") is False
    assert native(doors, "{{ is_state('door.nowhere', 'open') }}") is False
    assert native(doors, "{{ state_attr('door.west', 'battery') }}") == 15
    assert native(doors, "{{ state_attr('door.west', 'nothing') }}") is None
    assert native(doors, "{{ is_state_attr('door.east', 'floor', 1) }}") is True
    assert native(doors, "{{ has_value('door.east') }}") is True
    assert native(doors, "{{ has_value('sensor.offline') }}") is False
    assert native(doors, "{{ has_value('sensor.nowhere') }}") is False
    assert native(doors, "{{ 'door.east' is is_state('open') }}") is True
    assert native(doors, "{{ 'door.west' | state_attr('battery') }}") == 15


def test_constant_expressions_are_read_when_rendered_not_when_compiled(hub):
    template = Template("{{ 'door.east' | states }} {{ 'door.east' is is_state('open') }}", hub)
    template.ensure_valid()
    hub.states.set("door.east", "open")
    assert template.render() == "open True"


def test_states_are_read_only(doors):
    for text in (
        "{{ states.door.east.attributes.pop('battery') }}",
        "{% set a = states.door.east.attributes %}{% do a.update({'battery': 0}) %}",
    ):
        with pytest.raises(TemplateError):
            render(doors, text, strict=True)
    assert doors.states.get("door.east").attributes["battery"] == 80


def test_trigger_states_in_variables_are_wrapped(doors):
    old = doors.states.get("door.east")
    new = doors.states.set("door.east", "forced")
    variables = {"trigger": {"entity_id": "door.east", "from_state": old, "to_state": new}}
    text = "{{ trigger.from_state.state }}→{{ trigger.to_state.state }} {{ trigger.to_state.last_changed.tzinfo }}"
    assert render(doors, text, variables) == "open→forced Asia/Shanghai"
    assert isinstance(variables["trigger"]["to_state"], State)  # the caller's variables are not changed


# --- what a render read ---------------------------------------------------------------------


def test_render_info_records_entities_domains_and_time(doors):
    info = Template("{{ states('sensor.a') }}{{ is_state('sensor.b', 'on') }}{{ states.door.east.state }}",
                    doors).render_info()
    assert info.entities == {"sensor.a", "sensor.b", "door.east"}
    assert not info.domains and not info.all_states and not info.uses_time
    assert info.depends_on("sensor.a") and not info.depends_on("sensor.c")

    info = Template("{{ states.door | count }}", doors).render_info()
    assert info.domains == {"door"} and info.depends_on("door.new_one") and not info.depends_on("sensor.a")

    info = Template("{{ states | count }}", doors).render_info()
    assert info.all_states and info.depends_on("anything.at_all")

    info = Template("{{ now().hour }}", doors).render_info()
    assert info.uses_time and not info.static


def test_render_info_keeps_the_error_and_what_was_read(doors):
    template = Template("{{ states('sensor.water_temp') | float > 30 }}", doors)
    info = template.render_info()
    assert isinstance(info.error, TemplateError)
    assert info.entities == {"sensor.water_temp"}
    assert template.last_info is info
    doors.states.set("sensor.water_temp", "31")
    assert template.render_info(native=True).result is True


def test_entity_ids_follow_variables(doors):
    template = Template("{{ is_state(trigger.entity_id, 'open') }}", doors)
    assert template.entity_ids({"trigger": {"entity_id": "door.west"}}) == {"door.west"}
    assert Template("static text", doors).entity_ids() == set()


def test_static_render_info(hub):
    info = Template("just text", hub).render_info(native=True)
    assert info.result == "just text" and info.static and info.error is None


# --- time -------------------------------------------------------------------------------------


def test_now_follows_the_hub_clock(hub, clock):
    assert render(hub, "{{ now().isoformat() }}") == "2026-03-02T08:00:00+08:00"
    clock.advance(timedelta(hours=1, minutes=30))
    assert render(hub, "{{ now().strftime('%H:%M') }}") == "09:30"
    assert render(hub, "{{ utcnow().isoformat() }}") == "2026-03-02T01:30:00+00:00"


def test_today_at_and_conversions(hub):
    assert render(hub, "{{ today_at('17:30').isoformat() }}") == "2026-03-02T17:30:00+08:00"
    assert native(hub, "{{ now() < today_at('09:00') }}") is True
    with pytest.raises(TemplateError, match="today_at expects a time like '08:30', got 'half past'"):
        render(hub, "{{ today_at('half past') }}")
    assert render(hub, "{{ as_datetime('2026-03-02T08:00:00+08:00').hour }}") == "8"
    assert render(hub, "{{ as_datetime(0).year }}") == "1970"
    assert render(hub, "{{ as_datetime('not a date', 'n/a') }}") == "n/a"
    assert native(hub, "{{ as_timestamp('2026-03-02 08:00') }}") == datetime(2026, 3, 2, 8, tzinfo=SITE_TZ).timestamp()
    assert native(hub, "{{ as_timestamp('garbage', 0) }}") == 0
    with pytest.raises(TemplateError, match="as_timestamp got invalid input 'garbage'"):
        render(hub, "{{ as_timestamp('garbage') }}")
    assert render(hub, "{{ as_local(as_datetime('2026-03-02T00:00:00+00:00')).isoformat() }}") == (
        "2026-03-02T08:00:00+08:00"
    )
    assert render(hub, "{{ (now() + timedelta(days=1)).date() }}") == "2026-03-03"


def test_relative_time(hub, clock):
    hub.states.set("door.east", "open")
    clock.advance(timedelta(hours=2, minutes=10))
    assert render(hub, "{{ relative_time(states.door.east.last_changed) }}") == "2 hours"
    clock.advance(timedelta(days=1))
    assert render(hub, "{{ relative_time(states.door.east.last_changed) }}") == "1 day"


def test_timestamp_filters(hub):
    stamp = datetime(2026, 3, 2, 8, 0, tzinfo=SITE_TZ).timestamp()
    variables = {"t": stamp}
    assert render(hub, "{{ t | timestamp_custom('%Y-%m-%d %H:%M') }}", variables) == "2026-03-02 08:00"
    assert render(hub, "{{ t | timestamp_custom('%H:%M', false) }}", variables) == "00:00"
    assert render(hub, "{{ t | timestamp_local }}", variables) == "2026-03-02T08:00:00+08:00"
    assert render(hub, "{{ t | timestamp_utc }}", variables) == "2026-03-02T00:00:00+00:00"
    assert render(hub, "{{ 'x' | timestamp_custom('%H', default='?') }}") == "?"


# --- numbers and text --------------------------------------------------------------------------


def test_float_and_int_with_and_without_default(hub):
    assert native(hub, "{{ '3.5' | float }}") == 3.5
    assert native(hub, "{{ 'unknown' | float(0) }}") == 0
    assert native(hub, "{{ float('2', 0) + 1 }}") == 3.0
    assert native(hub, "{{ '42' | int }}") == 42
    assert native(hub, "{{ '3.7' | int }}") == 3
    assert native(hub, "{{ 'ff' | int(base=16) }}") == 255
    assert native(hub, "{{ 'n/a' | int(-1) }}") == -1
    with pytest.raises(TemplateError, match="int got invalid input 'n/a' and no default was given"):
        render(hub, "{{ 'n/a' | int }}")
    with pytest.raises(TemplateError, match="float got invalid input 'n/a'"):
        render(hub, "{{ float('n/a') }}")


def test_bool_round_is_number(hub):
    assert native(hub, "{{ 'on' | bool }}") is True
    assert native(hub, "{{ 'Disable' | bool }}") is False
    assert native(hub, "{{ 'maybe' | bool(none) }}") is None
    with pytest.raises(TemplateError, match="bool got invalid input 'maybe'"):
        render(hub, "{{ 'maybe' | bool }}")
    assert native(hub, "{{ 2.345 | round(2) }}") == 2.35 or native(hub, "{{ 2.345 | round(2) }}") == 2.34
    assert native(hub, "{{ 2.1 | round(0, 'ceil') }}") == 3
    assert native(hub, "{{ 2.9 | round(0, 'floor') }}") == 2
    assert native(hub, "{{ 2.3 | round(1, 'half') }}") == 2.5
    assert native(hub, "{{ 'x' | round(1, default=0) }}") == 0
    with pytest.raises(TemplateError, match="round precision must be"):
        render(hub, "{{ 1 | round(10**6) }}")
    assert native(hub, "{{ '12.5' | is_number }}") is True
    assert native(hub, "{{ is_number('nan') }}") is False
    assert native(hub, "{{ 'abc' is is_number }}") is False


def test_min_max_average(hub):
    assert native(hub, "{{ min(3, 1, 2) }}") == 1
    assert native(hub, "{{ max([3, 1, 2]) }}") == 3
    assert native(hub, "{{ [1, 2, 3] | min }}") == 1
    assert native(hub, "{{ average(1, 2, 3) }}") == 2.0
    assert native(hub, "{{ [10, 20] | average }}") == 15.0
    assert native(hub, "{{ [] | average(default=0) }}") == 0
    with pytest.raises(TemplateError, match="average got no values"):
        render(hub, "{{ [] | average }}")


def test_json(hub):
    assert native(hub, "{{ ('{\"floor\": 3}' | from_json).floor }}") == 3
    assert render(hub, "{{ {'name': '东门', 'n': 1} | to_json }}") == '{"name": "东门", "n": 1}'
    assert render(hub, "{{ {'b': 1, 'a': 2} | to_json(sort_keys=true) }}") == '{"a": 2, "b": 1}'
    assert render(hub, "{{ 'not json' | from_json('bad') }}") == "bad"
    with pytest.raises(TemplateError, match="from_json got invalid input"):
        render(hub, "{{ 'not json' | from_json }}")


def test_regex(hub):
    plate = {"plate": "粤B12345"}
    assert native(hub, "{{ plate | regex_match('^粤B') }}", plate) is True
    assert native(hub, "{{ plate | regex_search('\\\\d{5}$') }}", plate) is True
    assert native(hub, "{{ 'ABC' | regex_match('abc', ignorecase=true) }}") is True
    assert render(hub, "{{ plate | regex_replace('\\\\d', '*') }}", plate) == "粤B*****"
    assert native(hub, "{{ 'a1b22c333' | regex_findall('\\\\d+') }}") == ["1", "22", "333"]
    assert native(hub, "{{ 'a1b22' | regex_findall_index('\\\\d+', 1) }}") == 22
    assert native(hub, "{{ 'room 12' is match('room') }}") is True
    assert native(hub, "{{ 'the room' is search('room') }}") is True


def test_zip_pairs_items_as_home_assistant_has_it(hub):
    assert native(hub, "{{ dict.from_keys(zip(['floor', 'room'], [3, '301'])) }}") == {"floor": 3, "room": "301"}
    assert native(hub, "{% for k, v in zip('ab', [1, 2]) %}{{ k }}{{ v }}{% endfor %}") == "a1b2"


def test_slugify_iif_contains(hub):
    assert render(hub, "{{ 'North Gate 2' | slugify }}") == "north_gate_2"
    assert render(hub, "{{ 'Café Déjà' | slugify('-') }}") == "cafe-deja"
    assert render(hub, "{{ '东门' | slugify }}") == "unknown"
    assert render(hub, "{{ iif(1 > 0, 'yes', 'no') }}|{{ iif(none, 'y', 'n', 'none') }}") == "yes|none"
    assert render(hub, "{{ (2 > 3) | iif('yes', 'no') }}") == "no"
    assert native(hub, "{{ ['a', 'b'] | contains('b') }}") is True
    assert native(hub, "{{ ['a', 'b'] is contains('c') }}") is False


def test_format_still_works_for_ordinary_use(hub):
    assert render(hub, "{{ '{:.1f}'.format(3.14159) }}") == "3.1"
    assert render(hub, "{{ '%.2f' | format(2.5) }}") == "2.50"
    assert render(hub, "{{ '%05d' % 42 }}") == "00042"
    assert render(hub, "{{ '{0} {1}'.format('a', 'b') }}") == "a b"


def test_loops_and_namespace_still_work(doors):
    text = (
        "{% set ns = namespace(low=[]) %}"
        "{% for door in states.door if door.attributes.battery < 20 %}"
        "{% set ns.low = ns.low + [door.entity_id] %}{% endfor %}{{ ns.low }}"
    )
    assert native(doors, text) == ["door.west"]
    assert render(doors, "{% for i in range(3) %}{{ loop.index }}{% if loop.last %}.{% endif %}{% endfor %}") == "123."
    assert render(doors, "{% for i in range(5) %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}") == "01"


# --- render_complex and the validator -------------------------------------------------------------


def test_render_complex_renders_nested_service_data(doors):
    data = {
        "entity_id": "{{ trigger.entity_id }}",
        "message": "Door {{ states.door.east.name }} is {{ states('door.east') }}",
        "level": "{{ states('sensor.water_level') | float }}",
        "targets": ["{{ ['a', 'b'] }}", 3, Template("{{ 1 + 1 }}", doors), Template("{{ states('door.west') }}")],
        "{{ 'key_' ~ 1 }}": {"nested": "{{ true }}"},
        "plain": "no template",
    }
    result = render_complex(data, {"trigger": {"entity_id": "door.east"}}, hub=doors)
    assert result == {
        "entity_id": "door.east",
        "message": "Door East door is open",
        "level": 72.5,
        "targets": [["a", "b"], 3, 2, "closed"],
        "key_1": {"nested": True},
        "plain": "no template",
    }


def test_template_validator(hub):
    validate = template_validator(hub)
    template = validate("{{ states('door.east') }}")
    assert isinstance(template, Template) and template.hub is hub
    assert validate(42).render() == "42"
    schema = vol.Schema({"value_template": validate})
    with pytest.raises(vol.Invalid, match="invalid template: unexpected"):
        schema({"value_template": "{{ states('door.east') "})
    with pytest.raises(vol.Invalid, match="expected a template"):
        validate(["list"])


# --- helpers from plugins -------------------------------------------------------------------


class BillingHelpers:
    """A plugin contributing helpers, as an integration would."""

    def __init__(self, hub):
        self.hub = hub

    @hookimpl
    def xiaoqu_template_helpers(self, hub):
        def arrears_months(household):
            record_entity(f"billing.{household}")
            return {"1-101": 3}.get(household, 0)

        return {"arrears_months": arrears_months, "states": lambda *_: "hijacked", "fee_rate": 0.003}


def test_plugin_helpers_set_up_later_appear_and_leave(hub, caplog):
    assert render(hub, "{{ 1 }}") == "1"  # the environment is built before the plugin registers
    plugin = BillingHelpers(hub)
    hub.pm.register(plugin, name="billing")
    with caplog.at_level(logging.WARNING, logger="xiaoqu.core.template"):
        template = Template("{{ arrears_months('1-101') }} {{ '1-102' | arrears_months }} {{ fee_rate }}", hub)
        assert template.render() == "3 0 0.003"
    assert "'states' of billing ignored" in caplog.text
    assert render(hub, "{{ states('door.east') }}") == "unknown"
    assert template.last_info.entities == {"billing.1-101", "billing.1-102"}
    hub.pm.unregister(name="billing")
    with pytest.raises(TemplateError, match="'arrears_months' is undefined"):
        render(hub, "{{ arrears_months('1-101') }}")


def test_plugin_helpers_are_not_in_limited_templates(hub):
    hub.pm.register(BillingHelpers(hub), name="billing")
    with pytest.raises(TemplateError, match="'arrears_months' is undefined"):
        Template("{{ arrears_months('1-101') }}", hub).render(limited=True)


def test_yuan_shows_fen_as_money_exactly(hub):
    assert render(hub, "{{ 123456 | yuan }} {{ '-5' | yuan }} {{ yuan(100) }}") == "¥1234.56 -¥0.05 ¥1.00"
    assert render(hub, "{{ 12.5 | yuan('?') }} {{ 'ten' | yuan('?') }} {{ true | yuan('?') }}") == "? ? ?"
    with pytest.raises(TemplateError, match="yuan got invalid input 12.5"):
        render(hub, "{{ 12.5 | yuan }}")
