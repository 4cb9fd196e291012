"""Putting the POS on a hub: its terminals' device messages, its store of flagged uploads.

Set up by the card centre when its section has ``pos:`` and the hub runs the device protocol
(mqtt); without mqtt there is no terminal to hear, and the centre runs without a POS.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from xiaoqu.core.hub_data import HubKey
from xiaoqu.integrations import mqtt
from xiaoqu.integrations.mqtt.const import DATA_MQTT

from .offline_charges import FlaggedCharges
from .pos import Pos
from .pos_config import PosConfig

if TYPE_CHECKING:
    from xiaoqu.core.hub import Hub

    from .cards import Cards

#: The hub's running POS.
DATA_POS: Final[HubKey[PosRunning]] = HubKey("cards_pos")
#: Flagged offline charges, in the hub's data dir.
POS_FILE: Final = "cards_pos.db"
#: An offline terminal's upload, answered (as its charges are) on ``pos/<id>/result``.
UPLOAD_KIND: Final = mqtt.MessageKind("pos", "upload", "pos_upload", "result", {"ok": False, "accepted": False})


@dataclass(slots=True)
class PosRunning:
    pos: Pos
    undo: list[Callable[[], Any]] = field(default_factory=list)

    async def stop(self) -> None:
        for undo in reversed(self.undo):
            undo()
        await self.pos.flagged.close()


async def set_up_pos(hub: Hub, cards: Cards, section: dict[str, Any] | None) -> PosRunning | None:
    """Start the POS for ``section`` (the validated ``pos:``); None without one or without mqtt."""
    if section is None or DATA_MQTT not in hub.data or mqtt.get(hub).router is None:
        return None
    assert hub.config.data_dir is not None
    flagged = FlaggedCharges(hub.config.data_dir / POS_FILE)
    await flagged.open()
    data = mqtt.get(hub)
    pos = Pos(hub, PosConfig.of(section), cards, flagged, data.rejections)
    running = PosRunning(pos)
    try:
        await pos.start()
        assert data.router is not None
        data.router.add_kind(UPLOAD_KIND)
        running.undo += [
            mqtt.register_device_message(hub, "pos/charge", "pos_charge", pos.on_charge),
            mqtt.register_device_message(hub, "pos/upload", "pos_upload", pos.on_upload),
            cards.add_unsettled_check(pos.unsettled),
        ]
    except BaseException:
        await running.stop()
        raise
    hub.data[DATA_POS] = running
    return running


async def tear_down_pos(hub: Hub) -> None:
    running = hub.data.pop(DATA_POS, None)
    if running is not None:
        await running.stop()
