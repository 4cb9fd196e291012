"""The sandbox escape suite: what staff-written templates must never do, and the hub after each try.

Every case must fail with a `TemplateError` (the sandbox's or a limit's), quickly, and leave
the hub exactly as it was: its states unchanged and templates rendering as before.
"""
from __future__ import annotations

import itertools
import re
import tracemalloc

import pytest

from xiaoqu.core import hookimpl
from xiaoqu.core.template import (
    Template,
    TemplateError,
    TemplateLimitError,
    TemplateLimits,
    TemplateSecurityError,
    get_environment,
)


@pytest.fixture
def site(hub):
    hub.states.set("door.east", "open", {"friendly_name": "East door", "battery": 80})
    return hub


def assert_hub_unharmed(hub):
    assert hub.states.get("door.east").state == "open"
    assert dict(hub.states.get("door.east").attributes) == {"friendly_name": "East door", "battery": 80}
    assert Template("{{ states('door.east') }} {{ 6 * 7 }}", hub).render() == "open 42"


# --- reaching Python internals ---------------------------------------------------------------

INTERNALS = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ joiner.__init__.__globals__.os }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ states.__class__ }}",
    "{{ states._machine }}",
    "{{ states.door._machine }}",
    "{{ states.door.east._state }}",
    "{{ states.door.east.__class__.__init__.__globals__ }}",
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__ }}",
    "{{ now.__self__ }}",
    "{{ now.__func__.__globals__ }}",
    "{{ now().__class__ }}",
    "{{ float.__globals__ }}",
    "{{ range.__self__._compiled }}",
    "{{ is_state.__self__ }}",
    "{{ timedelta.__subclasses__() }}",
    "{{ dict.mro() }}",
    "{{ dict.__base__ }}",
    "{{ request.application.__globals__ }}",
    "{{ (1).__class__.__base__ }}",
    "{{ 'x' | attr('__class__') }}",
    "{{ ('{0.__class__}' | attr('format'))(1) }}",
    "{{ (['{0.__class__}'] | map(attribute='format') | first)(1) }}",
    "{{ '{0.__class__}'.format(1) }}",
    "{{ '{0.__init__.__globals__}'.format(cycler) }}",
    "{{ '{0.state.__class__}'.format(states.door.east) }}",
    "{{ '{x.__class__}'.format_map({'x': 1}) }}",
    "{% set f = '{0.__class__}'.format %}{{ f(1) }}",
    "{{ ('{0.__class__}' | safe).format(1) }}",
    "{{ '%s' % states.door.east.__class__ }}",
    "{% set g = states.door.east.last_changed %}{{ g.__reduce_ex__(2) }}",
    "{% for x in ().__class__.__base__.__subclasses__() %}{{ x }}{% endfor %}",
    "{{ now().tzinfo.no_cache('Asia/Shanghai') }}",
    "{{ now().tzinfo.clear_cache() }}",
    "{{ now().tzinfo.from_file }}",
    "{{ lipsum.__globals__ }}",
    "{{ lipsum(n=10**9) }}",
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}",
    "{% extends '/etc/passwd' %}",
    "{% from 'x' import y %}",
]


@pytest.mark.parametrize("text", INTERNALS)
def test_internals_are_out_of_reach(site, text):
    with pytest.raises(TemplateError):
        Template(text, site).render({"request": {}})
    assert_hub_unharmed(site)


def test_unsafe_attribute_is_an_error_not_an_empty_string(site):
    with pytest.raises(TemplateSecurityError, match="access to attribute '__class__' of 'str' objects is not allowed"):
        Template("{{ ''.__class__ }}", site).render()


def test_percent_formatting_shows_only_the_public_face(site):
    assert Template("{{ '%s' % states.door.east }}", site).render() == "<state door.east=open>"
    assert Template("{{ '%s|%s' % (states, states.door) }}", site).render() == "<all states>|<states of door>"


# --- changing things -------------------------------------------------------------------------

MUTATIONS = [
    "{% set d = {'a': 1} %}{{ d.update({'b': 2}) }}",
    "{% set d = {'a': 1} %}{{ d.pop('a') }}",
    "{% set d = {'a': 1} %}{% do d.clear() %}",
    "{% set l = [1] %}{{ l.append(2) }}",
    "{% set l = [1] %}{{ l.extend([2]) }}",
    "{% set l = [1] %}{% do l.insert(0, 2) %}",
    "{% set s = [1] | unique | list %}{{ s.remove(1) }}",
    "{{ states.door.east.attributes.clear() }}",
    "{% do states.door.east.attributes.__setitem__('battery', 0) %}",
    "{{ trigger.data.update({'x': 1}) }}",
]


