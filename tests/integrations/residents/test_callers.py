"""Who calls a service, on a real hub with real users linked to residents' persons: a resident is
held to the household their person lives in now, staff act for none, and the names records show
follow what the integration asks for (person's name or user name)."""
from __future__ import annotations

import pytest

from tests.integrations.residents.sample import CONFIG
from xiaoqu.core.auth import Actor, get_access
from xiaoqu.core.bus import Context
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.residents import Caller, NoHousehold, caller_of, get_residents, household_app
from xiaoqu.integrations.residents.callers import BY_HOUSEHOLD_APP, BY_RESIDENT, BY_STAFF, audit

HUB = Actor("hub")


async def _user(hub, name: str, role: str) -> Context:
    return Context(user_id=(await get_access(hub).manager.add_user(name, role, None, HUB)).id, source="api")


async def test_a_resident_answers_for_the_household_they_live_in_now(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        for household in ("1-1-0101", "2-1-0202"):
            await residents.add_household(household)
        context = await _user(hub, "alice", "resident")
        alice = await residents.add_person(household="1-1-0101", role="owner", name="李丽")
        await residents.link_user(alice.id, "alice")

        assert caller_of(hub, context) == Caller("alice", BY_RESIDENT, context, "1-1-0101")
        assert caller_of(hub, context, residents_by_person=True).name == "李丽"
        assert not caller_of(hub, context).is_staff

        await residents.update_person(alice.id, household="2-1-0202")  # moved: the old household is not hers
        assert caller_of(hub, context).household == "2-1-0202"


async def test_a_resident_who_lives_nowhere_is_refused_in_the_integrations_words(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        await residents.add_household("1-1-0101")
        unlinked = await _user(hub, "carol", "resident")
        with pytest.raises(NoHousehold, match="^user carol is linked to no household; they answer for nobody$"):
            caller_of(hub, unlinked)

        erased = await _user(hub, "dave", "resident")
        dave = await residents.add_person(household="1-1-0101", role="tenant", name="王伟")
        await residents.link_user(dave.id, "dave")
        assert caller_of(hub, erased).household == "1-1-0101"
        await residents.erase_person(dave.id)
        with pytest.raises(NoHousehold, match="^user dave is linked to no household; they answer for no visit$"):
            caller_of(hub, erased, refusal="they answer for no visit")


async def test_staff_act_for_no_household_named_by_user_unless_asked_for_their_person(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        residents = get_residents(hub)
        linked = await _user(hub, "zhang", "manager")
        zhang = await residents.add_person(kind="staff", name="张经理")
        await residents.link_user(zhang.id, "zhang")
        guard = await _user(hub, "guard1", "guard")

        assert caller_of(hub, linked) == Caller("zhang", BY_STAFF, linked)
        assert caller_of(hub, linked, staff_by_person=True).name == "张经理"
        assert caller_of(hub, guard, staff_by_person=True) == Caller("guard1", BY_STAFF, guard)
        assert caller_of(hub, linked).is_staff
        await residents.erase_person(zhang.id)  # an erased person's name is gone: the user name stands
        assert caller_of(hub, linked, staff_by_person=True).name == "zhang"


async def test_a_call_with_no_user_is_staff_named_by_its_source(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        automation = Context(source="automation.gate_alarm")
        assert caller_of(hub, automation) == Caller("automation.gate_alarm", BY_STAFF, automation)
        assert caller_of(hub, None).name == "the hub"
        gone = await _user(hub, "temp", "resident")
        await get_access(hub).manager.remove_user("temp", HUB)
        assert caller_of(hub, gone) == Caller("api", BY_STAFF, gone)  # a removed user is nobody's resident


async def test_the_household_app_and_the_audit_of_a_callers_act(tmp_path, clock) -> None:
    async with running_hub(tmp_path, CONFIG, clock=clock) as hub:
        app = household_app("1-1-0101")
        assert (app.name, app.how, app.household, app.is_staff) == ("household 1-1-0101 (app)", BY_HOUSEHOLD_APP,
                                                                     "1-1-0101", False)
        staff = await _user(hub, "staff1", "manager")
        audit(hub, "thing_done", caller_of(hub, staff), thing="T1")
        audit(hub, "thing_done", app, thing="T2")
        await hub.recorder.flush()
        done = [r.data for r in await hub.recorder.query("audit", where={"act": "thing_done"}, newest_first=False)]
        assert [(r["who"], r["how"], r["thing"]) for r in done] == [
            ("staff1", BY_STAFF, "T1"), ("household 1-1-0101 (app)", BY_HOUSEHOLD_APP, "T2")]
