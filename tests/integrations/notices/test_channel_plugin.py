"""A site plugin adds a notice channel through notices' own ``xiaoqu_notice_channels`` hook, end to
end on a real hub: its section checked by its schema (a wrong one stops notices naming the key),
the channel made from it, a notice sent through it to each household (one refused with the
channel's reason kept, the other delivered), the broadcast for a notice to everyone, and the
channel closed when the hub stops."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.fixtures_mqtt import BrokerProcess
from tests.integrations.notices.conftest import ALICE, BOB, START
from tests.integrations.portal.conftest import portal, portal_config
from xiaoqu.core.clock import ManualClock
from xiaoqu.core.testing import running_hub
from xiaoqu.integrations.notices import get_notices

PLUGIN = "notices_wecom"
#: A WeCom group robot as a plugin would write it: it keeps what it was asked to do in hub.data.
CODE = f"""
    from xiaoqu.integrations.notices import ChannelType, DeliveryFailed
    from xiaoqu.integrations.notices.hookspecs import hookimpl as notices_hookimpl

    SCHEMA = vol.Schema({{vol.Required("key"): vol.All(str, vol.Length(min=8))}})

    class WeCom:
        def __init__(self, context, config):
            self.seen = context.hub.data.setdefault("wecom", {{"sent": [], "shown": [], "closed": 0}})
            self.seen["made"] = (context.name, config["key"])
            self.contacts = context.contacts

        async def send(self, message, household):
            if household == "{BOB}":
                raise DeliveryFailed("the robot refused the group")
            self.seen["sent"].append((message.notice_id, household, message.title, self.contacts.of(household, "phone")))

        async def broadcast(self, message):
            self.seen["shown"].append(message.notice_id)

        async def close(self):
            self.seen["closed"] += 1

    @notices_hookimpl
    def xiaoqu_notice_channels():
        return [ChannelType("wecom", SCHEMA, WeCom, "WeCom group robot")]
"""


def _notices(key: str) -> dict[str, Any]:
    return {"channels": {"wecom": {"key": key}, "log": {}}, "default_channels": ["wecom", "log"]}


async def test_a_plugins_channel_delivers_notices(site_dir: Path, broker: BrokerProcess, isolated_plugins: Any) -> None:
    isolated_plugins(site_dir, PLUGIN, CODE, dependencies=["notices"])
    async with portal(site_dir, broker, clock=ManualClock(START), notices=_notices("robot-key-1"),
                      **{PLUGIN: None}) as here:
        notices = get_notices(here.hub)
        seen = here.hub.data["wecom"]
        assert seen["made"] == ("wecom", "robot-key-1") and list(notices.channels) == ["wecom", "log"]
        events = []
        here.hub.bus.listen("notice_sent", events.append)
        sent = await notices.send({"all": True}, title="消防演练", body="本周六上午消防演练。")
        await here.hub.block_till_done()
        notice = sent["notice_id"]
        assert seen["sent"] == [(notice, ALICE, "消防演练", ["13812345678"])] and seen["shown"] == [notice]
        rows = {row["household"]: row["channels"]["wecom"] for row in notices.recipients_of(notice)}
        assert (rows[ALICE]["status"], rows[BOB]["status"], rows[BOB]["reason"]) == (
            "sent", "failed", "the robot refused the group")
        assert events[0].data["channels"] == ["wecom", "log"] and events[0].data["deliveries"] == {"sent": 3,
                                                                                                   "failed": 1}
        assert seen["closed"] == 0
    assert seen["closed"] == 1


async def test_a_plugins_channel_checks_its_own_section(site_dir: Path, broker: BrokerProcess,
                                                        isolated_plugins: Any, caplog: pytest.LogCaptureFixture) -> None:
    isolated_plugins(site_dir, PLUGIN, CODE, dependencies=["notices"])
    config = portal_config(broker, notices=_notices("short"), **{PLUGIN: None})
    async with running_hub(site_dir, config, expect_problems=True) as hub:
        assert "notices" not in hub.data and "wecom" not in hub.data
        assert "notices: channels: wecom: " in caplog.text and "'key'" in caplog.text