@pytest.mark.parametrize("text", MUTATIONS)
def test_nothing_can_be_changed(site, text):
    variables = {"trigger": {"data": {"card": "42"}}}
    with pytest.raises(TemplateError):
        Template(text, site).render(variables, strict=True)
    assert variables == {"trigger": {"data": {"card": "42"}}}
    assert_hub_unharmed(site)


def test_hub_machinery_is_unreachable_through_a_careless_helper(site):
    """A plugin helper that exposes the hub still does not hand it to templates."""
    from functools import partial

    leaky = {"hub": site, "bus": site.bus, "machine": site.states, "services": site.services}
    for name in leaky:
        with pytest.raises(TemplateSecurityError):
            Template(f"{{{{ leaky.{name} }}}}", site).render({"leaky": _Holder(**leaky)})
    with pytest.raises(TemplateSecurityError):
        Template("{{ f.args }}", site).render({"f": partial(print, site)})
    with pytest.raises(TemplateError, match="not safely callable"):
        Template("{{ set_state('door.east', 'closed') }}", site).render({"set_state": site.states.set})
    assert_hub_unharmed(site)


class _Holder:
    def __init__(self, **values):
        self.__dict__.update(values)


# --- running away with time and memory ---------------------------------------------------------

LIMITS = [
    ("{{ range(10**9) | list }}", "range\\(\\) of 1,000,000,000 numbers"),
    ("{{ range(10**20) | list }}", "range\\(\\) of"),
    ("{% for i in range(10**6) %}{% for j in range(10**6) %}{% endfor %}{% endfor %}", "range\\(\\)"),
    ("{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}", "loops ran more than 200,000"),
    ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "nested more than 50 deep"),
    ("{% for x in [1] recursive %}{{ loop([x]) }}{% endfor %}", "nested more than 50 deep"),
    ("{{ 'a' * 10**9 }}", "1,000,000,000 characters"),
    ("{{ 10**9 * 'a' }}", "1,000,000,000 characters"),
    ("{{ [0] * 10**9 }}", "3,000,000,002 characters"),  # '0, ' for each: a list weighs as it prints
    ("{{ 2 ** (10**9) }}", "bits is too large"),
    ("{% set ns = namespace(n=7) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}", "bits"),
    ("{{ '%999999999d' % 1 }}", "%-format field"),
    ("{{ '%*d' % (999999999, 1) }}", "%-format field"),
    ("{{ '%.999999999f' % 1.5 }}", "%-format field"),
    ("{{ '%999999999d' | format(1) }}", "%-format field"),
    ("{{ '{:>999999999}'.format(1) }}", "format field"),
    ("{{ '{:>{w}}'.format(1, w=999999999) }}", "format field"),
    ("{{ '{:.999999999f}'.format(1.5) }}", "format field"),
    ("{{ 'a'.ljust(10**9) }}", "ljust"),
    ("{{ 'a'.center(10**9) }}", "center"),
    ("{{ 'a'.zfill(10**9) }}", "zfill"),
    ("{{ '\t'.expandtabs(10**9) }}", "expandtabs"),
    ("{{ ('a' * 200000).replace('a', 'aaaa') }}", "replace"),
    ("{{ (1).to_bytes(10**9, 'big') }}", "to_bytes"),
    ("{{ 'a' | center(10**9) }}", "center"),
    ("{{ 'a' | indent(10**9, true) }}", "indent"),
    ("{{ ('a' * 200000) | replace('a', 'aaaa') }}", "replace"),
    ("{{ [1] | batch(10**9, 0) | list }}", "batch"),
    ("{{ [1] | slice(10**9) | list }}", "slices"),
    ("{{ ('a' * 1000) | wordwrap(1, wrapstring='b' * 1000) }}", "wordwrap"),
    ("{{ ('a' * 1000) | regex_replace('a', 'b' * 1000) }}", "regex_replace"),
    ("{{ ('a' * 200000) ~ ('b' * 200000) }}", "joined with ~"),
    ("{{ ('a' * 200000) + ('b' * 200000) }}", "the sum"),
    ("{{ ','.join(['a' * 1000] * 1000) }}", "the repeated text or list would hold 1,004,002"),
    ("{{ ('x' * 2000).join(['a'] * 200) }}", "the result of join\\(\\)"),
    ("{{ (['a'] * 200) | join('x' * 2000) }}", "the result of join "),
    ("{% for i in range(2000) %}{{ 'x' * 200 }}{% endfor %}", "output"),
    ("{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}",
     "a list, tuple or mapping written in the template"),
    ("{% macro f(n, x) %}{% if n %}{{ f(n - 1, [x, x]) }}{% else %}{{ x }}{% endif %}{% endmacro %}{{ f(40, 1) }}",
     "a list, tuple or mapping written in the template"),
    ("{{ ('a' * 40 ~ '!') | regex_match('(a|aa)+$') }}", "regular expression .* took too long"),
]


