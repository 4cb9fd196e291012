"""What a car park asks access before a gate decides: whether a plate is anyone's credential
(and, if nobody's, the vehicle restriction on it now), and the restriction behind a rule."""
from __future__ import annotations

from datetime import timedelta

from tests.integrations.access.conftest import estate
from xiaoqu.integrations.access import EVENT_ACCESS_DENIED, EVENT_ACCESS_GRANTED


async def test_a_residents_car_is_known_and_left_to_the_gates_decision(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, _people):
        fired = []
        for event_type in (EVENT_ACCESS_GRANTED, EVENT_ACCESS_DENIED):
            hub.bus.listen(event_type, fired.append)
        banned = await access.restrict("plate", "沪A12345", scope="vehicle", reason="stolen", kind="blacklist", by="赵敏")
        standing = access.plate_standing("沪A·12345", clock.time())
        assert (standing.known, standing.permission, standing.restriction) == (True, None, None)
        assert access.check("plate", "沪A12345", "gate_car").rule == f"restriction:{banned.id}"  # the gate says it
        await hub.block_till_done()
        assert len(fired) == 1  # the standing fired and logged nothing


async def test_a_visitors_permission_is_known_and_carried(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, _people):
        permission, _ = await access.add_credential(
            {"type": "plate", "plate": "粤C88888", "groups": ["cars"], "household": "1-2-0601", "label": "访客",
             "valid_until": clock.now() + timedelta(hours=2)}, by="guard")
        standing = access.plate_standing("粤C88888", clock.time())
        assert standing.known and standing.permission == permission and standing.restriction is None
        clock.advance(timedelta(hours=3))  # ended: still the car's permission, still for the gate to refuse
        later = access.plate_standing("粤C88888", clock.time())
        assert later.known and later.permission == permission
        assert access.check("plate", "粤C88888", "gate_car").rule == "credential:validity"


async def test_a_strangers_plate_carries_the_vehicle_restriction_in_force_on_it(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, _people):
        stranger = "浙B·77777"
        assert access.plate_standing(stranger, clock.time()) == access.plate_standing("浙B77777", clock.time())
        assert not access.plate_standing(stranger, clock.time()).known
        assert access.plate_standing(stranger, clock.time()).restriction is None
        await access.restrict("plate", stranger, scope="pedestrian", reason="on foot only", kind="staff", by="赵敏")
        assert access.plate_standing(stranger, clock.time()).restriction is None  # not a gate's for cars
        until = clock.time() + 3600
        banned = await access.restrict("plate", stranger, scope="vehicle", reason="逃费", kind="blacklist", by="赵敏",
                                       until=until)
        standing = access.plate_standing("浙b77777", clock.time())
        assert (standing.known, standing.permission, standing.restriction) == (False, None, banned)
        assert access.plate_standing(stranger, until + 1).restriction is None  # it ran out


async def test_the_restriction_behind_a_rule(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (_hub, access, _people):
        arrears = await access.restrict("household", "1-2-0601", scope="vehicle", reason="欠费", kind="arrears",
                                        by="finance")
        denied = access.check("plate", "沪A12345", "gate_car")
        assert access.restriction_behind(denied.rule) == arrears
        assert access.restriction_behind("credential:unknown") is None
        assert access.restriction_behind("restriction:R-none") is None
        await access.lift(arrears.id)
        assert access.restriction_behind(denied.rule) is None  # lifted since
