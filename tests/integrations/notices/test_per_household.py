"""A template that reads ``household`` sent to many households is worded for each, on a real
broker: each household's app gets its own words, the portal's list shows a household its own,
no lobby display shows any; a household the figures lack stops the notice naming it, nothing
kept; a template that does not read ``household`` is rendered once and kept as one text."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.notices.conftest import ALICE, BOB, site
from tests.integrations.smart_home.conftest import ROOT
from xiaoqu.core.errors import ServiceValidationError
from xiaoqu.integrations.notices import texts

TEMPLATES = {"meter_reading": {"title": "{{ household }}水表读数",
                               "body": "尊敬的{{ household }}住户：本月用水{{ tons[household] }}吨，"
                                       "水费{{ (tons[household] * 350) | yuan }}。"}}


async def test_a_template_reading_household_is_worded_for_each(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, broker, templates=TEMPLATES) as here:
        sent = await here.call("staff", "send", to={"all": True}, template="meter_reading",
                               data={"tons": {ALICE: 12, BOB: 7}})
        notice = sent["notice_id"]
        for household, words in ((ALICE, "本月用水12吨，水费¥42.00。"), (BOB, "本月用水7吨，水费¥24.50。")):
            topic = f"{ROOT}/household/{household}/notices/{notice}"
            shown = json.loads((await here.probe.wait_for(topic)).payload)  # type: ignore[arg-type]
            assert shown["title"] == f"{household}水表读数" and shown["body"] == f"尊敬的{household}住户：{words}"
        await here.settle()
        assert not [m for m in here.probe.messages if "/display/" in m.topic.value]  # nobody's words on a lobby
        [bobs] = (await here.call("bob", "list"))["notices"]
        assert bobs["title"] == f"{BOB}水表读数" and "水费¥24.50" in bobs["body"] and ALICE not in bobs["body"]
        kept = here.notices.notices[notice]
        assert kept.parts == TEMPLATES["meter_reading"] and kept.variables["tons"] == {ALICE: 12, BOB: 7}
        counts = here.notices.counts(kept)
        assert counts["sent"] == 2 and counts["failed"] == 0


async def test_a_household_the_figures_lack_stops_the_notice(site_dir: Path, broker: BrokerProcess) -> None:
    async with site(site_dir, broker, templates=TEMPLATES) as here:
        with pytest.raises(ServiceValidationError,
                           match=f"template meter_reading could not be rendered for household {BOB} \\(title\\)"
                                 f"|could not be rendered for household {BOB} \\(body\\)"):
            await here.call("staff", "send", to={"all": True}, template="meter_reading", data={"tons": {ALICE: 12}})
        assert here.notices.notices == {}


async def test_a_template_without_household_is_rendered_once(site_dir: Path, broker: BrokerProcess,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    async with site(site_dir, broker) as here:
        renders: list[object] = []
        each = texts.Renderer.render_each
        monkeypatch.setattr(texts.Renderer, "render_each",
                            lambda self, *args: renders.append(args[3]) or each(self, *args))
        sent = await here.call("staff", "send", to={"all": True}, template="outage",
                               data={"what": "电", "area": "全小区", "start": "3月6日", "end": "3月6日", "reason": "检修"})
        assert renders == [[None]]
        assert here.notices.notices[sent["notice_id"]].parts is None
        # a comment naming household is no use of it
        assert not texts.uses(here.hub, {"title": "t", "body": "{# household #}b"}, "household")
        assert texts.uses(here.hub, {"title": "t", "body": "{{ household }}"}, "household")
