"""Restrictions: at once, by scope, explained with who set them, lifted, durable, refused when
they name nothing; the staff services around them, with roles and the audit log."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integrations.access.conftest import CARD, estate
from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.audit import Actor
from xiaoqu.core.bus import Context
from xiaoqu.core.errors import ServiceValidationError, Unauthorized
from xiaoqu.integrations.residents import get_residents


async def user(hub, name: str, role: str, person: str | None = None) -> Context:
    """A hub user of ``role`` (linked to ``person``), as the context of their calls."""
    account = await get_auth(hub).manager.add_user(name, role, None, Actor("cli", "cli:test"))
    if person is not None:
        await get_residents(hub).link_user(person, name)
    return Context(user_id=account.id)


async def restrict(hub, context: Context | None = None, **data) -> dict:
    return await hub.services.call("access", "restrict", data, context=context, return_response=True)


async def test_a_lost_card_is_denied_at_once_naming_who_reported_it_and_lifted_again(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        guard = await user(hub, "zhaomin", "guard", people["赵敏"])
        answer = await restrict(hub, guard, card="0077771716", reason="reported lost", kind="lost")
        assert answer["value"] == CARD and answer["by"] == "赵敏"
        for form in (CARD, "162,46020"):
            denied = access.check("card", form, "b1_east")
            assert (denied.granted, denied.rule) == (False, f"restriction:{answer['restriction_id']}")
            assert denied.reason == "denied: card 04A2**** reported lost 2026-03-02 by 赵敏"
        assert access.check("face", "face-wf", "b1_east").granted  # the card is lost, not the person
        with pytest.raises(Unauthorized):
            await hub.services.call("access", "lift_restriction", {"card": CARD}, context=guard, blocking=True)
        lifted = await hub.services.call("access", "lift_restriction", {"restriction_id": answer["restriction_id"]},
                                         return_response=True)
        assert lifted == {"lifted": [answer["restriction_id"]]}
        assert access.check("card", CARD, "b1_east").granted
        await hub.recorder.flush()
        audit = await hub.recorder.query("audit", where={"act": "access_restricted"})
        assert [(r.data["by"], r.data["restriction"]) for r in audit] == [("zhaomin", answer["restriction_id"])]


async def test_scope_household_and_until(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, people):
        arrears = await restrict(hub, household="1-2-0601", scope="vehicle", reason="欠费停车", kind="arrears",
                                 until="2026-03-03 08:00")
        car = access.check("plate", "沪A12345", "gate_car")
        assert (car.granted, car.rule) == (False, f"restriction:{arrears['restriction_id']}")
        assert car.reason == "denied: household 1-2-0601 欠费停车 2026-03-02 by the hub (until 2026-03-03 08:00)"
        assert access.check("card", "11223344", "b1_east").granted  # pedestrian doors stay open
        assert access.check("plate", "沪B54321", "gate_car").granted  # another household
        clock.advance(timedelta(days=1))
        assert access.check("plate", "沪A12345", "gate_car").granted  # it ran out
        await restrict(hub, person=people["李强"], reason="blacklisted by the owners' committee", kind="blacklist")
        assert access.check("card", "11223344", "b1_east").granted is False
        assert access.check("card", CARD, "b1_east").granted  # the rest of the household


async def test_a_restriction_survives_a_restart(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, _access, _people):
        answer = await restrict(hub, plate="沪A·12345", reason="stolen", kind="blacklist")
    async with estate(tmp_path, clock) as (_hub, access, _people):
        assert access.check("plate", "沪A12345", "gate_car").rule == f"restriction:{answer['restriction_id']}"


async def test_a_restriction_that_names_nothing_is_refused_clearly_and_counted(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, _people):
        with pytest.raises(ServiceValidationError, match=r"^household 9-9-0909 does not exist$"):
            await restrict(hub, household="9-9-0909", reason="arrears")
        with pytest.raises(ServiceValidationError, match=r"^card number '04A2B3': 6 hex digits"):
            await restrict(hub, card="04A2B3", reason="lost")
        with pytest.raises(ServiceValidationError, match=r"name exactly one of household, person, card, plate"):
            await restrict(hub, household="1-2-0601", person="P000001", reason="x")
        with pytest.raises(ServiceValidationError, match=r"^there is no restriction R0$"):
            await hub.services.call("access", "lift_restriction", {"restriction_id": "R0"}, blocking=True)
        assert access.counts["unknown_target"] == 2 and access.counts["malformed_credential"] == 1
        assert len(access.restrictions) == 0
