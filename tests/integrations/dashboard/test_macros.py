"""The frame's macros as integrations use them: a chart's options reach ECharts intact whatever
their text holds, the export links and pagers, the filter form."""
from __future__ import annotations

import html
import json
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from babel.support import NullTranslations

from xiaoqu.integrations.dashboard.charts import Series, bars
from xiaoqu.integrations.dashboard.i18n import environments
from xiaoqu.integrations.dashboard.paging import Field
from xiaoqu.integrations.dashboard.runtime import PACKAGE

ENV = environments([PACKAGE], {"en": NullTranslations()}, ZoneInfo("Asia/Shanghai"))["en"]


def render(source: str, **values: object) -> str:
    return ENV.from_string('{% from "macros.html" import chart, export_links, pager, page_links, filters_form %}'
                           + source).render(**values)


def test_a_charts_options_survive_any_text_in_them() -> None:
    options = bars(["08:00"], [Series("Wang's <b>\"granted\"</b> & co", [3])])
    text = render("{{ chart('c1', options, height='200px', label=label) }}", options=options, label='"Traffic"')
    attribute = re.search(r"data-chart='([^']*)'", text)
    assert attribute is not None and "<b>" not in text
    assert json.loads(html.unescape(attribute.group(1))) == options
    assert 'id="c1"' in text and 'style="height: 200px"' in text and 'aria-label="&#34;Traffic&#34;"' in text


def test_export_links_and_pagers() -> None:
    text = render("{{ export_links('/d/a?format=csv', '/d/a?x=1&format=xlsx') }}|{{ pager(None) }}|{{ pager('/d/a?end=t') }}")
    links, none, older = text.split("|")
    assert 'href="/d/a?format=csv"' in links and 'href="/d/a?x=1&amp;format=xlsx"' in links and "Excel (.xlsx)" in links
    assert none == "" and 'href="/d/a?end=t"' in older and "Older" in older
    pager = SimpleNamespace(prev_url=None, next_url="/d/r?offset=50", first=1, last=50, total=120)
    text = render("{{ page_links(rows) }}", rows=pager)  # a template importing the pager macro names it otherwise
    assert "1–50 of 120" in text and 'href="/d/r?offset=50"' in text and "Previous" not in text


def test_a_filter_form_shows_what_was_asked() -> None:
    fields = (Field("door", "Door"), Field("state", "State", choices=(("open", "open"), ("locked", "locked"))))
    text = render("{{ filters_form(fields, asked) }}", fields=fields, asked={"door": '"><script>', "state": "locked"})
    assert 'value="&#34;&gt;&lt;script&gt;"' in text and "<script>" not in text
    assert '<option value="locked" selected>' in text and "Clear" in text
    text = render("{% call filters_form(fields, {}) %}<label>Extra</label>{% endcall %}", fields=fields)
    assert text.index("Extra") < text.index("<button>") and "Clear" not in text