@pytest.mark.parametrize(("text", "reason"), LIMITS)
def test_limits_stop_runaway_templates(site, text, reason):
    with pytest.raises(TemplateLimitError) as caught:
        Template(text, site).render()
    assert re.search(reason, caught.value.cause), caught.value.cause  # the cause, not the template's text
    assert_hub_unharmed(site)


def test_render_time_is_capped(site):
    """A template under every other limit that still runs too long is stopped at the deadline."""
    ticks = itertools.count()
    env = get_environment(site)
    env.limits = TemplateLimits(render_seconds=1.0, clock=lambda: next(ticks) * 0.01)
    text = "{% for i in range(10000) %}{{ i | string | length }}{% endfor %}"
    with pytest.raises(TemplateLimitError, match="ran longer than 1 s"):
        Template(text, site).render()
    env.limits = TemplateLimits()
    assert Template("{% for i in range(3) %}{{ i }}{% endfor %}", site).render() == "012"
    assert_hub_unharmed(site)


def test_a_helper_that_swallows_the_limit_does_not_let_the_render_go_on(site):
    def forgiving(value):
        try:
            return Template("{{ 'a' * 10**9 }}", site).render()
        except TemplateError:
            return "swallowed"

    text = "{{ forgiving(1) }}{% for i in range(10000) %}{% for j in range(100) %}{% endfor %}{% endfor %}"
    with pytest.raises(TemplateLimitError, match="loops ran more than"):
        Template(text, site).render({"forgiving": forgiving})


@pytest.mark.serial  # its last render must finish inside the 1 s time limit: not on a loaded machine
def test_limits_are_per_render(site):
    """A render that hit a limit leaves nothing behind for the next one."""
    big = "{% for i in range(150000) %}{% endfor %}"
    with pytest.raises(TemplateLimitError):
        Template("{% for i in range(10000) %}{% for j in range(30) %}{% endfor %}{% endfor %}", site).render()
    with pytest.raises(TemplateLimitError, match="range"):
        Template(big, site).render()
    assert Template("{% for i in range(10000) %}{% for j in range(19) %}{% endfor %}{% endfor %}ok", site).render() == "ok"


def test_errors_inside_macros_and_loops_are_template_errors(site):
    with pytest.raises(TemplateError, match="ZeroDivisionError"):
        Template("{% for i in [0] %}{{ 1 / i }}{% endfor %}", site).render()
    assert_hub_unharmed(site)


# --- values weighed as they would be written out ------------------------------------------------

#: Each builds, or would make a filter build, far more text than the 262,144-character limit
#: from little memory: a list holding a list a thousand times is small, its text is not.
_TEN_A = "{% set a = ['aaaaaaaaaa'] * 1000 %}{% set b = [a] * 1000 %}"
_LITERAL_LEVELS = "{% set s = 'aaaaaaaaaa' %}" + "".join(
    f"{{% set l{level + 1} = [{', '.join([f'l{level}' if level else 's'] * 10)}] %}}" for level in range(6)
)
BLOWUPS = [
    _TEN_A + "{{ b | trim | length }}",  # 14,002,000 characters from trim
    _TEN_A + "{% set c = [b] * 20 %}{{ (c | trim) | length }}",  # 280 million
    *(_TEN_A + "{{ (b | " + f + ") | length }}" for f in (
        "upper", "lower", "e", "escape", "center(10)", "indent", "slugify", "replace('a', 'b')", "truncate",
        "urlencode", "join", "format", "tojson", "to_json", "string", "list", "wordwrap", "regex_match('x')",
        "length",
    )),
    _TEN_A + "{{ slugify(b) | length }}",
    _LITERAL_LEVELS + "{{ l6 | trim | length }}",  # ten items, ten times nested: no `*` at all
    "{% set a = ['a' * 1000] * 200 %}{{ (a + a) | trim | length }}",
    "{{ (range(10000) | list | tojson(4000)) | length }}",  # 10,000 lines, each indented 4,000
    # as deep as it is wide: tuples hash and compare item by item, 2**20 times here
    "{% set t0 = ('a', 'b') %}{% set u0 = ('a', 'b') %}"
    + "".join(f"{{% set t{i + 1} = (t{i}, t{i}) %}}{{% set u{i + 1} = (u{i}, u{i}) %}}" for i in range(20))
    + "{{ t20 == u20 }}",
]


