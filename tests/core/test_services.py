"""Services: schemas with readable errors, responses, contexts, permission checks."""
from __future__ import annotations

import pytest

from xiaoqu.core.bus import Context
from xiaoqu.core.const import EVENT_CALL_SERVICE
from xiaoqu.core.errors import HubError, ServiceNotFound, ServiceValidationError, Unauthorized
from xiaoqu.core.services import SupportsResponse
from xiaoqu.core.validation import vol

UNLOCK_SCHEMA = vol.Schema({vol.Required("door"): str, vol.Optional("seconds", default=5): int})


async def test_call_validates_and_passes_data_and_context(hub):
    calls = []
    hub.services.register("door", "unlock", calls.append, UNLOCK_SCHEMA)
    ctx = Context(source="automation.door_forced")
    await hub.services.call("door", "unlock", {"door": "east"}, context=ctx)
    assert calls[0].data == {"door": "east", "seconds": 5}
    assert calls[0].context is ctx


async def test_bad_data_names_the_field(hub):
    hub.services.register("door", "unlock", lambda c: None, UNLOCK_SCHEMA)
    with pytest.raises(ServiceValidationError, match=r"door\.unlock: .*seconds"):
        await hub.services.call("door", "unlock", {"door": "east", "seconds": "soon"})
    with pytest.raises(ServiceValidationError, match=r"door\.unlock: .*door"):
        await hub.services.call("door", "unlock", {})


async def test_unknown_service_suggests_a_close_name(hub):
    hub.services.register("door", "unlock", lambda c: None)
    with pytest.raises(ServiceNotFound, match=r"door\.unlok not found; did you mean door\.unlock\?"):
        await hub.services.call("door", "unlok")


async def test_a_user_gets_no_hint_when_nobody_can_say_what_they_may_call(hub):
    hub.services.register("cards", "refund", lambda c: None)
    hub.services.permission_check = lambda context, domain, service: None  # a check with no query beside it
    with pytest.raises(ServiceNotFound, match=r"^service cards\.refnd not found$"):
        await hub.services.call("cards", "refnd", context=Context(user_id="u1"))
    with pytest.raises(ServiceNotFound, match=r"did you mean cards\.refund\?"):  # the hub itself is told
        await hub.services.call("cards", "refnd", context=Context(source="automation.x"))


async def test_async_handler_with_response(hub):
    async def balance(call):
        return {"card": call.data["card"], "fen": 1250}

    hub.services.register("cards", "balance", balance, supports_response=SupportsResponse.ONLY)
    assert await hub.services.call("cards", "balance", {"card": "A"}, return_response=True) == {"card": "A", "fen": 1250}
    with pytest.raises(HubError, match="only returns a response"):
        await hub.services.call("cards", "balance", {"card": "A"})


async def test_response_refused_where_not_supported_or_not_blocking(hub):
    hub.services.register("door", "lock", lambda c: None)
    with pytest.raises(HubError, match="does not return a response"):
        await hub.services.call("door", "lock", return_response=True)
    hub.services.register("cards", "info", lambda c: {"a": 1}, supports_response=SupportsResponse.OPTIONAL)
    with pytest.raises(HubError, match="blocking"):
        await hub.services.call("cards", "info", return_response=True, blocking=False)


async def test_handler_returning_a_non_mapping_response_is_an_error(hub):
    hub.services.register("x", "y", lambda c: [1], supports_response=SupportsResponse.ONLY)
    with pytest.raises(HubError, match="returned list"):
        await hub.services.call("x", "y", return_response=True)


async def test_non_blocking_call_runs_as_task_and_errors_are_logged(hub, caplog):
    done = []

    async def slow(call):
        done.append(call.data["n"])
        raise RuntimeError("motor stalled")

    hub.services.register("barrier", "open", slow)
    assert await hub.services.call("barrier", "open", {"n": 1}, blocking=False) is None
    await hub.block_till_done()
    assert done == [1]
    assert "motor stalled" in caplog.text


async def test_call_fires_call_service_event(hub):
    events = []
    hub.bus.listen(EVENT_CALL_SERVICE, events.append)
    hub.services.register("door", "lock", lambda c: None)
    await hub.services.call("door", "lock", {"x": 1}, context=Context(user_id="u1"))
    assert events[0].data == {"domain": "door", "service": "lock", "service_data": {"x": 1}}
    assert events[0].context.user_id == "u1"


async def test_permission_check_applies_to_user_calls_only(hub):
    checked = []

    def check(context, domain, service):
        checked.append((context.user_id, domain, service))
        if context.user_id == "guard":
            raise Unauthorized(f"role guard may not call {domain}.{service}")

    hub.services.permission_check = check
    hub.services.register("cards", "refund", lambda c: None)
    await hub.services.call("cards", "refund", context=Context(source="automation.x"))
    await hub.services.call("cards", "refund", context=Context(user_id="finance"))
    with pytest.raises(Unauthorized):
        await hub.services.call("cards", "refund", context=Context(user_id="guard"))
    assert checked == [("finance", "cards", "refund"), ("guard", "cards", "refund")]


async def test_describe_lists_services(hub):
    hub.services.register("door", "unlock", lambda c: None, description="Open a door")
    assert hub.services.describe()["door"]["unlock"] == {"description": "Open a door", "response": "none"}
    hub.services.remove("door", "unlock")
    assert not hub.services.has("door", "unlock")
