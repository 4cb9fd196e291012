"""notify: Home Assistant's notify.* services on a real hub, called by automations."""
from __future__ import annotations

import logging

import pytest

from xiaoqu.core.bootstrap import setup_hub
from xiaoqu.core.errors import HubError, ServiceValidationError
from xiaoqu.core.testing import running_hub, write_config
from xiaoqu.integrations.notify import EVENT_NOTIFICATION_SENT, Notification, register_target

DOOR_FORCED = {
    "id": "door_forced",
    "triggers": [{"trigger": "event", "event_type": "door_forced"}],
    "actions": [{"action": "notify.guard_room",
                 "data": {"title": "门被强行打开", "message": "{{ trigger.event.data.door }} was forced open",
                          "target": ["guard-1"]}}],
}


async def test_an_automation_notifies_a_target_through_the_log(tmp_path, clock, caplog) -> None:
    config = {"notify": [{"name": "guard_room", "level": "warning"}], "automation": [DOOR_FORCED]}
    caplog.set_level(logging.INFO, logger="xiaoqu.integrations.notify")
    async with running_hub(tmp_path, config, clock=clock) as hub:
        sent: list[dict] = []
        hub.bus.listen(EVENT_NOTIFICATION_SENT, lambda event: sent.append(dict(event.data)))
        hub.bus.fire("door_forced", {"door": "Building 3 east door"})
        await hub.block_till_done()
        assert {"notify.notify", "notify.log", "notify.guard_room"} <= {
            f"notify.{s}" for s in hub.services.describe()["notify"]}
    assert sent == [{"target": "guard_room", "title": "门被强行打开", "message": "Building 3 east door was forced open",
                     "recipients": ["guard-1"]}]
    record = next(r for r in caplog.records if r.name == "xiaoqu.integrations.notify.guard_room")
    assert record.levelno == logging.WARNING
    assert record.getMessage() == "[门被强行打开] Building 3 east door was forced open (to guard-1)"


async def test_notify_notify_sends_to_every_target_and_one_failure_does_not_stop_the_rest(tmp_path, clock) -> None:
    class Broken:
        async def send(self, notification: Notification) -> None:
            raise ConnectionError("app push gateway down")

    async with running_hub(tmp_path, {"notify": [{"name": "office"}]}, clock=clock) as hub:
        register_target(hub, "app", Broken())
        sent: list[str] = []
        hub.bus.listen(EVENT_NOTIFICATION_SENT, lambda event: sent.append(event.data["target"]))
        await hub.services.call("notify", "notify", {"message": "水管检修，明早停水"}, blocking=True)
        assert sorted(sent) == ["log", "office"]  # the broken app target is logged, the others sent
        with pytest.raises(Exception, match=r"notify.app: not sent \(app failed"):
            await hub.services.call("notify", "app", {"message": "x"}, blocking=True)


async def test_bad_calls_say_what_is_wrong(tmp_path, clock) -> None:
    async with running_hub(tmp_path, {"notify": None}, clock=clock) as hub:
        with pytest.raises(ServiceValidationError, match=r"^notify\.log: message: required key not provided$"):
            await hub.services.call("notify", "log", {"title": "no message"}, blocking=True)
        with pytest.raises(ServiceValidationError, match=r"^notify\.log: length of value must be at most 4000 for 'message'"):
            await hub.services.call("notify", "log", {"message": "x" * 5000}, blocking=True)


async def test_config_mistakes_name_the_target_and_the_key(tmp_path) -> None:
    config = {"notify": [{"name": "notify"}, {"name": "office", "channel": "sms"}, {"name": "office"}]}
    hub, checked = await setup_hub(write_config(tmp_path, config))
    await hub.stop()
    messages = sorted(str(error).split(": ", 1)[1] for error in checked.errors)
    assert messages == [
        "notify[0].name: 'notify' is the service that sends to every target; choose another name, got 'notify'",
        "notify[1].channel: expected log (the only built-in channel), got 'sms'",
    ]
    hub, checked = await setup_hub(write_config(tmp_path, {"notify": [{"name": "office"}, {"name": "office"}]}))
    await hub.stop()
    assert [str(error).split(": ", 1)[1] for error in checked.errors] == [
        "notify[1].name: names a target already defined above, got 'office'"]


async def test_a_plugin_cannot_take_the_broadcast_service_or_an_odd_name(tmp_path, clock) -> None:
    class Quiet:
        async def send(self, notification: Notification) -> None:
            pass

    async with running_hub(tmp_path, {"notify": None}, clock=clock) as hub:
        with pytest.raises(HubError, match=r"^notify target 'notify': 'notify' is the service that sends to every target"):
            register_target(hub, "notify", Quiet())
        with pytest.raises(HubError, match=r"^notify target 'App Push'"):
            register_target(hub, "App Push", Quiet())
        register_target(hub, "app", Quiet())
        with pytest.raises(HubError, match=r"^notify\.app already exists$"):
            register_target(hub, "app", Quiet())
