"""Setting the card centre up in the hub, and finding it (``get_cards``)."""
from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from xiaoqu.core.auth import get_access as get_auth
from xiaoqu.core.auth.const import DATA_CONTROL
from xiaoqu.core.errors import HubError
from xiaoqu.integrations.access import get_access
from xiaoqu.integrations.residents import get_residents

from . import commands
from .cards import Cards
from .const import DATA_CARDS, HISTORY_KIND
from .doors import DoorRights
from .pos_setup import set_up_pos, tear_down_pos
from .registry import CardRegistry
from .reports import Books
from .wallet import Wallet

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub


async def set_up(hub: Hub, config: dict[str, Any]) -> Cards:
    assert hub.config.data_dir is not None
    hub.recorder.set_retention(HISTORY_KIND, timedelta(days=config["keep_days"]))
    residents = get_residents(hub)
    registry = CardRegistry(hub.config.data_dir, residents)
    await registry.open()
    wallet = Wallet(hub.config.data_dir, hub.clock.time)
    try:
        await wallet.open()
    except BaseException:
        await registry.close()
        raise
    cards = hub.data[DATA_CARDS] = Cards(hub, registry, wallet, DoorRights(get_access(hub)), residents, config)
    await set_up_pos(hub, cards, config.get("pos"))
    control = hub.data.get(DATA_CONTROL)
    if control is not None:
        commands.register(control, Books.of(cards), get_auth(hub).manager.audit.record)
    return cards


async def tear_down(hub: Hub) -> None:
    await tear_down_pos(hub)
    cards = hub.data.pop(DATA_CARDS, None)
    if cards is not None:
        await cards.wallet.close()
        await cards.registry.close()


def get_cards(hub: Hub) -> Cards:
    """The hub's card centre; raises if the cards integration is not set up."""
    cards = hub.data.get(DATA_CARDS)
    if cards is None:
        raise HubError("the card centre is not set up on this hub (see the log for why)")
    return cards
