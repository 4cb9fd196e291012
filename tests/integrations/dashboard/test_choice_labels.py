"""A list's choices from data are text, never markup: an area named like a script, rendered
through the entities page's area filter, reaches the browser escaped; a choice that is a
message id (``N_``) is still translated."""
from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from babel.support import Translations

from tests.integrations.dashboard.conftest import browser, dashboard_hub
from xiaoqu.integrations.dashboard import N_
from xiaoqu.integrations.dashboard.i18n import catalogue, environments
from xiaoqu.integrations.dashboard.paging import Field
from xiaoqu.integrations.dashboard.runtime import PACKAGE

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
#: A `%` in a label: jinja's gettext would %-format it and fail.
PERCENT = "100% 区"


async def test_an_area_named_like_markup_is_shown_as_text_in_the_filter(tmp_path: Path) -> None:
    async with dashboard_hub(tmp_path) as hub:
        hub.states.set("sensor.hall_light", "on", {"friendly_name": "Hall light", "area": HOSTILE})
        hub.states.set("sensor.shop_meter", "12", {"friendly_name": "Shop meter", "area": PERCENT})
        await hub.block_till_done()
        async with browser(hub) as manager:
            await manager.sign_in("manager")
            status, text, _ = await manager.get("/dashboard/entities")
    assert status == 200, text
    assert HOSTILE not in text
    assert f'<option value="{ESCAPED}">{ESCAPED}</option>' in text
    assert f'<option value="{PERCENT}">{PERCENT}</option>' in text


def test_a_choice_marked_as_a_message_id_is_translated_and_data_is_not() -> None:
    zh = catalogue([PACKAGE], "zh_CN")
    assert isinstance(zh, Translations) and zh.gettext("All") != "All"
    env = environments([PACKAGE], {"zh_CN": zh}, ZoneInfo("Asia/Shanghai"))["zh_CN"]
    field = Field("pick", N_("Search"), choices=(("a", N_("All")), ("b", "All"), ("c", HOSTILE)))
    text = env.from_string('{% from "macros.html" import filters_form %}{{ filters_form(fields, {}) }}').render(
        fields=(field,))
    assert f'<option value="a">{zh.gettext("All")}</option>' in text
    assert '<option value="b">All</option>' in text
    assert f'<option value="c">{ESCAPED}</option>' in text and HOSTILE not in text
