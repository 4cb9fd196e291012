"""A visitor's car through access: a plate permission of access's own (``access.add_credential``
with ``type: plate``), the vehicle gates its groups name, until its end, and nowhere else."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.integrations.access.conftest import estate
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.errors import ServiceValidationError

CARS = {"id": "visitor_cars", "name": "访客车辆", "doors": ["gate_car"], "members": {"kinds": ["visitor"]}}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 3, 2, 8, 0))


async def _issue(hub, **data):
    return await hub.services.call("access", "add_credential", data, return_response=True)


async def test_a_plate_permission_opens_its_gates_until_it_ends(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, access, _people):
        await hub.services.call("access", "add_group", CARS)
        issued = await _issue(hub, type="plate", plate="粤B·123 45", groups=["visitor_cars"], household="2-1-0301",
                              label="访客 王*", valid_until="2026-03-02 18:00")
        assert issued["credential_id"] == "plate:粤B12345" and issued["masked"] == "粤B1***5"
        granted = access.check("plate", "粤B12345", "gate_car")
        assert (granted.granted, granted.rule, granted.household, granted.person) == (
            True, "group:visitor_cars", "2-1-0301", None)
        assert access.check("plate", "粤B12345", "b1_east").rule == "door:kind"
        entry = access.whitelist(["gate_car", "b1_east"])["entries"]["plate:粤B12345"]
        assert entry["doors"] == {"gate_car": "always"} and entry["household"] == "2-1-0301"
        await hub.services.call("access", "restrict", {"plate": "粤B12345", "reason": "blacklisted", "kind": "blacklist"})
        assert access.check("plate", "粤B12345", "gate_car").rule.startswith("restriction:")
        await hub.services.call("access", "lift_restriction", {"plate": "粤B12345"})
        clock.advance(timedelta(hours=10))
        expired = access.check("plate", "粤B12345", "gate_car")
        assert (expired.granted, expired.rule, expired.reason) == (
            False, "credential:validity", "denied: plate 粤B1***5 (访客 王*) expired 2026-03-02 18:00")


async def test_a_residents_car_or_a_plate_holding_one_is_refused_another(tmp_path, clock) -> None:
    async with estate(tmp_path, clock) as (hub, _access, _people):
        await hub.services.call("access", "add_group", CARS)
        with pytest.raises(ServiceValidationError, match="plate 沪A1\\*\\*\\*5 is a car of household 1-2-0601"):
            await _issue(hub, type="plate", plate="沪A12345", groups=["visitor_cars"])
        await _issue(hub, type="plate", plate="粤B12345", groups=["visitor_cars"], valid_until="2026-03-02 18:00")
        with pytest.raises(ServiceValidationError, match="粤B1\\*\\*\\*5 already has a permission until 2026-03-02 18:00"):
            await _issue(hub, type="plate", plate="粤B12345", groups=["visitor_cars"])
        with pytest.raises(Exception, match="a plate permission needs the plate"):
            await _issue(hub, type="plate", groups=["visitor_cars"])
