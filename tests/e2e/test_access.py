"""Issue 9's acceptance, end to end over a real broker (Mosquitto where installed) with the
simulated community running: the estate imported from the simulator's sheet; a resident's card
presented at readers the way a reader presents it, decided, answered with the reason and the
rule on the reader's result topic, and found in ``access.log``."""
from __future__ import annotations

from typing import Any

from tests.conftest import START
from tests.e2e.demo import demo_config, import_the_estate
from tests.e2e.players import ROOT, Reader, call, user_token
from tests.fixtures_mqtt import BrokerProcess, MqttProbe
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import get_residents

#: Building 1's residents may come in until 08:02 on working days (the test starts at 08:00).
EARLY = {"name": "Early birds", "workdays": ["06:00-08:02"]}


def site_config(broker: BrokerProcess) -> dict[str, Any]:
    """The demo on the test's broker, building 1's group on the early schedule."""
    config = demo_config()
    config["mqtt"] = broker.hub_config()
    config["access"]["schedules"]["early"] = EARLY
    for group in config["access"]["groups"]:
        if group["id"] == "b1_residents":
            group["schedule"] = "early"
    return config


async def test_a_residents_card_through_the_day(tmp_path, broker):
    config = site_config(broker)
    import_the_estate(tmp_path, config)
    clock = ManualClock(START)  # Monday 2 March 2026, 08:00: a working day
    async with running_hub(tmp_path, config, clock=clock) as hub, \
            MqttProbe(broker, f"{ROOT}/reader/+/result", f"{ROOT}/door/+/command") as probe:
        token = await user_token(hub, "office", "manager")
        person = next(p for p in get_residents(hub).persons() if p.building == "1" and p.cards)
        card = person.cards[0]
        uid = int(card, 16)
        reader = Reader(probe, clock)

        home = await reader.present("b1-u1", card)
        assert home["granted"] is True and "person" not in home and "household" not in home  # the hub's to know
        assert home["rule"] == "group:b1_residents" and home["reason"].startswith("granted: ")
        assert (await reader.door_command("b1-u1", home["request_id"]))["action"] == "unlock"
        assert (await reader.present("gate-1", card))["granted"] is True

        other = await reader.present("b2-u1", card)
        assert other["granted"] is False and other["rule"] == "group:none"

        # One card, however the reader writes it: 10 decimal digits, a Wiegand-26 pair.
        for form in (f"{uid:010d}", f"{(uid >> 16) & 0xFF},{uid & 0xFFFF}", card.lower()):
            read = await reader.present("b1-u2", form)
            assert read["granted"] is True, form

        restricted = await call(hub, token, "access.restrict",
                                {"person": person.id, "scope": "all", "reason": "e2e: card reported lost"})
        for door in ("b1-u1", "gate-1"):  # the next swipe after the call returned, everywhere
            denied = await reader.present(door, card)
            assert denied["granted"] is False and denied["rule"] == f"restriction:{restricted['restriction_id']}"
            assert "e2e: card reported lost" in denied["reason"]
        await call(hub, token, "access.lift_restriction", {"restriction_id": restricted["restriction_id"]})
        assert (await reader.present("b1-u1", card))["granted"] is True

        clock.advance(120)  # past 08:02: after building 1's window
        late = await reader.present("b1-u1", card)
        assert late["granted"] is False and late["rule"] == "schedule:early", late
        assert (await reader.present("gate-2", card))["granted"] is False  # building 1's gates too

        log = await call(hub, token, "access.log", {"person": person.id, "limit": 50})

    records = log["records"]
    assert len(records) == 11  # every presentation above, once
    assert {(r["person"], r["household"]) for r in records} == {(person.id, person.household)}  # read as one person
    assert [r["granted"] for r in records][:3] == [False, False, True]  # newest first
    assert all(r["reason"] and r["rule"] for r in records)
    assert {r["door"] for r in records} == {"b1-u1", "b1-u2", "b2-u1", "gate-1", "gate-2"}