@pytest.mark.parametrize("text", BLOWUPS)
def test_lists_count_as_the_text_they_would_write(site, text):
    """Refused by the size limit before the text is built: the render's memory stays small."""
    env = get_environment(site)
    env.limits = TemplateLimits(render_seconds=60)  # tracing memory slows the render; time is not the point
    tracemalloc.start()
    try:
        with pytest.raises(TemplateLimitError, match="262,144"):
            Template(text, site).render()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        env.limits = TemplateLimits()
    assert peak < 8 * 2**20, f"{peak:,} bytes"
    assert_hub_unharmed(site)


#: A value handed to a template (trigger data, an attribute): 3,000 short strings, but
#: written out 312,000 characters.
_HEAVY = [["a" * 100] * 100] * 30


def _callable_globals(env):
    return sorted(name for name, value in env.globals.items() if callable(value))


@pytest.mark.parametrize("kind", ["filter", "call"])
def test_every_helper_weighs_its_input_before_it_runs(site, kind):
    """Not a list of the helpers known to call str(): each filter and callable there is."""
    env = get_environment(site)
    names = sorted(env.filters) if kind == "filter" else _callable_globals(env)
    form = "{{{{ heavy | {} }}}}" if kind == "filter" else "{{{{ {}(heavy) }}}}"
    assert len(names) > (60 if kind == "filter" else 20)
    for name in names:
        with pytest.raises(TemplateLimitError) as caught:
            Template(form.format(name), site).render({"heavy": _HEAVY})
        expected = f"the input of filter {name!r}" if kind == "filter" else "the arguments of a call"
        assert caught.value.cause.startswith(expected), (name, caught.value.cause)
    assert_hub_unharmed(site)


def test_every_test_weighs_its_input_before_it_runs(site):
    env = get_environment(site)
    assert len(env.tests) > 30
    for name in env.tests:  # '==' and the like too, which `is` cannot name
        with pytest.raises(TemplateLimitError, match=f"^the input of test {re.escape(repr(name))}"):
            env.call_test(name, _HEAVY)


def test_plugin_filters_are_weighed_too(site):
    seen = []

    class Plugin:
        @hookimpl
        def xiaoqu_template_helpers(self, hub):
            return {"shout": lambda value: seen.append(value) or str(value).upper()}

    site.pm.register(Plugin(), name="shouting")
    assert Template("{{ 'east' | shout }} {{ shout('west') }}", site).render() == "EAST WEST"
    for text in ("{{ heavy | shout }}", "{{ shout(heavy) }}"):
        with pytest.raises(TemplateLimitError):
            Template(text, site).render({"heavy": _HEAVY})
    assert seen == ["east", "west"]


@pytest.mark.parametrize(("text", "reason"), [
    ("{% set ns = namespace() %}{% set ns.x = heavy %}", "namespace value 'x'"),
    ("{{ heavy }}", "a value written by the template"),
    ("{{ heavy ~ '' }}", "the text joined with ~"),
    ("{{ [heavy] }}", "a list, tuple or mapping written in the template"),
    ("{{ '%s' % heavy }}", "the %-format's values"),
    ("{{ heavy.items() | list | length }}", "the arguments of a call|a call's result"),
    # an item a line, indented as deep as it is nested: 5,000 lines 100 deep
    ("{{ deep | pprint | length }}", "the result of pprint"),
    ("{{ deep | tojson(2) | length }}", "the result of tojson"),
    ("{{ deep | to_json(pretty_print=true) | length }}", "to_json's result"),
])
def test_heavy_values_handed_in_are_refused_where_they_would_be_written(site, text, reason):
    deep = list(range(5000))
    for _ in range(100):
        deep = [deep]
    heavy = {"x": _HEAVY} if "items" in text else _HEAVY
    with pytest.raises(TemplateLimitError) as caught:
        Template(text, site).render({"heavy": heavy, "deep": deep})
    assert re.search(reason, caught.value.cause), caught.value.cause
    assert_hub_unharmed(site)


def test_what_a_site_writes_is_still_within_the_limits(site):
    for i in range(300):
        site.states.set(f"sensor.meter_{i:03}", str(i), {"unit_of_measurement": "m³"})
    text = ("{{ states.sensor | selectattr('state', 'ne', '0') | list | count }} "
            "{{ states.sensor | map(attribute='state') | map('int') | sum }} "
            "{{ (range(1000) | list | tojson | length) > 0 }} {{ (['-'] * 20) | join }}")
    assert Template(text, site).render() == f"299 {sum(range(300))} True {'-' * 20}"
