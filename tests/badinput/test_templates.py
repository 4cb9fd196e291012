"""Templates staff write (and devices' mappings carry): random text and random variables give a
result or a TemplateError, within the sandbox's time, never another exception."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.badinput.common import JSON_VALUES, bounded
from tests.conftest import SITE_TZ, START
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.hub import Hub, HubConfig
from xiaoqu.core.template import Template, TemplateError, TemplateLimits

#: Pieces of jinja2 that reach the parser's and the sandbox's corners; joined at random.
FRAGMENTS = [
    "{{", "}}", "{%", "%}", "{#", "#}", "{{ x }}", "{{ x.y }}", "{{ x[0] }}", "{{ x | int }}", "{{ x | float(0) }}",
    "{{ x * 99999 }}", "{{ 'a' * 10**9 }}", "{{ 2 ** 99999 }}", "{{ range(10**9) | list }}", "{{ x | tojson }}",
    "{% for i in range(100000) %}{{ i }}{% endfor %}", "{% for a in x %}{{ a }}{% endfor %}",
    "{% macro m(n) %}{{ m(n) }}{% endmacro %}{{ m(1) }}", "{{ states('door.east') }}", "{{ states.door.east }}",
    "{{ ''.__class__ }}", "{{ x.__dict__ }}", "{{ lipsum.__globals__ }}", "{{ cycler.__init__ }}",
    "{{ x | regex_replace('(a+)+$', 'b') }}", "{{ now() }}", "{{ as_timestamp(x) }}", "{{ x | yuan }}",
    "{% set n = namespace(v=[]) %}{% for i in range(9999) %}{% set n.v = n.v + [i] * 9 %}{% endfor %}",
    "{{ x | join(x) }}", "{{ (x ~ x) * 999 }}", "{{ x | sum }}", "{{ x | max }}", "{{ x | dictsort }}",
    "{{ '%s' % x }}", "{{ x.format(x) }}", "{{ 1 / 0 }}", "{{ x | int(base=x) }}", "{% if x %}", "{% endif %}",
    "{% raw %}", "{{ x | round(x) }}", "{{ x | timestamp_custom(x) }}", "{{ is_state(x, x) }}", "\\", "'", '"',
]
TEXTS = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=12), min_size=1, max_size=6).map("".join)
#: Tight caps so a hostile example costs milliseconds, not the default second.
LIMITS = TemplateLimits(render_seconds=0.2, max_size=64 * 1024, max_loop_iterations=20_000)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """A hub that is never started: templates read its states and clock only."""
    found = Hub(HubConfig(config_dir=Path(tmp_path_factory.mktemp("templates"))), clock=ManualClock(START, SITE_TZ))
    found.states.set("door.east", "open", {"friendly_name": "East door"})
    yield found


@bounded(200)
@given(TEXTS, JSON_VALUES)
def test_any_template_gives_a_result_or_a_template_error(hub: Hub, text: str, x: object) -> None:
    started = time.monotonic()
    try:
        result = Template(text, hub).render({"x": x}, limits=LIMITS)
    except TemplateError as err:
        assert str(err), "a template error says what is wrong"
    else:
        assert isinstance(result, str) and len(result) <= LIMITS.max_size
    assert time.monotonic() - started < 2.0, "the sandbox's deadline held"
    assert hub.states.get("door.east").state == "open"


@bounded(60)
@given(TEXTS, JSON_VALUES)
def test_native_rendering_and_render_info_never_raise_anything_else(hub: Hub, text: str, x: object) -> None:
    info = Template(text, hub).render_info({"x": x}, native=True)
    assert info.error is None or isinstance(info.error, TemplateError)
