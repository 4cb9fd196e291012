"""The one-card centre (一卡通): cards, their stored value, door rights and history.

    cards:
      low_balance_fen: 1000        # cards_low_balance fires when a charge takes a card below ¥10.00

:func:`get_cards` gives the hub's :class:`Cards`: ``card(value)`` in any form a reader sends,
``balance(value)``, ``refusal(card)`` (why it may not pay now), the :class:`Wallet` on the
ledger, ``balance_moved`` and ``add_unsettled_check`` for the POS. docs/cards.md is the guide.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xiaoqu.core import hookimpl
from xiaoqu.core.services import register_services, service_names

from . import cli, runtime
from .cards import Cards
from .const import DOMAIN, EVENT_LOST, EVENT_LOW_BALANCE, ROLE_PERMISSIONS
from .dashboard_pages import register_pages
from .errors import CardError
from .models import Card
from .runtime import get_cards
from .schema import CONFIG_SCHEMA
from .services import SERVICES
from .wallet import Wallet, card_account

if TYPE_CHECKING:
    import argparse

    from xiaoqu.core.hub import Hub

__all__ = ["DOMAIN", "EVENT_LOST", "EVENT_LOW_BALANCE", "Card", "CardError", "Cards", "Wallet", "card_account",
           "get_cards"]


@hookimpl
def xiaoqu_config_schema() -> Any:
    return CONFIG_SCHEMA


@hookimpl
def xiaoqu_services() -> list[str]:
    return service_names(DOMAIN, SERVICES)


@hookimpl
async def xiaoqu_setup(hub: Hub, config: dict[str, Any]) -> None:
    await runtime.set_up(hub, config)
    register_services(hub, DOMAIN, SERVICES)
    register_pages(hub)


@hookimpl
async def xiaoqu_stop(hub: Hub) -> None:
    await runtime.tear_down(hub)


@hookimpl
def xiaoqu_cli(subparsers: argparse._SubParsersAction) -> None:
    cli.register(subparsers)


@hookimpl
def xiaoqu_role_permissions() -> dict[str, list[str]]:
    return ROLE_PERMISSIONS
