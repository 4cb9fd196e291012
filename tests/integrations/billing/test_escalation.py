"""Escalation as data on a real hub and its manual clock: each step of the procedure fires once
per arrears episode on the right day with the figures and the rule; an approval step waits for
a manager; a step after another's deadline waits for it; paying closes the episode and falling
behind again opens a new one; a restarted hub repeats nothing; pedestrian blocks are refused
unless a site says so, and then the check warns."""
from __future__ import annotations

import logging
from typing import Any

import pytest

from xiaoqu.core.errors import ServiceValidationError, Unauthorized
from xiaoqu.core.validation import vol
from xiaoqu.integrations.billing.escalation import ESCALATION_SCHEMA, PEDESTRIAN_WARNING

from .conftest import billing_site

HOUSEHOLD = "1-1-0101"  # ¥223.75 a month, due on the 15th
STEPS: list[dict[str, Any]] = [
    {"id": "reminder", "days": 30, "notice": "reminder", "deadline_days": 15},
    {"id": "grace", "months": 2, "approval": True},
    {"id": "second_notice", "months": 3, "notice": "second_notice", "deadline_days": 15},
    {"id": "suspension", "months": 3, "after": "second_notice", "restrict": "vehicle"},
]
ESCALATION = {"escalation": {"steps": STEPS}}


def steps(site: Any) -> list[str]:
    """The household's steps fired so far, in order."""
    return [data["step"] for data in site.fired("billing.arrears_step") if data["household"] == HOUSEHOLD]


async def day(site: Any, iso: str) -> None:
    site.on(iso)
    await site.hub.block_till_done()


async def test_each_step_fires_once_on_its_day_with_the_figures_and_the_rule(tmp_path):
    async with billing_site(tmp_path, **ESCALATION) as site:
        await site.call("run", {"period": "2026-03"})
        await day(site, "2026-04-13")  # 29 days overdue
        assert steps(site) == []
        await day(site, "2026-04-14")
        [reminder] = [d for d in site.fired("billing.arrears_step") if d["household"] == HOUSEHOLD]
        # ¥223.75 × 0.3% × 30 days = ¥20.14 (2013.75 fen, half up)
        assert reminder == {**reminder, "step": "reminder", "episode": 1, "days": 30, "months": 0,
                            "outstanding_fen": 22375, "late_fee_fen": 2014, "amount_fen": 22375 + 2014,
                            "due": "2026-03-15", "deadline": "2026-04-29", "notice": "reminder", "restrict": None,
                            "rule": "reminder: 30 days overdue, from 30"}
        await day(site, "2026-05-14")
        await day(site, "2026-05-15")  # two whole months: the grace month waits for a manager
        [pending] = [d for d in site.fired("billing.arrears_step_pending") if d["household"] == HOUSEHOLD]
        assert (pending["step"], pending["months"]) == ("grace", 2)
        assert "waits for a manager's approval" in pending["rule"]
        assert steps(site) == ["reminder"]

        with pytest.raises(Unauthorized):
            await site.call("approve_step", {"household": HOUSEHOLD, "step": "grace", "reason": "r"}, role="finance")
        approved = await site.call("approve_step", {"household": HOUSEHOLD, "step": "grace",
                                                    "reason": "owner abroad, pays in June"}, role="manager")
        assert approved["state"] == "fired"
        grace = [d for d in site.fired("billing.arrears_step") if d["household"] == HOUSEHOLD][-1]
        assert (grace["step"], grace["approved_by"]) == ("grace", "manager")
        assert grace["rule"].endswith("approved by manager: owner abroad, pays in June")
        with pytest.raises(ServiceValidationError, match="no step grace waiting for approval"):
            await site.call("approve_step", {"household": HOUSEHOLD, "step": "grace", "reason": "again"},
                            role="manager")

        await day(site, "2026-06-15")  # three months: the second notice, its deadline 30 June
        await day(site, "2026-06-30")  # the deadline: not yet
        mine = [d for d in site.fired("billing.arrears_step") if d["household"] == HOUSEHOLD]
        assert [d["step"] for d in mine] == ["reminder", "grace", "second_notice"]
        assert mine[-1]["deadline"] == "2026-06-30"
        await day(site, "2026-07-01")  # the day after the deadline: the cars
        mine = [d for d in site.fired("billing.arrears_step") if d["household"] == HOUSEHOLD]
        assert [d["step"] for d in mine] == ["reminder", "grace", "second_notice", "suspension"]
        assert mine[-1]["restrict"] == "vehicle"
        assert mine[-1]["rule"] == "suspension: 3 months overdue, from 3; second_notice's deadline 2026-06-30 passed"
        await day(site, "2026-09-01")
        assert len(steps(site)) == 4  # once each


async def test_paying_closes_the_episode_and_falling_behind_again_opens_a_new_one_across_a_restart(tmp_path):
    async with billing_site(tmp_path, **ESCALATION) as site:
        await site.call("run", {"period": "2026-03"})
        await day(site, "2026-04-14")
        owed = await site.call("arrears", {"household": HOUSEHOLD})
        await site.call("pay", {"household": HOUSEHOLD, "amount_fen": owed["total_fen"], "payment_id": "p1",
                                "method": "cash"})
        described = await site.call("escalation", {"household": HOUSEHOLD})
        [record] = described["households"]
        assert (record["episode"], record["open"], list(record["steps"])) == (1, False, ["reminder"])
        await site.call("run", {"period": "2026-04"})  # due 15 April
        await day(site, "2026-05-14")
        clock = site.clock
    # A restart on 15 May: nothing repeats; the new episode's reminder on its own day.
    async with billing_site(tmp_path, start=clock.now(), **ESCALATION) as site:
        await day(site, "2026-05-15")
        assert [(d["step"], d["episode"]) for d in site.fired("billing.arrears_step")
                if d["household"] == HOUSEHOLD] == [("reminder", 2)]
        await day(site, "2026-05-20")
        assert len(steps(site)) == 1


async def test_a_declined_step_is_not_taken_in_the_episode(tmp_path):
    async with billing_site(tmp_path, **ESCALATION) as site:
        await site.call("run", {"period": "2026-03"})
        await day(site, "2026-05-15")
        declined = await site.call("approve_step", {"household": HOUSEHOLD, "step": "grace", "approve": False,
                                                    "reason": "no grace: third time this year"}, role="manager")
        assert declined["state"] == "declined"
        await day(site, "2026-05-20")
        assert steps(site) == ["reminder"]


def test_pedestrian_blocks_are_refused_unless_the_site_says_so_and_then_warned(caplog):
    pedestrian = [{"id": "doors", "months": 3, "restrict": "all"}]
    with pytest.raises(vol.Invalid, match="arrears restrict vehicles only"):
        ESCALATION_SCHEMA({"steps": pedestrian})
    with caplog.at_level(logging.WARNING):
        ESCALATION_SCHEMA({"steps": pedestrian, "allow_pedestrian_block": True})
    assert PEDESTRIAN_WARNING in caplog.text and "unlawful" in PEDESTRIAN_WARNING
    with pytest.raises(vol.Invalid, match="not an earlier step with deadline_days"):
        ESCALATION_SCHEMA({"steps": [{"id": "cars", "months": 3, "after": "second_notice"}]})
    with pytest.raises(vol.Invalid, match="either days or months"):
        ESCALATION_SCHEMA({"steps": [{"id": "x", "days": 3, "months": 1}]})
    defaults = ESCALATION_SCHEMA({})
    assert [s["id"] for s in defaults["steps"]] == ["reminder", "visit", "grace", "second_notice", "suspension",
                                                    "legal"]
