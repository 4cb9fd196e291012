"""Setting the simulated WeChat Pay up: its keys, its platform, its provider registered with payments."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core.errors import HubError
from xiaoqu.integrations.payments import get_payments

from .const import DATA_PLATFORM, KEY_DIR
from .keys import load_or_make
from .platform import Platform
from .provider import SimPayProvider

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


async def set_up(hub: Hub, config: dict[str, Any]) -> Platform:
    assert hub.config.data_dir is not None
    keys = await hub.run_in_executor(load_or_make, hub.config.data_dir / KEY_DIR)
    platform = hub.data[DATA_PLATFORM] = Platform(hub, keys, config)
    get_payments(hub).register(SimPayProvider(platform))
    return platform


async def tear_down(hub: Hub) -> None:
    platform = hub.data.pop(DATA_PLATFORM, None)
    if platform is not None:
        await platform.close()


def get_platform(hub: Hub) -> Platform:
    platform = hub.data.get(DATA_PLATFORM)
    if platform is None:
        raise HubError("the simulated WeChat Pay is not set up on this hub (see the log for why)")
    return platform
