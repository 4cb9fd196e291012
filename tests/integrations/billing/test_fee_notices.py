"""Billing's run with notices over a real broker: the bills kept first, then the period's fee
notices accepted in one batch (the run's answer says how many), each household's reaching its
app once with its own figures to the fen (the earlier periods' arrears apart from this bill);
the run repeated sends nothing; a batch notices refuses leaves the bills standing."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from tests.integrations.notices.conftest import NOTICES, START
from tests.integrations.portal.conftest import Portal, portal
from tests.integrations.smart_home.conftest import ALICE, BOB, ROOT
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.money import yuan
from xiaoqu.integrations.billing import get_billing
from xiaoqu.integrations.notices import get_notices

#: 物业费 ¥2.50/m² a month, due the 15th: both households have 89.50 m² (¥223.75).
ITEMS = [{"id": "property_fee", "name": "物业费", "kind": "area", "rate_fen": 250, "due_day": 15}]


@pytest.fixture
def broker(tmp_path: Path) -> Any:
    with BrokerProcess.create(tmp_path / "broker") as found:
        yield found


@asynccontextmanager
async def estate(tmp_path: Path, broker: BrokerProcess, **billing: Any) -> AsyncIterator[Portal]:
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    async with portal(site_dir, broker, clock=ManualClock(START), notices=NOTICES, payments={},
                      billing={"items": ITEMS, **billing}) as here:
        yield here


def fee_notices(probe: MqttProbe, household: str) -> list[dict[str, Any]]:
    prefix = f"{ROOT}/household/{household}/notices/"
    found = [json.loads(m.payload) for m in probe.messages
             if m.topic.value.startswith(prefix) and m.topic.value.count("/") == prefix.count("/")]
    return [n for n in found if n["template"] == "fee_notice"]


async def run(here: Portal, period: str) -> dict[str, Any]:
    answer = await here.hub.services.call("billing", "run", {"period": period}, return_response=True)
    assert isinstance(answer, dict)
    return answer


async def test_a_run_sends_each_household_its_fee_notice_once(tmp_path: Path, broker: BrokerProcess) -> None:
    async with estate(tmp_path, broker) as here:
        february = await run(here, "2026-02")
        assert (february["notices"], february["notices_accepted"]) == (2, 2)
        march = await run(here, "2026-03")
        assert (march["notices"], march["total_fen"], march["notices_accepted"]) == (2, 2 * 22375, 2)
        await here.probe.wait_until(lambda: all(len(fee_notices(here.probe, h)) == 2 for h in (ALICE, BOB)))
        await here.hub.block_till_done()
        notices = get_notices(here.hub)
        for household in (ALICE, BOB):
            [feb, mar] = sorted(fee_notices(here.probe, household), key=lambda n: n["ref"])
            assert (feb["ref"], mar["ref"]) == (f"billing:2026-02:{household}", f"billing:2026-03:{household}")
            assert mar["title"] == "物业费缴费通知单（2026-03）" and "本期合计：¥223.75。" in mar["body"]
            # February's bill, unpaid and overdue since the 15th, is the arrears; March's own is not
            owing = get_billing(here.hub).arrears(household)
            assert owing.outstanding_fen == 2 * 22375 and owing.late_fee_fen > 0
            assert f"尚有往期欠费{yuan(22375)}，滞纳金{yuan(owing.late_fee_fen)}" in mar["body"]
            assert "往期欠费" not in feb["body"]
            [notice] = notices.find(household=household, ref="billing:2026-03:")
            assert [row["status"] for row in notices.recipients_of(notice.id)] == ["sent"]

        again = await run(here, "2026-03")
        assert (again["notices"], again["already_billed"], again["notices_accepted"]) == (0, 2, 0)
        await here.hub.block_till_done()
        assert [len(fee_notices(here.probe, h)) for h in (ALICE, BOB)] == [2, 2]
        assert len(notices.find(ref="billing:2026-03:")) == 2


async def test_a_batch_refused_leaves_the_bills(tmp_path: Path, broker: BrokerProcess,
                                                caplog: pytest.LogCaptureFixture) -> None:
    async with estate(tmp_path, broker) as here:
        notices = get_notices(here.hub)
        notices.templates["fee_notice"] = {"title": "{{ period }}", "body": "{{ no_such_figure }}"}
        answer = await run(here, "2026-03")
        assert (answer["notices"], answer["notices_accepted"]) == (2, 0)
        assert "items[0]: template fee_notice could not be rendered" in caplog.text
        assert notices.notices == {} and len(get_billing(here.hub).bills) == 2
