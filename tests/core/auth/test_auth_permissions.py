"""Roles and grants: admins do everything, others what is granted, plugins never ``api.*``."""
from __future__ import annotations

import logging

import pytest

from xiaoqu.core.auth.permissions import API_READ, API_READ_AUDIT, CORE_GRANTS, Permissions, check_pattern, merge_grants


def test_admin_may_do_everything_and_others_what_they_are_granted() -> None:
    permissions = Permissions({"guard": ["door.*", "barrier.open"], "finance": ["billing.refund"]})
    assert permissions.allows("admin", "anything.at_all")
    assert permissions.allows("guard", "door.unlock") and permissions.allows("guard", "door.lock")
    assert permissions.allows("guard", "barrier.open")
    assert not permissions.allows("guard", "barrier.close")
    assert not permissions.allows("guard", "doorbell.ring")  # door.* is the door domain only
    assert not permissions.allows("finance", "billing.refund_all")
    assert not permissions.allows("resident", "door.unlock")
    assert not permissions.allows("no_such_role", "door.unlock")


def test_wildcards_match_within_the_service_name_only() -> None:
    permissions = Permissions({"maintenance": ["modbus.write_*"]})
    assert permissions.allows("maintenance", "modbus.write_register")
    assert not permissions.allows("maintenance", "modbus.read_register")


@pytest.mark.parametrize("pattern", ["*", "*.unlock", "door", "door.unlock now", "Door.unlock", ""])
def test_patterns_are_domain_dot_service(pattern) -> None:
    with pytest.raises(ValueError, match="domain.service"):
        check_pattern(pattern)


def test_core_grants_let_staff_read_and_residents_nothing() -> None:
    permissions = merge_grants([])
    for role in ("manager", "finance", "guard", "maintenance"):
        assert permissions.allows(role, API_READ)
    assert not permissions.allows("resident", API_READ)
    assert permissions.allows("manager", "automation.trigger") and not permissions.allows("guard", "automation.trigger")
    assert CORE_GRANTS["resident"] == ()


def test_plugins_grant_their_services_but_never_the_api(caplog) -> None:
    caplog.set_level(logging.WARNING)
    permissions = merge_grants(
        [
            ("door", {"guard": ["door.unlock"], "finance": [API_READ_AUDIT], "admin": ["x.y"]}),
            ("cards", {"finance": "cards.recharge", "cashier": ["cards.refund"]}),
            ("broken", ["not", "a", "mapping"]),
            ("quiet", None),
        ],
        {"finance": [API_READ_AUDIT]},
    )
    assert permissions.allows("guard", "door.unlock")
    assert permissions.allows("finance", "cards.recharge")
    # the site's grant of api.read_audit stands; the plugin's alone would not have
    assert permissions.allows("finance", API_READ_AUDIT)
    assert not merge_grants([("door", {"finance": [API_READ_AUDIT]})]).allows("finance", API_READ_AUDIT)
    messages = "\n".join(r.getMessage() for r in caplog.records)
    assert "door grants finance 'api.read_audit'" in messages
    assert "cards grants permissions to 'cashier'" in messages
    assert "broken: xiaoqu_role_permissions returned list" in messages
    assert "door grants permissions to 'admin'" in messages
