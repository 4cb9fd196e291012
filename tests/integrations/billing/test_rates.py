"""Rates finer than a fen (electricity at ¥0.588/kWh), exact to the end and rounded once per
line by the site's mode; a rate that is not exact refused naming the key."""
from __future__ import annotations

import pytest

from xiaoqu.core.validation import vol
from xiaoqu.integrations.billing.schema import CONFIG_SCHEMA

from .conftest import ITEMS, billing_site

POWER = {"id": "power", "name": "电费", "kind": "usage", "unit": "kWh", "rate_yuan": "0.588"}
LIGHTS = {"id": "lights", "name": "公摊电费", "kind": "usage", "unit": "kWh", "rate_fen": "58.8"}


@pytest.mark.parametrize(("rounding", "fen"), [("half_up", 7256), ("down", 7255)])
async def test_a_sub_fen_rate_is_exact_and_the_line_rounded_once(tmp_path, rounding, fen):
    async with billing_site(tmp_path, items=[*ITEMS, POWER, LIGHTS], rounding=rounding) as site:
        for item, quantity in (("power", "123.4"), ("lights", "0.05")):
            await site.call("reading", {"household": "1-1-0101", "item": item, "period": "2026-03",
                                        "quantity": quantity})
        await site.call("run", {"period": "2026-03"})
        [bill] = (await site.call("bills", {"household": "1-1-0101"}))["bills"]
        lines = {line["item"]: line for line in bill["lines"]}
        # 123.4 kWh × 58.8 fen = 7255.92 fen, rounded once; 0.05 × 58.8 = 2.94 fen
        assert lines["power"]["amount_fen"] == fen
        assert lines["power"]["why"] == (
            f"电费: 123.4 kWh × ¥0.588/kWh = ¥{fen // 100}.{fen % 100:02d} (rounded "
            f"{'half up' if rounding == 'half_up' else 'down'} to the fen from 7255.9200 fen)")
        assert lines["lights"]["amount_fen"] == (3 if rounding == "half_up" else 2)
        assert bill["total_fen"] == 22375 + fen + lines["lights"]["amount_fen"]


@pytest.mark.parametrize(("item", "message"), [
    ({"rate_yuan": 0.588}, "as text"),
    ({"rate_yuan": "0.5881234"}, "at most 6 decimals"),
    ({"rate_fen": "58.88888"}, "at most 4 decimals"),
    ({"rate_fen": "-1"}, "0 or more"),
    ({"rate_fen": 250, "rate_yuan": "2.5"}, "give one of"),
])
def test_a_rate_that_is_not_exact_is_refused_naming_it(item, message):
    with pytest.raises(vol.Invalid, match=message):
        CONFIG_SCHEMA({"items": [{"id": "power", "kind": "usage", **item}]})


def test_rates_over_time_may_be_in_yuan():
    rates = [{"from": "2025-01-01", "rate_yuan": "0.52"}, {"from": "2026-01-01", "rate_fen": "58.8"}]
    checked = CONFIG_SCHEMA({"items": [{"id": "power", "kind": "usage", "rates": rates}]})
    assert [str(r.get("rate_yuan", r.get("rate_fen"))) for r in checked["items"][0]["rates"]] == ["0.52", "58.8"]
